// Response schemas shared by several areas: the shapes the server's TypeScript types promise.
import { z } from 'zod';
import { ROLES } from '../../agents/agents.ts';
import { API_TOKEN_SCOPES } from '../../api-tokens/index.ts';

/** server/agents/agents.ts Agent. */
export const agentSchema = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  createdAt: z.string(),
});

/** The logged-in agent (req.agent; login and the password change answer it too). */
export const sessionAgentSchema = z.looseObject({ id: z.number().int(), email: z.string(), name: z.string(), role: z.enum(ROLES), passwordMustChange: z.boolean().describe('Somebody else chose the password: only POST /api/auth/password, /me and /logout answer until the agent chooses their own') });

/** server/api-tokens/tokens.ts ApiToken: never the secret. */
export const apiTokenSchema = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(API_TOKEN_SCOPES)),
  createdAt: z.string(),
  createdBy: z.strictObject({ id: z.number().int(), name: z.string() }).nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** Any JSON value, but the member must be there (z.unknown() would make it optional). */
const present = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** A list of objects each with at least `members` (an answer's rows, members beyond are not described yet). */
export function rows<const K extends string>(...members: K[]) {
  return z.array(z.looseObject(Object.fromEntries(members.map((member) => [member, present])) as Record<K, typeof present>));
}

/** server/topics/types.ts Topic and TopicList. */
export const topicSchema = z.strictObject({ id: z.number().int(), name: z.string(), active: z.boolean() });
export const topicListSchema = z.looseObject({ topics: z.array(topicSchema), required: z.boolean() });
