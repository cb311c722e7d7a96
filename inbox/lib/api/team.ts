// The team: who works in this inbox and whether they are online (GET /api/team).
import type { AgentPresenceStatus } from '../../../server/realtime/events.ts';
import { api } from './http.ts';

export interface TeamMember {
  id: number;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
  status: AgentPresenceStatus;
}

export async function team(): Promise<TeamMember[]> {
  return (await api<{ agents: TeamMember[] }>('GET', '/api/team')).agents;
}
