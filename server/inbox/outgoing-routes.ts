// HTTP routes of outgoing mail (issue 16.3, 16.6): uploading attachments in pieces, and a new
// e-mail to a citizen. Uploads are JSON with base64 pieces: the agents' API takes JSON only (a
// form cannot be forged across origins, server/http/same-origin.ts) and at most 1 MB a request,
// so a file travels as 256 KiB pieces, each well under that limit.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { announceChange } from '../conversations/apply.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { newOutgoingMailSchema, sendNewMail } from './outgoing.ts';
import { addUploadPiece, deleteUpload, startUpload, UPLOAD_PIECE_BYTES, type UploadLimits, type UploadRefusal } from './outgoing-uploads.ts';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
// Base64 of one piece at most (4 characters per 3 bytes).
const piece = z.base64('must be base64').max(Math.ceil(UPLOAD_PIECE_BYTES / 3) * 4, 'must be one piece of at most 256 KiB');
export const startBody = z.strictObject({
  filename: z.string().trim().min(1, 'must not be empty').max(200),
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** An image to show in the mail's text; ignored for other files. */
  inline: z.boolean().optional(),
  /** The first piece (all of a file up to 256 KiB). */
  data: piece,
});
export const pieceParams = z.object({ id, seq: z.coerce.number().int().min(1).max(100_000) });

const REFUSED: Record<UploadRefusal | 'upload_not_found' | 'upload_incomplete', HttpError> = {
  attachment_type_refused: new HttpError(415, 'attachment_type_refused', 'This kind of file cannot be sent; its contents decide, not its name.'),
  attachment_too_large: new HttpError(413, 'attachment_too_large', 'This file is larger than attachments may be.'),
  upload_piece_invalid: new HttpError(400, 'upload_piece_invalid', 'This piece does not fit the upload (size or place).'),
  upload_not_found: new HttpError(409, 'upload_not_found', 'An attachment is no longer there; attach it again.'),
  upload_incomplete: new HttpError(409, 'upload_incomplete', 'An attachment has not finished uploading.'),
};

/** Mount on /api behind requireAgent. */
export function outgoingRoutes(options: {
  pool: Pool;
  events: DomainEvents;
  limits: UploadLimits;
  from: () => { name: string | null; address: string } | undefined;
  referencePrefix: string;
}): Router {
  const { pool } = options;
  const router = Router();
  const agentOnly = requireRole('agent');

  router.post('/uploads', agentOnly, async (req, res) => {
    const input = validate(startBody, req.body);
    const outcome = await inTransaction(pool, async (tx) => {
      const started = await startUpload(tx, { agentId: req.agent!.id, filename: input.filename, size: input.size, inline: input.inline ?? false, first: Buffer.from(input.data, 'base64') }, options.limits);
      if (started.ok) {
        await auditRequest(tx, req, { action: 'attachment.uploaded', subjectType: 'upload', subjectId: started.upload.id, details: { filename: started.upload.filename, contentType: started.upload.contentType, size: started.upload.size } });
      }
      return started;
    });
    if (!outcome.ok) throw REFUSED[outcome.code];
    res.status(201).json(outcome.upload);
  });

  router.put('/uploads/:id/pieces/:seq', agentOnly, async (req, res) => {
    const params = validate(pieceParams, req.params);
    const { data } = validate(z.strictObject({ data: piece }), req.body);
    const outcome = await addUploadPiece(pool, { agentId: req.agent!.id, uploadId: params.id, seq: params.seq, bytes: Buffer.from(data, 'base64') });
    if (outcome === 'not_found') throw httpErrors.notFound('upload');
    if (outcome !== 'ok') throw REFUSED[outcome];
    res.status(204).end();
  });

  router.delete('/uploads/:id', agentOnly, async (req, res) => {
    const { id: uploadId } = validate(z.object({ id }), req.params);
    if (!(await deleteUpload(pool, req.agent!.id, uploadId))) throw httpErrors.notFound('upload');
    res.status(204).end();
  });

  router.post('/outgoing-mail', agentOnly, async (req, res) => {
    const mail = validate(newOutgoingMailSchema, req.body);
    const from = options.from();
    if (!from) throw new HttpError(409, 'email_disabled', 'The e-mail channel is not configured on this instance.');
    const outcome = await sendNewMail(pool, { agent: req.agent!, mail, from, referencePrefix: options.referencePrefix });
    if (!outcome.ok) throw outcome.code === 'conversation_closed' ? httpErrors.conversationClosed() : REFUSED[outcome.code];
    await auditRequest(pool, req, {
      action: 'conversation.outgoing_mail',
      subjectType: 'conversation',
      subjectId: outcome.conversationId,
      details: { messageId: outcome.messageId, attachments: mail.attachments?.length ?? 0 },
    });
    const activity = { conversationId: outcome.conversationId, reference: outcome.reference, channel: 'email' as const };
    options.events.emit('conversation.created', activity);
    options.events.emit('message.created', { ...activity, messageId: outcome.messageId, direction: 'out', kind: 'message' });
    announceChange(options.events, outcome.change);
    res.status(201).json({ conversationId: outcome.conversationId, reference: outcome.reference, messageId: outcome.messageId });
  });

  return router;
}
