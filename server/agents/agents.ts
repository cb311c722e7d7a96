// Agent accounts: the KCC staff who log in to the inbox, with their role and disabled flag.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.ts';

export const ROLES = ['agent', 'supervisor', 'admin', 'backoffice'] as const;
export type Role = (typeof ROLES)[number];

export interface Agent {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

const email = z.email('must be an e-mail address').max(254).transform((value) => value.toLowerCase());
const password = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);
const name = z.string().trim().min(1, 'must not be empty').max(200);

export const newAgentSchema = z.strictObject({ email, name, role: z.enum(ROLES).default('agent'), password });
export const agentPatchSchema = z
  .strictObject({ name, role: z.enum(ROLES), disabled: z.boolean(), password })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'name, role, disabled or password is required');

const teamIds = z.array(z.int().positive().max(Number.MAX_SAFE_INTEGER)).max(100).transform((ids) => [...new Set(ids)]);

/**
 * POST /api/agents (the Beheer screen, issue 16): without a password Balie makes a temporary one
 * and answers it once; teamIds sets the agent's teams.
 */
export const agentRequestSchema = z.strictObject({ email, name, role: z.enum(ROLES).default('agent'), password: password.optional(), teamIds: teamIds.default([]) });
/** PATCH /api/agents/:id: agentPatchSchema's fields and the agent's teams. */
export const agentRequestPatchSchema = z
  .strictObject({ name, role: z.enum(ROLES), disabled: z.boolean(), password, teamIds })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'name, role, disabled, password or teamIds is required');

export type NewAgent = z.input<typeof newAgentSchema>;
export type AgentPatch = z.infer<typeof agentPatchSchema>;

const COLUMNS = `id, email, name, role, disabled, created_at AS "createdAt"`;

/**
 * Creates an agent. `passwordMustChange`: somebody other than the agent chose this password (the
 * first admin, `npm run agents -- add`), so their first login may only choose their own. False
 * when left out — for accounts whose owner chose the password (test fixtures seed this way).
 */
export async function createAgent(db: Db, input: z.infer<typeof newAgentSchema>, { passwordMustChange = false }: { passwordMustChange?: boolean } = {}): Promise<Agent | 'email_taken'> {
  const passwordHash = await hashPassword(input.password);
  const result = await db.query<Agent>(
    `INSERT INTO agents (email, name, role, password_hash, password_must_change) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS}`,
    [input.email, input.name, input.role, passwordHash, passwordMustChange],
  );
  return result.rows[0] ?? 'email_taken';
}

/** An agent as the Beheer screen lists them: with the ids of their teams. */
export interface AgentWithTeams extends Agent {
  teamIds: number[];
}

const TEAM_IDS = `coalesce((SELECT array_agg(m.team_id::int ORDER BY m.team_id) FROM team_members m WHERE m.agent_id = agents.id), '{}') AS "teamIds"`;

export async function listAgentsWithTeams(db: Db): Promise<AgentWithTeams[]> {
  return (await db.query<AgentWithTeams>(`SELECT ${COLUMNS}, ${TEAM_IDS} FROM agents ORDER BY lower(name), id`)).rows;
}

async function withTeams(db: Db, agent: Agent): Promise<AgentWithTeams> {
  const { rows } = await db.query<{ teamIds: number[] }>(`SELECT ${TEAM_IDS} FROM agents WHERE id = $1`, [agent.id]);
  return { ...agent, teamIds: rows[0]?.teamIds ?? [] };
}

async function unknownTeams(db: Db, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM teams WHERE id = ANY($1::bigint[])', [[...ids]]);
  return rows[0]!.count !== ids.length;
}

async function setAgentTeams(db: Db, agentId: number, ids: readonly number[]): Promise<void> {
  await db.query('DELETE FROM team_members WHERE agent_id = $1 AND NOT (team_id = ANY($2::bigint[]))', [agentId, [...ids]]);
  await db.query('INSERT INTO team_members (team_id, agent_id) SELECT unnest($2::bigint[]), $1 ON CONFLICT DO NOTHING', [agentId, [...ids]]);
}

/**
 * A temporary password for an agent an admin adds or resets (issue 16): 16 characters from 96
 * random bits, shown to the admin once, never stored in clear nor logged.
 */
export function temporaryPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Creates an agent with their teams; without a password, with a temporary one that is returned
 * once. Either way the admin chose it, so the agent must choose their own at first login.
 */
export async function createAgentWithTeams(pool: Pool, input: z.infer<typeof agentRequestSchema>): Promise<{ agent: AgentWithTeams; temporaryPassword?: string } | 'email_taken' | 'unknown_team'> {
  const generated = input.password === undefined ? temporaryPassword() : undefined;
  const passwordHash = await hashPassword(input.password ?? generated!);
  return inTransaction(pool, async (tx) => {
    if (await unknownTeams(tx, input.teamIds)) return 'unknown_team';
    const result = await tx.query<Agent>(
      `INSERT INTO agents (email, name, role, password_hash, password_must_change) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS}`,
      [input.email, input.name, input.role, passwordHash],
    );
    const agent = result.rows[0];
    if (!agent) return 'email_taken';
    await setAgentTeams(tx, agent.id, input.teamIds);
    return { agent: await withTeams(tx, agent), ...(generated ? { temporaryPassword: generated } : {}) };
  });
}

