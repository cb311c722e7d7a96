// API tokens for integrations (issue 15 §7): created by admins, shown once, stored as a hash,
// read-only scopes, revocable; a BI tool pulling the export sends one as `Authorization: Bearer`.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';

/** What a token may do. Read-only by construction: no scope lets a token change anything. */
export const API_TOKEN_SCOPES = ['export:read'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

// Recognisable in logs and secret scanners, as GitHub's `ghp_` is; 32 random bytes follow.
const TOKEN_PREFIX = 'balie_';
const TOKEN_PATTERN = /^balie_[A-Za-z0-9_-]{43}$/;
/** Characters of the token kept in clear, so an admin can tell tokens apart in the list. */
const DISPLAY_CHARS = TOKEN_PREFIX.length + 6;

export interface ApiToken {
  id: number;
  name: string;
  /** The token's first characters, e.g. `balie_Xy3kQ9`: not enough to use it. */
  prefix: string;
  scopes: ApiTokenScope[];
  createdAt: string;
  createdBy: { id: number; name: string } | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

const COLUMNS = `t.id::int AS id, t.name, t.display_prefix AS prefix, t.scopes,
  to_json(t.created_at) #>> '{}' AS "createdAt",
  CASE WHEN t.created_by IS NULL THEN NULL ELSE json_build_object('id', t.created_by, 'name', a.name) END AS "createdBy",
  to_json(t.expires_at) #>> '{}' AS "expiresAt", to_json(t.last_used_at) #>> '{}' AS "lastUsedAt",
  to_json(t.revoked_at) #>> '{}' AS "revokedAt"`;

/** Creates a token; the secret is returned here and never again. */
export async function createApiToken(
  db: Db,
  input: { name: string; scopes: readonly ApiTokenScope[]; expiresAt?: Date; createdBy: number },
): Promise<{ token: ApiToken; secret: string }> {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO api_tokens (name, token_hash, display_prefix, scopes, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::int AS id`,
    [input.name, hashOf(secret), secret.slice(0, DISPLAY_CHARS), [...new Set(input.scopes)], input.expiresAt ?? null, input.createdBy],
  );
  return { token: (await findApiToken(db, rows[0]!.id))!, secret };
}

export async function findApiToken(db: Db, id: number): Promise<ApiToken | undefined> {
  const { rows } = await db.query<ApiToken>(`SELECT ${COLUMNS} FROM api_tokens t LEFT JOIN agents a ON a.id = t.created_by WHERE t.id = $1`, [id]);
  return rows[0];
}

/** Every token, newest first, revoked ones included (the trail of what was handed out). */
export async function listApiTokens(db: Db): Promise<ApiToken[]> {
  const { rows } = await db.query<ApiToken>(`SELECT ${COLUMNS} FROM api_tokens t LEFT JOIN agents a ON a.id = t.created_by ORDER BY t.created_at DESC, t.id DESC`);
  return rows;
}

/** Revokes a token at once; 'not_found' for an unknown id. Revoking twice keeps the first moment. */
export async function revokeApiToken(db: Db, id: number, by: number): Promise<ApiToken | 'not_found'> {
  await db.query(`UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, by]);
  return (await findApiToken(db, id)) ?? 'not_found';
}

/** Who a bearer is: a usable token, a known one that may no longer be used, or nothing. */
export type BearerIdentity =
  | { kind: 'valid'; token: { id: number; name: string; scopes: ApiTokenScope[] } }
  | { kind: 'refused'; token: { id: number; name: string }; reason: 'revoked' | 'expired' }
  | { kind: 'unknown' };

/**
 * Looks a presented secret up by its hash and, when usable, records the use (last_used_at).
 * The hash lookup is an index equality on a value the caller cannot steer, so no timing
 * comparison of secrets happens in JavaScript.
 */
export async function identifyBearer(db: Db, secret: string): Promise<BearerIdentity> {
  if (!TOKEN_PATTERN.test(secret)) return { kind: 'unknown' };
  const { rows } = await db.query<{ id: number; name: string; scopes: ApiTokenScope[]; revoked: boolean; expired: boolean }>(
    `UPDATE api_tokens SET last_used_at = CASE WHEN revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) THEN now() ELSE last_used_at END
      WHERE token_hash = $1
      RETURNING id::int AS id, name, scopes, revoked_at IS NOT NULL AS revoked, (expires_at IS NOT NULL AND expires_at <= now()) AS expired`,
    [hashOf(secret)],
  );
  const row = rows[0];
  if (!row) return { kind: 'unknown' };
  if (row.revoked || row.expired) return { kind: 'refused', token: { id: row.id, name: row.name }, reason: row.revoked ? 'revoked' : 'expired' };
  return { kind: 'valid', token: { id: row.id, name: row.name, scopes: row.scopes } };
}
