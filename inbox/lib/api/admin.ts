// The Beheer screens' API (issue 16): agents with their teams and temporary passwords, teams
// (issue 14 §1), and the topics of issue 15 (server/topics/types.ts is their contract).
import type { AgentWithTeams, Role } from '../../../server/agents/agents.ts';
import type { Team } from '../../../server/backoffice/teams.ts';
import type { Term, TermKey } from '../../../server/deadlines/norms.ts';
import type { Topic, TopicCreate, TopicList, TopicSettings, TopicUpdate } from '../../../server/topics/types.ts';
import { api } from './http.ts';

export type { AgentWithTeams, Role, Team, Term, TermKey, Topic };

export interface NewAgentInput {
  name: string;
  email: string;
  role: Role;
  teamIds: number[];
}

export type AgentChange = Partial<{ name: string; role: Role; disabled: boolean; teamIds: number[] }>;

export async function listAgents(): Promise<AgentWithTeams[]> {
  return (await api<{ agents: AgentWithTeams[] }>('GET', '/api/agents')).agents;
}

/** Creates the agent with a temporary password, which only this answer carries. */
export function addAgent(input: NewAgentInput): Promise<{ agent: AgentWithTeams; temporaryPassword: string }> {
  return api('POST', '/api/agents', input);
}

export async function changeAgent(id: number, change: AgentChange): Promise<AgentWithTeams> {
  return (await api<{ agent: AgentWithTeams }>('PATCH', `/api/agents/${id}`, change)).agent;
}

/** A new temporary password for the agent; their sessions end. */
export function resetPassword(id: number): Promise<{ agent: AgentWithTeams; temporaryPassword: string }> {
  return api('POST', `/api/agents/${id}/password`);
}

export interface TeamInput {
  name: string;
  notificationEmail: string | null;
  coordinatorId: number | null;
  handoffTerm: Term | null;
  memberIds: number[];
}

export async function createTeam(input: TeamInput): Promise<Team> {
  return (await api<{ team: Team }>('POST', '/api/teams', input)).team;
}

export async function changeTeam(id: number, change: Partial<TeamInput>): Promise<Team> {
  return (await api<{ team: Team }>('PATCH', `/api/teams/${id}`, change)).team;
}

/** Every topic, archived ones too (admins). */
export function allTopics(): Promise<TopicList> {
  return api<TopicList>('GET', '/api/topics?all=true');
}

export function createTopic(input: TopicCreate): Promise<Topic> {
  return api<Topic>('POST', '/api/topics', input);
}

export function changeTopic(id: number, change: TopicUpdate): Promise<Topic> {
  return api<Topic>('PATCH', `/api/topics/${id}`, change);
}

export function saveTopicSettings(settings: TopicSettings): Promise<TopicSettings> {
  return api<TopicSettings>('PUT', '/api/topics/settings', settings);
}

/** A norm's term as GET /api/norms lists it. */
export interface NormTermView {
  kind: TermKey;
  unit: Term['unit'];
  amount: number;
  /** The server's Dutch wording ("binnen 2 werkdagen", "de volgende werkdag vóór 17:00"). */
  description: string;
  target: number | null;
}

export interface NormView {
  id: string;
  name: string;
  source: string;
  active: boolean;
  interimAllowed: boolean;
  terms: NormTermView[];
}

/** Every norm with its terms (public GET /api/norms), for the line per norm in the settings. */
export async function listNorms(): Promise<NormView[]> {
  return (await api<{ norms: NormView[] }>('GET', '/api/norms')).norms;
}
