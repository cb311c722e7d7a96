// The audit trail: who did or saw what of which record, from where, and what a change replaced —
// so a gemeente can show who looked at a citizen's data (AVG art. 5(2), accountability).
import { isIP } from 'node:net';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from './db/index.ts';
import { requireRole } from './http/auth.ts';
import { validate } from './http/errors.ts';

export interface AuditEntry {
  agentId: number | null;
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  details?: Record<string, unknown>;
  /** A changed text or setting as it was, and as it is now (canned answers, service settings). */
  before?: unknown;
  after?: unknown;
  /** Where the request came from; see `requestOrigin`. */
  ip?: string | null;
  userAgent?: string | null;
}

/** The client's address (as express's trust proxy sees it) and browser, for an audit entry. */
export function requestOrigin(req: Request): { ip: string | null; userAgent: string | null } {
  const ip = req.ip && isIP(req.ip) ? req.ip : null;
  return { ip, userAgent: req.get('user-agent')?.slice(0, 500) ?? null };
}

/** Writes one row. Callers await it: an entry that cannot be written fails the request loudly instead of vanishing. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (agent_id, action, subject_type, subject_id, details, before, after, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      entry.agentId,
      entry.action,
      entry.subjectType ?? null,
      entry.subjectId === undefined ? null : String(entry.subjectId),
      entry.details ?? {},
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      entry.ip ?? null,
      entry.userAgent?.slice(0, 500) ?? null,
    ],
  );
}

/** `recordAudit` for a request of a logged-in agent: their id, address and browser filled in. */
export function auditRequest(db: Db, req: Request, entry: Omit<AuditEntry, 'agentId' | 'ip' | 'userAgent'>): Promise<void> {
  return recordAudit(db, { ...entry, agentId: req.agent?.id ?? null, ...requestOrigin(req) });
}

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** The filters of GET /api/audit. */
export const auditQuery = z.strictObject({
  agent: id.optional(),
  conversation: id.optional(),
  /** An action (`conversation.viewed`) or a family of them (`conversation.*`). */
  action: z
    .string()
    .max(80)
    .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'an action such as conversation.viewed, or a family such as conversation.*')
    .optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the previous page: entries older than it. */
  before: id.optional(),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export interface AuditRow {
  id: number;
  at: string;
  agent: { id: number; name: string; email: string } | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
}

/** One page of the trail, newest first; `next` continues it (null on the last page). */
export async function readAudit(db: Db, query: AuditQuery): Promise<{ entries: AuditRow[]; next: number | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (param: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (query.agent !== undefined) add((p) => `l.agent_id = ${p}`, query.agent);
  if (query.conversation !== undefined) {
    where.push(`l.subject_type = 'conversation'`);
    add((p) => `l.subject_id = ${p}`, String(query.conversation));
  }
  // `_` is a LIKE wildcard; the family's own underscores must match themselves.
  if (query.action?.endsWith('.*')) add((p) => `l.action LIKE ${p}`, `${query.action.slice(0, -1).replaceAll('_', '\\_')}%`);
  else if (query.action !== undefined) add((p) => `l.action = ${p}`, query.action);
  if (query.from) add((p) => `l.created_at >= ${p}`, query.from);
  if (query.to) add((p) => `l.created_at < ${p}`, query.to);
  if (query.before !== undefined) add((p) => `l.id < ${p}`, query.before);
  values.push(query.limit + 1);
  const { rows } = await db.query<AuditRow & { agentName: string | null; agentEmail: string | null; agentId: number | null }>(
    `SELECT l.id::int AS id, to_json(l.created_at) #>> '{}' AS at, l.agent_id::int AS "agentId", a.name AS "agentName", a.email AS "agentEmail",
            l.action, l.subject_type AS "subjectType", l.subject_id AS "subjectId", l.details, l.before, l.after,
            host(l.ip) AS ip, l.user_agent AS "userAgent"
       FROM audit_log l LEFT JOIN agents a ON a.id = l.agent_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY l.id DESC
      LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map(({ agentId, agentName, agentEmail, ...row }) => ({
      ...row,
      agent: agentId === null ? null : { id: agentId, name: agentName ?? '', email: agentEmail ?? '' },
    })),
    next: rows.length > query.limit ? page[page.length - 1]!.id : null,
  };
}

/** Admins only: GET /audit?agent&conversation&action&from&to&limit&before. Mount behind requireAgent. */
export function auditRoutes({ db }: { db: Db }): Router {
  const router = Router();
  router.get('/audit', requireRole('admin'), async (req, res) => {
    const query = validate(auditQuery, req.query);
    const page = await readAudit(db, query);
    // Reading the trail is itself a look at citizens' data.
    await auditRequest(db, req, { action: 'audit.read', details: { filter: req.query } });
    res.json(page);
  });
  return router;
}
