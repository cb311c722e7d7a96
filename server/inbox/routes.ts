// The agents' conversation API: the list and its counts, one conversation, writing in it, handing
// it over, its status, its attachments, and the team to hand it to.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { downloadName, sniffImage } from './attachment-types.ts';
import type { Chat } from '../chat/index.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { announceChange } from '../conversations/apply.ts';
import { assignConversation, recordAnsweredElsewhere, recordCallbackAttempt, reopenConversation, setConversationStatus, type StatusOutcome } from './actions.ts';
import { inboxCounts } from './counts.ts';
import { conversationDetail } from './detail.ts';
import { inboxEvents } from './events.ts';
import { listConversations } from './list.ts';
import { newMessageSchema, postMessage } from './replies.ts';
import { team } from './team.ts';
import { contactRoutes } from '../contacts/routes.ts';
import { mergeRoutes } from './merge-routes.ts';

const searchText = z.string().trim().max(200).optional().transform((text) => text || undefined);
export const listQuery = z.strictObject({
  channel: z.enum(['chat', 'email', 'phone']).optional(),
  status: z.enum(['new', 'open', 'waiting', 'closed']).optional(),
  assignee: z.enum(['mine', 'unassigned', 'all']).optional(),
  due: z.enum(['soon', 'breached']).optional(),
  q: searchText,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});
export const countsQuery = z.strictObject({ channel: z.enum(['chat', 'email', 'phone']).optional(), q: searchText });
const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export const assignBody = z.strictObject({ agentId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable() });
export const statusBody = z.strictObject({ status: z.enum(['open', 'waiting']) });
// When it happened: not in the future (a little clock skew allowed), and not before the conversation.
const pastInstant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() <= Date.now() + 60_000, 'must not be in the future');
export const answeredElsewhereBody = z.strictObject({ at: pastInstant, channel: z.enum(['phone', 'desk', 'other']) });
export const callbackAttemptBody = z.strictObject({ reached: z.boolean(), at: pastInstant.optional(), note: z.string().trim().max(1000).optional() });

const REFUSALS = {
  no_recipient: 'This conversation has no e-mail address to reply to.',
  channel_not_supported: 'A chat has no interim messages; send a plain reply.',
  conversation_closed: 'This chat is closed; the citizen is no longer there to read a reply.',
  interim_not_allowed: 'The norm of this conversation has no interim message (tussenbericht).',
  not_found: 'No such conversation.',
  no_open_answer: 'There is no open answer milestone for an interim message to meet.',
  term_required: 'State the new term: the norm has none for complex questions.',
  upload_not_found: 'An attachment is no longer there; attach it again.',
  upload_incomplete: 'An attachment has not finished uploading.',
} as const;


