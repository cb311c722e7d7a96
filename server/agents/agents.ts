// Agent accounts: the KCC staff who log in to the inbox, with their role and disabled flag.
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

export type NewAgent = z.input<typeof newAgentSchema>;
export type AgentPatch = z.infer<typeof agentPatchSchema>;

const COLUMNS = `id, email, name, role, disabled, created_at AS "createdAt"`;

export async function createAgent(db: Db, input: z.infer<typeof newAgentSchema>): Promise<Agent | 'email_taken'> {
  const passwordHash = await hashPassword(input.password);
  const result = await db.query<Agent>(
    `INSERT INTO agents (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS}`,
    [input.email, input.name, input.role, passwordHash],
  );
  return result.rows[0] ?? 'email_taken';
}

export async function listAgents(db: Db): Promise<Agent[]> {
  return (await db.query<Agent>(`SELECT ${COLUMNS} FROM agents ORDER BY lower(name), id`)).rows;
}

export async function findAgent(db: Db, id: number): Promise<Agent | undefined> {
  return (await db.query<Agent>(`SELECT ${COLUMNS} FROM agents WHERE id = $1`, [id])).rows[0];
}

/** The agent with this e-mail address and their password hash, for logging in. */
export async function findAgentForLogin(db: Db, emailAddress: string): Promise<(Agent & { passwordHash: string }) | undefined> {
  const result = await db.query<Agent & { passwordHash: string }>(
    `SELECT ${COLUMNS}, password_hash AS "passwordHash" FROM agents WHERE email = $1`,
    [emailAddress.toLowerCase()],
  );
  return result.rows[0];
}

export async function countAgents(db: Db): Promise<number> {
  return (await db.query<{ count: number }>('SELECT count(*)::int AS count FROM agents')).rows[0]!.count;
}

/**
 * Changes an agent. Disabling an agent or changing the password ends their sessions. The last
 * active admin cannot be disabled or demoted: nobody could manage agents any more.
 */
export async function updateAgent(pool: Pool, id: number, patch: AgentPatch): Promise<Agent | 'not_found' | 'last_admin'> {
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  return inTransaction(pool, async (tx) => {
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
  });
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
