// Agents (admins manage them).
import { z } from 'zod';
import { agentRequestPatchSchema, agentRequestSchema } from '../../agents/agents.ts';
import { area, idParams, json } from './registry.ts';
import { agentSchema } from './schemas.ts';

const admin = ['admin'] as const;

export default area('Agents', 'The agents, their roles and teams (admins).', [
  { method: 'get', path: '/api/agents', summary: 'Every agent with their teams', access: 'session', roles: admin, responses: { 200: json('The agents', z.looseObject({ agents: z.array(agentSchema) })) } },
  { method: 'post', path: '/api/agents', summary: 'Add an agent (a temporary password when none is given)', access: 'session', roles: admin, body: agentRequestSchema, responses: { 201: json('The agent', z.looseObject({ agent: agentSchema })) }, errors: ['email_taken'] },
  { method: 'patch', path: '/api/agents/:id', summary: "Change an agent's name, role, teams or disabled", access: 'session', roles: admin, params: idParams, body: agentRequestPatchSchema, responses: { 200: json('The agent', z.looseObject({ agent: agentSchema })) }, errors: ['email_taken', 'last_admin'] },
  { method: 'post', path: '/api/agents/:id/password', summary: 'Reset a password: a temporary one, shown once; ends their sessions', access: 'session', roles: admin, params: idParams, responses: { 200: json('The temporary password', z.looseObject({ agent: agentSchema, temporaryPassword: z.string() })) } },
]);
