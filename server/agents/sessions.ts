// Agent sessions: an opaque random token in an HttpOnly cookie, its SHA-256 in PostgreSQL, so
// sessions survive restarts and are shared by every Balie instance.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { Role } from './agents.ts';

/** The cookie's name over http (development, tests). */
export const SESSION_COOKIE = 'balie_session';
/**
 * The cookie's name over https. The `__Host-` prefix makes the browser refuse it unless it is
 * Secure, Path=/ and without Domain, so a sibling host of the same site (www.gemeente.nl beside
 * balie.gemeente.nl) cannot set or shadow it (RFC 6265bis §4.1.3.2; issue 12.9).
 */
export const SECURE_SESSION_COOKIE = '__Host-balie_session';

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** Without SESSION_ABSOLUTE_HOURS, a session ends at the latest a day after login. */
export const DEFAULT_ABSOLUTE_HOURS = 24;

/** The logged-in agent as the rest of the server sees it. */
export interface SessionAgent {
  id: number;
  email: string;
  name: string;
  role: Role;
  /**
   * Somebody else chose this agent's password: until they choose their own, the session reaches
   * nothing but who-am-I, log out and the password change (http/auth.ts), and no socket opens.
   */
  passwordMustChange: boolean;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * A new session for `agentId`: it ends after `hours` without activity, and `absoluteHours` after
 * login however active it is (issue 12.9: a stolen cookie must not live forever).
 */
export async function createSession(db: Db, agentId: number, hours: number, userAgent: string | undefined, absoluteHours = Math.max(hours, DEFAULT_ABSOLUTE_HOURS)): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO sessions (token_hash, agent_id, expires_at, absolute_expires_at, user_agent)
     VALUES ($1, $2, now() + make_interval(hours => least($3::int, $4::int)), now() + make_interval(hours => $4::int), $5)`,
    [hashToken(token), agentId, hours, absoluteHours, userAgent?.slice(0, 500) ?? null],
  );
  return token;
}

/**
 * The agent behind a session token, or undefined when the token is unknown, idle too long, past
 * its absolute lifetime, or the agent is disabled. Active sessions slide: their idle expiry moves
 * forward at most once a minute, never past the absolute end. HTTP and the sockets both ask here.
 */
export async function agentForSession(db: Db, token: string, hours: number): Promise<SessionAgent | undefined> {
  const result = await db.query<SessionAgent & { stale: boolean }>(
    `SELECT a.id, a.email, a.name, a.role, a.password_must_change AS "passwordMustChange", s.last_seen_at < now() - interval '1 minute' AS stale
       FROM sessions s JOIN agents a ON a.id = s.agent_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND s.absolute_expires_at > now() AND NOT a.disabled`,
    [hashToken(token)],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.stale) {
    await db.query('UPDATE sessions SET last_seen_at = now(), expires_at = least(now() + make_interval(hours => $2), absolute_expires_at) WHERE token_hash = $1', [
      hashToken(token),
      hours,
    ]);
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role, passwordMustChange: row.passwordMustChange };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}

export async function deleteExpiredSessions(db: Db): Promise<number> {
  return (await db.query('DELETE FROM sessions WHERE expires_at <= now() OR absolute_expires_at <= now()')).rowCount ?? 0;
}
