// HTTP routes of canned answers: every agent reads and uses them; supervisors and admins manage them.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { httpErrors, validate } from '../http/errors.ts';
import { renderCanned } from './render.ts';
import { cannedContext, createCannedAnswer, deleteCannedAnswer, findCannedAnswer, listCannedAnswers, updateCannedAnswer } from './store.ts';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const idParam = z.object({ id });
export const useParams = z.object({ id, cannedId: id });
export const cannedBody = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(120),
  body: z.string().trim().min(1, 'must not be empty').max(5000),
});

/** A canned answer's title and body, locked for the change about to be audited. */
async function lockedText(tx: Db, id: number): Promise<{ title: string; body: string } | undefined> {
  const { rows } = await tx.query<{ title: string; body: string }>('SELECT title, body FROM canned_answers WHERE id = $1 FOR UPDATE', [id]);
  return rows[0];
}

/** Mount on /api behind requireAgent. */
export function cannedRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  const manage = requireRole('supervisor');

  router.get('/canned-answers', async (_req, res) => {
    res.json({ items: await listCannedAnswers(pool) });
  });

  router.post('/canned-answers', manage, async (req, res) => {
    const input = validate(cannedBody, req.body);
    const created = await inTransaction(pool, async (tx) => {
      const created = await createCannedAnswer(tx, input, req.agent!.id);
      await auditRequest(tx, req, { action: 'canned_answer.create', subjectType: 'canned_answer', subjectId: created.id, after: input });
      return created;
    });
    res.status(201).json(created);
  });

  router.put('/canned-answers/:id', manage, async (req, res) => {
    const { id: cannedId } = validate(idParam, req.params);
    const input = validate(cannedBody, req.body);
    // The text before and after, in the transaction of the change (issue 12.14).
    const updated = await inTransaction(pool, async (tx) => {
      const before = await lockedText(tx, cannedId);
      if (!before) return undefined;
      const updated = await updateCannedAnswer(tx, cannedId, input, req.agent!.id);
      await auditRequest(tx, req, { action: 'canned_answer.update', subjectType: 'canned_answer', subjectId: cannedId, before, after: input });
      return updated;
    });
    if (!updated) throw httpErrors.notFound('canned answer');
    res.json(updated);
  });

  router.delete('/canned-answers/:id', manage, async (req, res) => {
    const { id: cannedId } = validate(idParam, req.params);
    const deleted = await inTransaction(pool, async (tx) => {
      const before = await lockedText(tx, cannedId);
      if (!before || !(await deleteCannedAnswer(tx, cannedId))) return false;
      await auditRequest(tx, req, { action: 'canned_answer.delete', subjectType: 'canned_answer', subjectId: cannedId, before });
      return true;
    });
    if (!deleted) throw httpErrors.notFound('canned answer');
    res.status(204).end();
  });

  /** The answer with this conversation's {naam}, {referentie} and {termijn} filled in. */
  router.get('/conversations/:id/canned-answers/:cannedId', async (req, res) => {
    const params = validate(useParams, req.params);
    const [canned, context] = await Promise.all([findCannedAnswer(pool, params.cannedId), cannedContext(pool, params.id)]);
    if (!context) throw httpErrors.notFound('conversation');
    if (!canned) throw httpErrors.notFound('canned answer');
    const rendered = renderCanned(canned.body, context);
    if (!rendered.ok) throw httpErrors.cannedVariableMissing(rendered.missing);
    res.json({ text: rendered.text });
  });
  return router;
}