export function inboxRoutes(options: {
  pool: Pool;
  from: () => { name: string | null; address: string } | undefined;
  /** Announces messages (live to the citizen in a chat) and pickups; knows who is online. */
  chat: Chat;
  events: DomainEvents;
}): Router {
  const { pool } = options;
  const events = inboxEvents(options.events);
  const router = Router();

  router.get('/conversations', async (req, res) => {
    const filter = validate(listQuery, req.query);
    // A search is a look through citizens' data: one audit row per request, written beside the
    // query rather than after it (issue 12.14). The plain list and the counts are not recorded.
    const [page] = await Promise.all([
      listConversations(pool, filter, req.agent!),
      filter.q === undefined ? undefined : auditRequest(pool, req, { action: 'inbox.searched', details: { q: filter.q, channel: filter.channel, status: filter.status, assignee: filter.assignee, due: filter.due, page: filter.cursor !== undefined } }),
    ]);
    if (page === 'bad_cursor') throw new HttpError(400, 'validation_failed', 'cursor: not a cursor from this list', [{ field: 'cursor', message: 'not a cursor from this list' }]);
    res.json(page);
  });

  router.get('/conversations/counts', async (req, res) => {
    const filter = validate(countsQuery, req.query);
    res.json({ counts: await inboxCounts(pool, filter, req.agent!) });
  });

  // Issue 16.5: contacts (search, link, merge) and merging conversations.
  router.use(contactRoutes({ pool, events: options.events }), mergeRoutes({ pool, events: options.events }));

  router.get('/team', async (_req, res) => {
    res.json({ agents: await team(pool, options.chat.presence) });
  });

  router.post('/conversations/:id/assign', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { agentId } = validate(assignBody, req.body);
    const outcome = await assignConversation(pool, id, agentId, req.agent!);
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      if (outcome.code === 'conversation_closed') throw httpErrors.conversationClosed();
      throw new HttpError(400, 'validation_failed', 'agentId: no active agent with this id', [{ field: 'agentId', message: 'no active agent with this id' }]);
    }
    if (outcome.changed) {
      // A colleague taking it is announced like a claim (a chat's citizen sees the new name); a
      // release only to the agents.
      if (outcome.assignee) {
        options.chat.announceAssigned(outcome.conversation, outcome.assignee, false);
        events.emit('conversation.given', { ...outcome.conversation, assignee: outcome.assignee, by: { id: req.agent!.id, name: req.agent!.name } });
      } else events.emit('conversation.handed_over', { ...outcome.conversation, assignee: null });
    }
    res.json({ conversationId: id, assignee: outcome.assignee });
  });

  const statusAnswer = (outcome: StatusOutcome, id: number) => {
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      if (outcome.code === 'not_closed') throw httpErrors.notClosed();
      throw httpErrors.conversationClosed();
    }
    // Carries the new status, outcome and the milestones that changed, for inboxes to patch.
    if (outcome.changed) announceChange(options.events, outcome.change);
    return { conversationId: id, status: outcome.status, milestones: outcome.change.milestones };
  };

  router.post('/conversations/:id/status', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { status } = validate(statusBody, req.body);
    res.json(statusAnswer(await setConversationStatus(pool, id, status, req.agent!), id));
  });

  router.post('/conversations/:id/reopen', async (req, res) => {
    const { id } = validate(idParam, req.params);
    res.json(statusAnswer(await reopenConversation(pool, id, req.agent!), id));
  });

  /** The answer was given by phone or at the desk at `at`: it meets the answer milestone at that time. */
  router.post('/conversations/:id/answered-elsewhere', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { at, channel } = validate(answeredElsewhereBody, req.body);
    const outcome = await recordAnsweredElsewhere(pool, id, at, channel, req.agent!);
    if (!outcome.ok && outcome.code === 'channel_not_supported') throw httpErrors.conflict('channel_not_supported', 'A chat is answered in the chat.');
    res.json(statusAnswer(outcome, id));
  });

  /** A call attempt for a callback request; one that reached the citizen meets the callback milestone. */
  router.post('/conversations/:id/callback-attempts', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const body = validate(callbackAttemptBody, req.body);
    const outcome = await recordCallbackAttempt(pool, id, { reached: body.reached, at: body.at ?? new Date(), note: body.note || null }, req.agent!);
    if (!outcome.ok && outcome.code === 'not_found') throw httpErrors.notFound('conversation');
    if (!outcome.ok && outcome.code === 'callback_held_by_handoff') throw httpErrors.conflict('callback_held_by_handoff', 'This callback is held by a back-office hand-off: record its attempts there.');
    if (!outcome.ok) throw httpErrors.conversationClosed();
    if (outcome.changed) announceChange(options.events, outcome.change);
    res.status(201).json({ conversationId: id, milestones: outcome.change.milestones });
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const conversation = await conversationDetail(pool, id);
    if (!conversation) throw httpErrors.notFound('conversation');
    // Who opened a citizen's conversation (AVG art. 5(2); issue 12.14).
    await auditRequest(pool, req, { action: 'conversation.viewed', subjectType: 'conversation', subjectId: id });
    res.json({ conversation });
  });

  router.post('/conversations/:id/messages', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const message = validate(newMessageSchema, req.body);
    const from = options.from();
    const outcome = await postMessage(pool, { conversationId: id, agent: req.agent!, message, from: from ?? { name: null, address: 'balie@balie.local' } });
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      if (outcome.code === 'conversation_closed') throw httpErrors.conversationClosed(REFUSALS[outcome.code]);
      throw httpErrors.conflict(outcome.code, REFUSALS[outcome.code]);
    }
    await auditRequest(pool, req, { action: `message.${outcome.kind}`, subjectType: 'conversation', subjectId: id, details: { messageId: outcome.messageId } });
    const activity = { conversationId: id, reference: outcome.reference, channel: outcome.channel };
    if (outcome.assigned) options.chat.announceAssigned(activity, outcome.assigned, outcome.channel === 'chat');
    await options.chat.announceAgentMessage({ ...activity, messageId: outcome.messageId, kind: outcome.kind === 'note' ? 'note' : 'message' });
    if (outcome.change) announceChange(options.events, outcome.change);
    // A tussenbericht's confirmation names the new date (the inbox shows it in the agent's language).
    res.status(201).json({ messageId: outcome.messageId, queued: outcome.queued, kind: outcome.kind, promise: outcome.promise });
  });

  // Served so that nothing in an attachment can run in Balie's origin (issue 12.3): its bytes, not
  // its declared type or file name, decide. Only a PNG, JPEG, GIF or WebP (never SVG, which is
  // script) is shown inline as that image type; everything else is application/octet-stream,
  // `attachment`, under nosniff and a sandboxing CSP. no-store: a passport scan must not stay in
  // the browser's cache after logout. The inline images of an e-mail (cid:) come here too.
  router.get('/attachments/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { rows } = await pool.query<{ filename: string | null; content: Buffer | null; chunkCount: number | null; conversationId: number }>(
      `SELECT a.filename, a.content, a.chunk_count AS "chunkCount", m.conversation_id::int AS "conversationId"
         FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = $1`,
      [id],
    );
    const attachment = rows[0];
    if (!attachment || (!attachment.content && attachment.chunkCount === null)) throw httpErrors.notFound('attachment');
    // A large attachment is stored in pieces (migration 0016): it is sent piece by piece, so that
    // neither the database read nor the copy holds up the event loop for the whole of it.
    const pieces = attachment.content ? undefined : await attachmentPieces(pool, id, attachment.chunkCount!);
    const head = attachment.content ?? pieces!.first;
    const image = sniffImage(head);
    await auditRequest(pool, req, { action: 'attachment.downloaded', subjectType: 'conversation', subjectId: attachment.conversationId, details: { attachmentId: id, inline: image !== undefined } });
    // res.attachment encodes the name safely (RFC 6266, filename* of RFC 5987) — and sets the
    // type from the name's extension, which is why the type is set after it.
    res.attachment(downloadName(attachment.filename ?? `bijlage-${id}`, image));
    res.set({
      'Content-Type': image?.type ?? 'application/octet-stream',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    if (image) res.set('Content-Disposition', res.get('Content-Disposition')!.replace(/^attachment/, 'inline'));
    if (!pieces) {
      res.send(attachment.content);
      return;
    }
    res.set('Content-Length', String(pieces.bytes));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      for await (const piece of pieces.all()) {
        if (res.destroyed) return;
        if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      res.end();
    } catch (error) {
      // The headers are out: a broken download must not look like a whole one.
      res.destroy(error as Error);
    }
  });

  return router;
}

/**
 * The pieces of a chunked attachment: its length, the first piece (to know an image by its bytes),
 * and all of them in order, read one query each. A piece missing is an error, never a short file.
 */
async function attachmentPieces(pool: Pool, id: number, count: number) {
  const { rows } = await pool.query<{ n: number; bytes: string }>(
    'SELECT count(*)::int AS n, coalesce(sum(octet_length(bytes)), 0)::bigint AS bytes FROM attachment_chunks WHERE attachment_id = $1',
    [id],
  );
  if (rows[0]!.n !== count) throw new Error(`attachment ${id}: ${rows[0]!.n} of its ${count} pieces are stored`);
  const piece = async (seq: number) => {
    const found = await pool.query<{ bytes: Buffer }>('SELECT bytes FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2', [id, seq]);
    if (!found.rows[0]) throw new Error(`attachment ${id}: piece ${seq} is missing`);
    return found.rows[0].bytes;
  };
  const first = await piece(0);
  return {
    bytes: Number(rows[0]!.bytes),
    first,
    async *all(): AsyncGenerator<Buffer> {
      yield first;
      for (let seq = 1; seq < count; seq++) yield await piece(seq);
    },
  };
}
