// The outbox for people (issue 13.2): GET /api/outbox lists what waits or failed, POST
// /api/outbox/:id/resend queues a failed mail again. Mount behind requireAgent.
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { listOutbox, resendMail } from './outbox.ts';

export const listQuery = z.strictObject({
  state: z.enum(['waiting', 'failed']).default('failed'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const idParam = z.strictObject({ id: z.coerce.number().int().positive() });

const isSupervisor = (role: string) => role === 'supervisor' || role === 'admin';

/**
 * Supervisors (and admins) see and resend all mail. An agent sees and resends the mail of the
 * conversations assigned to them: they work on it, and a citizen waiting for their answer is
 * theirs to follow up — without seeing where colleagues' mail goes.
 */
export function outboxRoutes({ pool, events }: { pool: Pool; events: DomainEvents }): Router {
  const router = Router();

  router.get('/outbox', async (req, res) => {
    const query = validate(listQuery, req.query);
    const agent = req.agent!;
    const entries = await listOutbox(pool, { state: query.state, limit: query.limit, ...(isSupervisor(agent.role) ? {} : { assigneeId: agent.id }) });
    res.json({ entries });
  });

  router.post('/outbox/:id/resend', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const agent = req.agent!;
    const outcome = await inTransaction(pool, async (tx) => {
      const result = await resendMail(tx, id, { id: agent.id, onlyAssignee: !isSupervisor(agent.role) });
      if (result.ok) {
        await recordAudit(tx, { agentId: agent.id, action: 'outbox.resent', subjectType: 'mail_outbox', subjectId: id, details: { conversationId: result.mail.conversationId, messageId: result.mail.messageId } });
      }
      return result;
    });
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('mail');
      if (outcome.code === 'forbidden') throw httpErrors.forbidden();
      throw new HttpError(409, 'not_failed', 'Only a failed mail can be resent; this one is waiting or was sent.');
    }
    events.emit('message.delivery_changed', { conversationId: outcome.mail.conversationId, messageId: outcome.mail.messageId, state: 'queued', error: null });
    res.json({ id, state: 'queued' });
  });

  return router;
}
