// The back office's API (issue 14): teams and their availability, hand-offs (contactverzoeken)
// created from a conversation, worked by the team, and shown in the KCC's contact history.
import type { AttemptResult, Handoff, HandoffStatus } from '../../../server/backoffice/handoffs.ts';
import type { Team } from '../../../server/backoffice/teams.ts';
import { api } from './http.ts';

export type { AttemptResult, Handoff, HandoffStatus, Team };
export type HandoffAction = Handoff['action'];

export interface MemberAvailability {
  id: number;
  name: string;
  availableNow: boolean;
  absentNow: boolean;
  absentUntil: string | null;
  availableFrom: string | null;
}

export interface TeamAvailability {
  teamId: number;
  now: string;
  /** The earliest moment a member can act; null when nobody can. */
  canActFrom: string | null;
  /** When a hand-off made now would be due. */
  dueAt: string;
  termSource: 'team' | 'norm' | 'default';
  members: MemberAvailability[];
}

export interface NewHandoff {
  conversationId: number;
  teamId: number | null;
  assigneeId: number | null;
  action: HandoffAction;
  actionLabel?: string;
  question: string;
  phone?: string;
  email?: string;
  preferredMoment?: string;
  internalNote?: string;
}

export interface ThreadMessage {
  id: number;
  direction: 'in' | 'out';
  kind: 'message' | 'note' | 'system';
  text: string;
  at: string;
  author: string | null;
}

export async function teams(): Promise<Team[]> {
  return (await api<{ teams: Team[] }>('GET', '/api/teams')).teams;
}

export function teamAvailability(teamId: number): Promise<TeamAvailability> {
  return api('GET', `/api/teams/${teamId}/availability`);
}

export async function createHandoff(input: NewHandoff): Promise<Handoff> {
  return (await api<{ handoff: Handoff }>('POST', '/api/backoffice/handoffs', input)).handoff;
}

/** The hand-offs of my teams and me, nearest due first. */
export async function myHandoffs(all = false): Promise<Handoff[]> {
  return (await api<{ handoffs: Handoff[] }>('GET', `/api/backoffice/handoffs${all ? '?all=1' : ''}`)).handoffs;
}

export function handoffDetail(id: number): Promise<{ handoff: Handoff; messages: ThreadMessage[] }> {
  return api('GET', `/api/backoffice/handoffs/${id}`);
}

/** The hand-offs in the contact history of a conversation (KCC). */
export async function handoffHistory(conversationId: number): Promise<Handoff[]> {
  return (await api<{ handoffs: Handoff[] }>('GET', `/api/backoffice/history/${conversationId}`)).handoffs;
}

export async function recordAttempt(id: number, input: { result: AttemptResult; note?: string; outcome?: string }): Promise<Handoff> {
  return (await api<{ handoff: Handoff }>('POST', `/api/backoffice/handoffs/${id}/attempts`, input)).handoff;
}

export async function completeHandoff(id: number, outcome: string): Promise<Handoff> {
  return (await api<{ handoff: Handoff }>('POST', `/api/backoffice/handoffs/${id}/complete`, { outcome })).handoff;
}

/** Verkeerde afdeling: on to another team, or (teamId null) back to the KCC. */
export async function sendBack(id: number, teamId: number | null, note: string): Promise<Handoff> {
  return (await api<{ handoff: Handoff }>('POST', `/api/backoffice/handoffs/${id}/misrouted`, { teamId, note })).handoff;
}

/** Cancels an open hand-off: the agent who made it, or a supervisor; the reason is kept. */
export async function cancelHandoff(id: number, reason: string): Promise<Handoff> {
  return (await api<{ handoff: Handoff }>('POST', `/api/backoffice/handoffs/${id}/cancel`, { reason })).handoff;
}

export function markAbsence(startsAt: string, endsAt: string, note?: string): Promise<unknown> {
  return api('POST', '/api/backoffice/absences', { startsAt, endsAt, ...(note ? { note } : {}) });
}

export interface Absence {
  id: number;
  agentId: number;
  startsAt: string;
  endsAt: string;
  note: string | null;
}

/** My availability: absences still to come or going on, my own working days (null: all), my free/busy address. */
export interface MyAvailability {
  absences: Absence[];
  workingDays: number[] | null;
  icalUrl: string | null;
  icalCheckedAt: string | null;
  /** Why the address could not be read the last time (a code), or null. */
  icalError: string | null;
}

export function myAvailability(): Promise<MyAvailability> {
  return api('GET', '/api/backoffice/availability');
}

export function removeAbsence(id: number): Promise<unknown> {
  return api('DELETE', `/api/backoffice/absences/${id}`);
}

/** Sets (null: clears) my iCalendar free/busy address; https, or a host the gemeente allowed. */
export function setFreeBusy(url: string | null): Promise<unknown> {
  return api('PUT', '/api/backoffice/free-busy', { url });
}

/** ISO weekdays 1 (Monday) to 7; null: every working day of the gemeente. */
export function setWorkingDays(workingDays: number[] | null): Promise<unknown> {
  return api('PUT', '/api/backoffice/working-days', { workingDays });
}

export type { ContactMatch } from '../../../server/backoffice/phone-contacts.ts';
import type { ContactMatch as Match } from '../../../server/backoffice/phone-contacts.ts';

/** The caller by phone number, e-mail address or name, with their latest conversations. */
export async function findContacts(q: string): Promise<Match[]> {
  return (await api<{ contacts: Match[] }>('GET', `/api/backoffice/contacts?q=${encodeURIComponent(q)}`)).contacts;
}

export interface NewPhoneContact {
  contactId?: number;
  name?: string;
  phone?: string;
  email?: string;
  subject: string;
  summary: string;
  handoff?: { teamId: number; action: HandoffAction };
}

export function registerPhoneContact(input: NewPhoneContact): Promise<{ conversation: { conversationId: number; reference: string }; handoff: Handoff | null }> {
  return api('POST', '/api/backoffice/phone-contacts', input);
}

export type { TeamFigures, BackofficeFigures, PhoneContactFigures } from '../../../server/backoffice/kpis.ts';
import type { BackofficeFigures as Figures } from '../../../server/backoffice/kpis.ts';

/**
 * The hand-off KPIs of [from, to) (dates, Amsterdam): per team and for all together, callbacks
 * within term / late / never, time to first attempt, misrouted share; and the phone contacts.
 */
export function backofficeFigures(from: string, to: string): Promise<Figures & { from: string; to: string }> {
  return api('GET', `/api/backoffice/figures?from=${from}&to=${to}`);
}
