// The agents' conversation API: the list, one conversation, writing in it, and its attachments.
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { Chat } from '../chat/index.ts';
import type { Pool } from '../db/index.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { conversationDetail, listConversations } from './queries.ts';
import { newMessageSchema, postMessage } from './replies.ts';

const listQuery = z.strictObject({
  channel: z.enum(['chat', 'email']).optional(),
  status: z.enum(['new', 'open', 'waiting', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const idParam = z.object({ id: z.coerce.number().int().positive() });

const REFUSALS = {
  no_recipient: 'This conversation has no e-mail address to reply to.',
  channel_not_supported: 'A chat has no interim messages; send a plain reply.',
  conversation_closed: 'This chat is closed; the citizen is no longer there to read a reply.',
  interim_not_allowed: 'The norm of this conversation has no interim message (tussenbericht).',
  no_open_answer: 'There is no open answer milestone for an interim message to meet.',
  term_required: 'State the new term: the norm has none for complex questions.',
} as const;

// Images are shown inline in the conversation; everything else downloads, so that an HTML or SVG
// attachment can never run in Balie's origin.
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function inboxRoutes(options: {
  pool: Pool;
  from: () => { name: string | null; address: string } | undefined;
  /** Announces messages (live to the citizen in a chat) and pickups. */
  chat: Chat;
}): Router {
  const { pool } = options;
  const router = Router();

  router.get('/conversations', async (req, res) => {
    const filter = validate(listQuery, req.query);
    const page = await listConversations(pool, filter);
    if (page === 'bad_cursor') throw new HttpError(400, 'validation_failed', 'cursor: not a cursor from this list', [{ field: 'cursor', message: 'not a cursor from this list' }]);
    res.json(page);
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const conversation = await conversationDetail(pool, id);
    if (!conversation) throw httpErrors.notFound('conversation');
    res.json({ conversation });
  });

  router.post('/conversations/:id/messages', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const message = validate(newMessageSchema, req.body);
    const from = options.from();
    const outcome = await postMessage(pool, { conversationId: id, agent: req.agent!, message, from: from ?? { name: null, address: 'balie@balie.local' } });
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      // conversation_closed is the chat's code, not (yet) in the HTTP catalogue: same shape, sent here.
      if (outcome.code === 'conversation_closed') {
        res.status(409).json({ error: { code: outcome.code, message: REFUSALS[outcome.code] } });
        return;
      }
      throw httpErrors.conflict(outcome.code, REFUSALS[outcome.code]);
    }
    await recordAudit(pool, { agentId: req.agent!.id, action: `message.${message.kind}`, subjectType: 'conversation', subjectId: id, details: { messageId: outcome.messageId } });
    const activity = { conversationId: id, reference: outcome.reference, channel: outcome.channel };
    if (outcome.assigned) options.chat.announceAssigned(activity, outcome.assigned, outcome.channel === 'chat');
    await options.chat.announceAgentMessage({ ...activity, messageId: outcome.messageId, kind: message.kind === 'note' ? 'note' : 'message' });
    res.status(201).json({ messageId: outcome.messageId, queued: outcome.queued });
  });

  router.get('/attachments/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { rows } = await pool.query<{ filename: string | null; contentType: string; content: Buffer | null }>(
      'SELECT filename, content_type AS "contentType", content FROM attachments WHERE id = $1',
      [id],
    );
    const attachment = rows[0];
    if (!attachment?.content) throw httpErrors.notFound('attachment');
    const inline = INLINE_TYPES.has(attachment.contentType.toLowerCase());
    res.set({
      'Content-Type': inline ? attachment.contentType : 'application/octet-stream',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=3600',
    });
    res.attachment(attachment.filename ?? `bijlage-${id}`);
    if (inline) res.set('Content-Disposition', res.get('Content-Disposition')!.replace(/^attachment/, 'inline'));
    res.send(attachment.content);
  });

  return router;
}