export async function listAgents(db: Db): Promise<Agent[]> {
  return (await db.query<Agent>(`SELECT ${COLUMNS} FROM agents ORDER BY lower(name), id`)).rows;
}

export async function findAgent(db: Db, id: number): Promise<Agent | undefined> {
  return (await db.query<Agent>(`SELECT ${COLUMNS} FROM agents WHERE id = $1`, [id])).rows[0];
}

/** The agent with this e-mail address and their password hash, for logging in. */
export async function findAgentForLogin(db: Db, emailAddress: string): Promise<(Agent & { passwordHash: string; passwordMustChange: boolean }) | undefined> {
  const result = await db.query<Agent & { passwordHash: string; passwordMustChange: boolean }>(
    `SELECT ${COLUMNS}, password_hash AS "passwordHash", password_must_change AS "passwordMustChange" FROM agents WHERE email = $1`,
    [emailAddress.toLowerCase()],
  );
  return result.rows[0];
}

export async function countAgents(db: Db): Promise<number> {
  return (await db.query<{ count: number }>('SELECT count(*)::int AS count FROM agents')).rows[0]!.count;
}

/**
 * Changes an agent. Disabling an agent or changing the password ends their sessions. The last
 * active admin cannot be disabled or demoted: nobody could manage agents any more. A password set
 * here is set by somebody else (an admin, the CLI): the agent must choose their own at next login
 * (changeOwnPassword is the agent's own way).
 */
export async function updateAgent(pool: Pool, id: number, patch: AgentPatch): Promise<Agent | 'not_found' | 'last_admin'> {
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  return inTransaction(pool, (tx) => applyAgentPatch(tx, id, patch, passwordHash));
}

/** updateAgent with the agent's teams (PATCH /api/agents/:id), in one transaction. */
export async function updateAgentWithTeams(pool: Pool, id: number, patch: z.infer<typeof agentRequestPatchSchema>): Promise<AgentWithTeams | 'not_found' | 'last_admin' | 'unknown_team'> {
  const { teamIds: teams, ...agentPatch } = patch;
  const passwordHash = agentPatch.password === undefined ? undefined : await hashPassword(agentPatch.password);
  return inTransaction(pool, async (tx) => {
    if (teams && (await unknownTeams(tx, teams))) return 'unknown_team';
    const agent = await applyAgentPatch(tx, id, agentPatch, passwordHash);
    if (typeof agent === 'string') return agent;
    if (teams) await setAgentTeams(tx, id, teams);
    return withTeams(tx, agent);
  });
}

async function applyAgentPatch(tx: Db, id: number, patch: AgentPatch, passwordHash: string | undefined): Promise<Agent | 'not_found' | 'last_admin'> {
  // Serialise admin changes so two admins cannot demote each other at the same moment.
  await tx.query("SELECT id FROM agents WHERE role = 'admin' FOR UPDATE");
  const current = await findAgent(tx, id);
  if (!current) return 'not_found';
  const losesAdmin = current.role === 'admin' && !current.disabled && (patch.disabled === true || (patch.role !== undefined && patch.role !== 'admin'));
  if (losesAdmin) {
    const others = await tx.query("SELECT 1 FROM agents WHERE role = 'admin' AND NOT disabled AND id <> $1 LIMIT 1", [id]);
    if (others.rowCount === 0) return 'last_admin';
  }
  const result = await tx.query<Agent>(
    `UPDATE agents SET
       name = coalesce($2, name),
       role = coalesce($3, role),
       disabled = coalesce($4, disabled),
       password_hash = coalesce($5, password_hash),
       password_must_change = password_must_change OR $5::text IS NOT NULL,
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.role ?? null, patch.disabled ?? null, passwordHash ?? null],
  );
  if (patch.disabled === true || passwordHash !== undefined) {
    await tx.query('DELETE FROM sessions WHERE agent_id = $1', [id]);
    // Delivered at commit to every running instance — also when the CLI made the change.
    await notifySessionsEnded(tx, id, patch.disabled === true ? 'disabled' : 'logged_out');
  }
  return result.rows[0]!;
}

/**
 * The PostgreSQL NOTIFY channel on which every Balie instance hears that an agent's sessions were
 * ended (disabled, password changed), from the API or from `npm run agents` in another process,
 * and disconnects that agent's sockets (issue 12 §8).
 */
export const AGENT_SESSIONS_CHANNEL = 'balie_agent_sessions';

export interface SessionsEndedNotice {
  agentId: number;
  reason: 'disabled' | 'logged_out';
}

/** NOTIFYs the running instances; inside a transaction the notice goes out when it commits. */
export async function notifySessionsEnded(db: Db, agentId: number, reason: SessionsEndedNotice['reason']): Promise<void> {
  const notice: SessionsEndedNotice = { agentId, reason };
  await db.query('SELECT pg_notify($1, $2)', [AGENT_SESSIONS_CHANNEL, JSON.stringify(notice)]);
}
