// Supervisors' API for quarantined mail (issue 13, item 4): the list, the raw mail, try again, dismiss.
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import type { Logger } from '../log.ts';
import type { MailChannel } from './index.ts';
import { countQuarantined, dismissQuarantined, listQuarantined, quarantinedRaw } from './quarantine.ts';

const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
export const dismissBody = z.object({ reason: z.string().trim().min(1).max(500) });

/**
 * Mount at /quarantine. Supervisors and admins only: a quarantined mail is a citizen's mail in
 * full (attachments included), and trying it again creates a conversation. Without the e-mail
 * channel (no IMAP here) the list and the download still work, and a retry is refused.
 */
export function quarantineRoutes({ pool, mail, log }: { pool: Pool; mail: MailChannel | undefined; log: Logger }): Router {
  const router = Router();
  router.use(requireRole('supervisor'));

  router.get('/', async (req, res) => {
    const { limit } = validate(listQuery, req.query);
    const [mails, total] = await Promise.all([listQuarantined(pool, { limit }), countQuarantined(pool)]);
    res.json({ mails, total });
  });

  router.get('/:id/raw', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const raw = await quarantinedRaw(pool, id);
    if (!raw) throw httpErrors.notFound('quarantined mail');
    // Reading a citizen's whole mail is logged like any other access to it (AVG art. 5(2)).
    await recordAudit(pool, { agentId: req.agent!.id, action: 'quarantine.downloaded', subjectType: 'mail_quarantine', subjectId: id });
    // A download, never rendered: the mail may hold HTML or scripts from anyone.
    res.set({
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="quarantine-${id}.eml"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    res.send(raw);
  });

  router.post('/:id/retry', async (req, res) => {
    const { id } = validate(idParam, req.params);
    if (!mail) throw new HttpError(409, 'email_disabled', 'The e-mail channel is not configured on this instance.');
    const outcome = await mail.retryQuarantined(id, req.agent!.id);
    if (outcome.outcome === 'not_found') throw httpErrors.notFound('quarantined mail');
    if (outcome.outcome === 'busy') throw httpErrors.conflict('quarantine_retry_running', 'This mail is being tried again already.');
    if (outcome.outcome === 'failed') {
      log.warn({ quarantineId: id, reasonCode: outcome.reasonCode, agentId: req.agent!.id }, `quarantined mail failed again: ${outcome.reason}`);
      await recordAudit(pool, { agentId: req.agent!.id, action: 'quarantine.retry_failed', subjectType: 'mail_quarantine', subjectId: id, details: { reasonCode: outcome.reasonCode, reason: outcome.reason } });
      res.json({ outcome: 'failed', reasonCode: outcome.reasonCode, reason: outcome.reason, attempts: outcome.attempts });
      return;
    }
    log.info({ quarantineId: id, messageId: outcome.messageId, outcome: outcome.outcome, agentId: req.agent!.id }, 'quarantined mail stored');
    await recordAudit(pool, {
      agentId: req.agent!.id,
      action: 'quarantine.retried',
      subjectType: 'mail_quarantine',
      subjectId: id,
      details: { outcome: outcome.outcome, messageId: outcome.messageId, conversationId: outcome.conversationId },
    });
    res.json({ outcome: outcome.outcome, messageId: outcome.messageId, conversationId: outcome.conversationId });
  });

  router.post('/:id/dismiss', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { reason } = validate(dismissBody, req.body);
    const dismissed = mail ? await mail.dismissQuarantined(id, req.agent!.id, reason) : await dismissQuarantined(pool, id, req.agent!.id, reason);
    if (!dismissed) throw httpErrors.notFound('quarantined mail');
    await recordAudit(pool, { agentId: req.agent!.id, action: 'quarantine.dismissed', subjectType: 'mail_quarantine', subjectId: id, details: { reason } });
    res.status(204).end();
  });

  return router;
}
