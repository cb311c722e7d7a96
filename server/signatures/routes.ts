// HTTP routes of signatures (issue 16.3): admins set one per team and the mailbox's own; every
// agent can see the one their mail will carry.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { httpErrors, validate } from '../http/errors.ts';
import { SIGNATURE_VARIABLES } from './render.ts';
import { deleteSignature, listSignatures, lockedSignature, saveSignature, signatureFor } from './store.ts';

export const teamParam = z.object({ teamId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export const signatureBody = z.strictObject({ body: z.string().trim().min(1, 'must not be empty').max(2000) });

/** Mount on /api behind requireAgent. */
export function signatureRoutes(options: { pool: Pool; from: () => { name: string | null; address: string } | undefined }): Router {
  const { pool } = options;
  const router = Router();
  const admin = requireRole('admin');

  router.get('/signatures', admin, async (_req, res) => {
    res.json({ items: await listSignatures(pool), variables: SIGNATURE_VARIABLES });
  });

  /** The signature under the asking agent's mail, filled in (the composer shows it). */
  router.get('/signatures/mine', requireRole('agent'), async (req, res) => {
    res.json({ signature: await signatureFor(pool, req.agent!, options.from()?.name ?? null) });
  });

  const save = (teamId: number | null, req: Parameters<Parameters<typeof router.put>[1]>[0]) =>
    inTransaction(pool, async (tx) => {
      const { body } = validate(signatureBody, req.body);
      const before = await lockedSignature(tx, teamId);
      const saved = await saveSignature(tx, teamId, body, req.agent!.id);
      if (saved === 'no_team') return saved;
      await auditRequest(tx, req, { action: 'signature.save', subjectType: 'signature', subjectId: teamId ?? 'mailbox', before: before === undefined ? null : { body: before }, after: { body } });
      return saved;
    });
  const remove = (teamId: number | null, req: Parameters<Parameters<typeof router.put>[1]>[0]) =>
    inTransaction(pool, async (tx) => {
      const before = await lockedSignature(tx, teamId);
      if (before === undefined || !(await deleteSignature(tx, teamId))) return false;
      await auditRequest(tx, req, { action: 'signature.delete', subjectType: 'signature', subjectId: teamId ?? 'mailbox', before: { body: before } });
      return true;
    });

  router.put('/signatures/mailbox', admin, async (req, res) => {
    await save(null, req);
    res.status(204).end();
  });
  router.put('/signatures/teams/:teamId', admin, async (req, res) => {
    const { teamId } = validate(teamParam, req.params);
    if ((await save(teamId, req)) === 'no_team') throw httpErrors.notFound('team');
    res.status(204).end();
  });
  router.delete('/signatures/mailbox', admin, async (req, res) => {
    if (!(await remove(null, req))) throw httpErrors.notFound('signature');
    res.status(204).end();
  });
  router.delete('/signatures/teams/:teamId', admin, async (req, res) => {
    const { teamId } = validate(teamParam, req.params);
    if (!(await remove(teamId, req))) throw httpErrors.notFound('signature');
    res.status(204).end();
  });

  return router;
}
