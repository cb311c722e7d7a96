// Agent sessions: an opaque random token in an HttpOnly cookie, its SHA-256 in PostgreSQL, so
// sessions survive restarts and are shared by every Balie instance.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { Role } from './agents.ts';

export const SESSION_COOKIE = 'balie_session';

/** The logged-in agent as the rest of the server sees it. */
export interface SessionAgent {
  id: number;
  email: string;
  name: string;
  role: Role;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export async function createSession(db: Db, agentId: number, hours: number, userAgent: string | undefined): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO sessions (token_hash, agent_id, expires_at, user_agent)
     VALUES ($1, $2, now() + make_interval(hours => $3), $4)`,
    [hashToken(token), agentId, hours, userAgent?.slice(0, 500) ?? null],
  );
  return token;
}

/**
 * The agent behind a session token, or undefined when the token is unknown, expired or the agent
 * is disabled. Active sessions slide: their expiry moves forward at most once a minute.
 */
export async function agentForSession(db: Db, token: string, hours: number): Promise<SessionAgent | undefined> {
  const result = await db.query<SessionAgent & { stale: boolean }>(
    `SELECT a.id, a.email, a.name, a.role, s.last_seen_at < now() - interval '1 minute' AS stale
       FROM sessions s JOIN agents a ON a.id = s.agent_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT a.disabled`,
    [hashToken(token)],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.stale) {
    await db.query('UPDATE sessions SET last_seen_at = now(), expires_at = now() + make_interval(hours => $2) WHERE token_hash = $1', [
      hashToken(token),
      hours,
    ]);
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}

export async function deleteExpiredSessions(db: Db): Promise<number> {
  return (await db.query('DELETE FROM sessions WHERE expires_at <= now()')).rowCount ?? 0;
}
