// Teams and the back office (issue 14): hand-offs, phone contacts, absences and availability.
import { z } from 'zod';
import { attemptSchema, cancelSchema, completeSchema, misroutedSchema, newHandoffSchema } from '../../backoffice/handoffs.ts';
import { phoneContactSchema } from '../../backoffice/phone-contacts.ts';
import { newTeamSchema, teamPatchSchema } from '../../backoffice/teams.ts';
import { area, idParams, isoDateTime, json } from './registry.ts';
import { rows } from './schemas.ts';

const agentId = z.int().positive().optional();
const kcc = ['agent', 'supervisor', 'admin'] as const;

export const teams = area('Teams', 'Teams: their address, coordinator, members and hand-off term.', [
  { method: 'get', path: '/api/teams', summary: 'The teams', access: 'session', responses: { 200: json('The teams', z.looseObject({ teams: rows('id', 'name', 'notificationEmail', 'coordinator', 'handoffTerm', 'members') })) } },
  { method: 'post', path: '/api/teams', summary: 'Add a team', access: 'session', roles: ['admin'], body: newTeamSchema, responses: { 201: json('The team', z.looseObject({ team: z.looseObject({ id: z.number().int(), name: z.string() }) })) }, errors: ['team_name_taken'] },
  { method: 'patch', path: '/api/teams/:id', summary: 'Change a team', access: 'session', roles: ['admin'], params: idParams, body: teamPatchSchema, responses: { 200: json('The team', z.looseObject({ team: z.looseObject({ id: z.number().int(), name: z.string() }) })) }, errors: ['team_name_taken'] },
  { method: 'get', path: '/api/teams/:id/availability', summary: "The team's members: absent, busy or available", access: 'session', params: idParams, responses: { 200: json('The availability', z.looseObject({ teamId: z.number().int(), now: z.string(), dueAt: z.string().nullable(), members: z.array(z.looseObject({})) })) } },
]);

export default area('Back office', 'Hand-offs from the KCC to back-office teams, phone contacts, absences, working days and free/busy.', [
  { method: 'get', path: '/api/backoffice/absences', summary: 'Absences not ended yet (back-office staff: their own)', access: 'session', responses: { 200: json('The absences', z.looseObject({ absences: rows('id', 'startsAt', 'endsAt') })) } },
  { method: 'post', path: '/api/backoffice/absences', summary: 'Plan an absence (own; admins anyone’s)', access: 'session', body: z.strictObject({ agentId, startsAt: isoDateTime, endsAt: isoDateTime, note: z.string().max(200).optional() }), responses: { 201: json('The absence', z.looseObject({ absence: z.looseObject({ id: z.number().int(), startsAt: z.string(), endsAt: z.string() }) })) } },
  { method: 'delete', path: '/api/backoffice/absences/:id', summary: 'Remove an absence', access: 'session', params: idParams, responses: { 204: { description: 'Removed' } } },
  { method: 'get', path: '/api/backoffice/availability', summary: 'My availability: absences, working days, free/busy address', access: 'session', responses: { 200: json('My availability', z.looseObject({ absences: z.array(z.looseObject({})), workingDays: z.array(z.number().int()).nullable(), icalUrl: z.string().nullable(), icalCheckedAt: z.string().nullable() })) } },
  { method: 'put', path: '/api/backoffice/free-busy', summary: 'Set or clear an iCalendar free/busy address', access: 'session', body: z.strictObject({ agentId, url: z.string().max(2000).nullable() }), responses: { 204: { description: 'Set' } } },
  { method: 'put', path: '/api/backoffice/working-days', summary: 'Set working days (ISO weekday numbers; null: every day)', access: 'session', body: z.strictObject({ agentId, workingDays: z.array(z.int().min(1).max(7)).max(7).nullable() }), responses: { 204: { description: 'Set' } } },
  { method: 'post', path: '/api/backoffice/handoffs', summary: 'Hand a conversation or phone contact to a team', access: 'session', roles: kcc, body: newHandoffSchema, responses: { 201: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }), mailsQueued: z.unknown() })) }, errors: ['assignee_absent', 'assignee_not_in_team'] },
  { method: 'get', path: '/api/backoffice/handoffs', summary: 'Hand-offs (open, or all with all=1)', access: 'session', query: z.strictObject({ all: z.enum(['0', '1']).optional() }), responses: { 200: json('The hand-offs', z.looseObject({ handoffs: rows('id') })) } },
  { method: 'get', path: '/api/backoffice/handoffs/:id', summary: 'A hand-off with its conversation’s messages', access: 'session', params: idParams, responses: { 200: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }) })) } },
  { method: 'get', path: '/api/backoffice/history/:id', summary: "A contact's history", access: 'session', roles: kcc, params: idParams, responses: { 200: json('The history', z.looseObject({ handoffs: rows('id') })) } },
  { method: 'get', path: '/api/backoffice/contacts', summary: 'Find contacts by name, e-mail or phone', access: 'session', roles: kcc, query: z.strictObject({ q: z.string().min(1).max(200) }), responses: { 200: json('The contacts', z.looseObject({ contacts: z.array(z.looseObject({})) })) } },
  { method: 'post', path: '/api/backoffice/phone-contacts', summary: 'Record a phone contact (and hand it off)', access: 'session', roles: kcc, body: phoneContactSchema, responses: { 201: json('The conversation and hand-off', z.looseObject({ conversation: z.looseObject({}), handoff: z.looseObject({}) })) }, errors: ['assignee_absent', 'assignee_not_in_team'] },
  { method: 'get', path: '/api/backoffice/figures', summary: 'Back-office KPIs per team over a period', access: 'session', roles: ['supervisor', 'admin'], query: z.strictObject({ from: z.iso.date(), to: z.iso.date() }), responses: { 200: json('The figures', z.looseObject({ from: z.string(), to: z.string(), teams: z.array(z.looseObject({})), totals: z.looseObject({}), phoneContacts: z.looseObject({}) })) } },
  { method: 'post', path: '/api/backoffice/handoffs/:id/attempts', summary: 'Record a callback attempt', access: 'session', params: idParams, body: attemptSchema, responses: { 201: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }) })) }, errors: ['handoff_not_open'] },
  { method: 'post', path: '/api/backoffice/handoffs/:id/complete', summary: 'Complete a hand-off with its outcome', access: 'session', params: idParams, body: completeSchema, responses: { 200: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }) })) }, errors: ['handoff_not_open', 'handoff_wrong_action'] },
  { method: 'post', path: '/api/backoffice/handoffs/:id/misrouted', summary: 'Send a hand-off on: verkeerde afdeling', access: 'session', params: idParams, body: misroutedSchema, responses: { 200: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }) })) }, errors: ['handoff_not_open', 'assignee_absent', 'assignee_not_in_team'] },
  { method: 'post', path: '/api/backoffice/handoffs/:id/cancel', summary: 'Cancel a hand-off, with a reason', access: 'session', params: idParams, body: cancelSchema, responses: { 200: json('The hand-off', z.looseObject({ handoff: z.looseObject({ id: z.number().int() }) })) }, errors: ['handoff_not_open'] },
]);
