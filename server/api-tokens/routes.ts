// Admins' REST for API tokens: GET / (list), POST / (create: the secret is in this answer only),
// DELETE /:id (revoke). Mount at /api-tokens behind requireAgent; every change is audited.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { httpErrors, validate } from '../http/errors.ts';
import { API_TOKEN_SCOPES, createApiToken, listApiTokens, revokeApiToken } from './tokens.ts';

export const createApiTokenSchema = z.strictObject({
  /** What the token is for, e.g. "Power BI klantcontact". */
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(API_TOKEN_SCOPES)).min(1).max(API_TOKEN_SCOPES.length).default(['export:read']),
  /** Optional end of life; without it the token lives until revoked. */
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .refine((date) => date.getTime() > Date.now(), 'must be in the future')
    .optional(),
});

const idParam = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export function apiTokenRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ tokens: await listApiTokens(pool) });
  });

  router.post('/', async (req, res) => {
    const input = validate(createApiTokenSchema, req.body);
    const created = await inTransaction(pool, async (tx) => {
      const created = await createApiToken(tx, { ...input, createdBy: req.agent!.id });
      // The secret never enters the trail; its id and prefix do.
      await auditRequest(tx, req, { action: 'api_token.created', subjectType: 'api_token', subjectId: created.token.id, details: { name: created.token.name, prefix: created.token.prefix, scopes: created.token.scopes, expiresAt: created.token.expiresAt } });
      return created;
    });
    res.status(201).json(created);
  });

  router.delete('/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const token = await inTransaction(pool, async (tx) => {
      const token = await revokeApiToken(tx, id, req.agent!.id);
      if (token !== 'not_found') await auditRequest(tx, req, { action: 'api_token.revoked', subjectType: 'api_token', subjectId: id, details: { name: token.name, prefix: token.prefix } });
      return token;
    });
    if (token === 'not_found') throw httpErrors.notFound('API token');
    res.json({ token });
  });
  return router;
}
