// Citizens' chat sessions: an opaque random token the widget keeps in localStorage, its SHA-256 in
// PostgreSQL, bound to one conversation, expiring after CHAT_SESSION_HOURS.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';

export interface ChatSession {
  conversationId: number;
  /** Hex SHA-256 of the token: how the server names the session without holding the token. */
  tokenHash: string;
  expiresAt: Date;
}

export function hashChatToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A new session for the conversation; returns the token, which is never stored. */
export async function createChatSession(db: Db, conversationId: number, hours: number): Promise<{ token: string; expiresAt: Date }> {
  // 256 random bits: a token cannot be guessed, so it alone may open the conversation.
  const token = randomBytes(32).toString('base64url');
  const { rows } = await db.query<{ expiresAt: Date }>(
    `INSERT INTO chat_sessions (token_hash, conversation_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))
     RETURNING expires_at AS "expiresAt"`,
    [hashChatToken(token), conversationId, hours],
  );
  return { token, expiresAt: rows[0]!.expiresAt };
}

/** The live session behind a token: unknown, expired and ended tokens give undefined. */
export async function chatSessionFor(db: Db, token: string): Promise<ChatSession | undefined> {
  // A base64url token of 32 bytes is 43 characters; anything far off is not ours (and not worth a query).
  if (token.length < 16 || token.length > 200) return undefined;
  const hash = hashChatToken(token);
  const { rows } = await db.query<{ conversationId: number; expiresAt: Date }>(
    `SELECT conversation_id AS "conversationId", expires_at AS "expiresAt" FROM chat_sessions
      WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now()`,
    [hash],
  );
  const row = rows[0];
  return row ? { conversationId: row.conversationId, tokenHash: hash.toString('hex'), expiresAt: row.expiresAt } : undefined;
}

/**
 * Ends every session of the conversation ("Gesprek beëindigen" ends it on every device). `at`:
 * the moment an agent closed the chat — a session ended exactly then may still rate it from a
 * widget that is open (see chatSessionState).
 */
export async function endChatSessions(db: Db, conversationId: number, at?: Date): Promise<number> {
  const { rowCount } = await db.query('UPDATE chat_sessions SET ended_at = coalesce($2, now()) WHERE conversation_id = $1 AND ended_at IS NULL', [conversationId, at ?? null]);
  return rowCount ?? 0;
}

/**
 * What a connected widget's session may still do, re-checked before each of its commands:
 * - `live`: everything;
 * - `closed`: an agent closed the chat less than `graceSeconds` ago and that close ended this
 *   session: only rating it, mailing the transcript and removing it (issue 12 §10);
 * - `ended`: nothing (ended by the citizen, expired, or the grace is over).
 * A new connection needs a live session (chatSessionFor): a token read later from the site's
 * localStorage opens nothing once the chat is closed.
 */
export async function chatSessionState(db: Db, tokenHash: string, graceSeconds: number): Promise<'live' | 'closed' | 'ended'> {
  const { rows } = await db.query<{ state: 'live' | 'closed' | 'ended' }>(
    `SELECT CASE
              WHEN s.expires_at <= now() THEN 'ended'
              WHEN s.ended_at IS NULL THEN 'live'
              WHEN c.status = 'closed' AND s.ended_at = c.closed_at AND c.closed_at > now() - make_interval(secs => $2) THEN 'closed'
              ELSE 'ended'
            END AS state
       FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id
      WHERE s.token_hash = $1`,
    [Buffer.from(tokenHash, 'hex'), graceSeconds],
  );
  return rows[0]?.state ?? 'ended';
}

export async function deleteExpiredChatSessions(db: Db): Promise<number> {
  return (await db.query("DELETE FROM chat_sessions WHERE expires_at <= now() - interval '1 day'")).rowCount ?? 0;
}
