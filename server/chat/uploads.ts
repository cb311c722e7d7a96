// The citizen's photo or PDF in a chat (issue 16.7): POST /api/public/chats/uploads from the widget,
// over HTTP rather than the socket (a socket message of megabytes would hold up every other chat on
// the connection's instance). The chat's session token (Authorization: Bearer) says which chat;
// the bytes say what the file is (uploads-types.ts); the file becomes a citizen's message with one
// attachment, served to agents by GET /api/attachments/:id under its nosniff and sandbox rules.
import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import { applyEvent, announceChange, type LifecycleChange } from '../conversations/apply.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { limiter } from '../http/rate-limit.ts';
import { allowedOriginsOnly } from '../http/same-origin.ts';
import { insertAttachment } from '../mail/ingest.ts';
import { outgoingFilename } from '../inbox/outgoing-types.ts';
import type { ChatMessage } from '../realtime/events.ts';
import type { Chat } from './chat.ts';
import { chatMessageKey, citizenMessageByClientId, insertCitizenMessage } from './messages.ts';
import { clientId } from './schemas.ts';
import { uploadType, type UploadType } from './uploads-types.ts';

export interface ChatUploadLimits {
  maxBytes: number;
  perChatPerHour: number;
  perAddressPerHour: number;
}

export interface ChatUploadOptions {
  pool: Pool;
  events: DomainEvents;
  limits: ChatUploadLimits;
}

export const uploadQuery = z.strictObject({
  clientId,
  name: z.string().trim().min(1).max(200),
});

const REFUSED = {
  attachment_type_refused: new HttpError(415, 'attachment_type_refused', 'Send a photo (PNG, JPEG, GIF, WebP) or a PDF.'),
  image_invalid: new HttpError(415, 'attachment_type_refused', 'This image could not be read: its header is damaged or its size is not a photo’s.'),
  too_large: (max: number) => new HttpError(413, 'attachment_too_large', `This file is larger than ${max} bytes.`, undefined, { maxBytes: max }),
  too_many: new HttpError(429, 'rate_limited', 'Too many files in this chat for now; try again later.'),
  session_ended: new HttpError(401, 'unauthorized', 'This chat session has ended.'),
};

/** The upload route; mount inside publicChatRoutes after its CORS and before its JSON-only origin check. */
export function chatUploadRoutes(options: ChatUploadOptions & { chat: Chat; origins: readonly string[] }): Router {
  const { pool, events, limits, chat } = options;
  const router = Router();
  // Every try counts, accepted or refused: an address that sends HTML named .png is slowed too.
  const perAddress = limiter({ windowMs: 60 * 60_000, limit: limits.perAddressPerHour });
  const body = express.raw({ type: () => true, limit: limits.maxBytes });

  router.post('/chats/uploads', allowedOriginsOnly(options.origins, 'any'), perAddress, async (req, res) => {
    const query = validate(uploadQuery, req.query);
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    const session = token ? await chat.sessionFor(token) : undefined;
    if (!session || (await chat.sessionState(session, 0)) !== 'live') throw REFUSED.session_ended;
    // Refused before reading: the declared length alone is enough to say no.
    if (Number(req.get('content-length') ?? 0) > limits.maxBytes) throw REFUSED.too_large(limits.maxBytes);
    await new Promise<void>((resolve, reject) => body(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (bytes.length === 0) throw new HttpError(400, 'validation_failed', 'The body holds no file.', [{ field: '(body)', message: 'empty' }]);
    const typed = uploadType(bytes);
    if (!typed.ok) throw REFUSED[typed.code];
    const outcome = await storeUpload(pool, session.tokenHash, { clientId: query.clientId, filename: outgoingFilename(query.name), bytes, type: typed.type, perHour: limits.perChatPerHour });
    if (!outcome.ok) {
      if (outcome.code === 'too_many') throw REFUSED.too_many;
      if (outcome.code === 'conversation_closed') throw httpErrors.conversationClosed();
      throw REFUSED.session_ended;
    }
    if (outcome.created) {
      events.emit('message.created', { ...outcome.conversation, messageId: outcome.message.id, direction: 'in', kind: 'message', chat: outcome.message });
      if (outcome.change) announceChange(events, outcome.change);
    }
    res.status(outcome.created ? 201 : 200).json({ message: outcome.message, attachment: { id: outcome.attachmentId, contentType: typed.type.contentType, size: bytes.length } });
  });
  return router;
}

type StoreOutcome =
  | { ok: true; created: boolean; message: ChatMessage; attachmentId: number; conversation: { conversationId: number; reference: string; channel: 'chat' }; change?: LifecycleChange }
  | { ok: false; code: 'session_ended' | 'conversation_closed' | 'too_many' };

/**
 * Stores the file as a citizen's message with one attachment, in one transaction with the chat's
 * row locked (which also serialises the hourly count). A retry with the same client id answers
 * with the message stored the first time.
 */
async function storeUpload(
  pool: Pool,
  tokenHash: string,
  input: { clientId: string; filename: string; bytes: Buffer; type: UploadType; perHour: number },
): Promise<StoreOutcome> {
  return inTransaction(pool, async (tx): Promise<StoreOutcome> => {
    const { rows } = await tx.query<{ id: number; reference: string; status: string; contactId: number | null }>(
      `SELECT c.id, c.reference, c.status, c.contact_id AS "contactId" FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id
        WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() FOR UPDATE OF c`,
      [Buffer.from(tokenHash, 'hex')],
    );
    const row = rows[0];
    if (!row) return { ok: false, code: 'session_ended' };
    const conversation = { conversationId: row.id, reference: row.reference, channel: 'chat' as const };
    const earlier = await citizenMessageByClientId(tx, row.id, input.clientId);
    if (earlier) {
      const attachment = await tx.query<{ id: number }>('SELECT id FROM attachments WHERE message_id = $1 ORDER BY id LIMIT 1', [earlier.id]);
      return { ok: true, created: false, message: earlier, attachmentId: attachment.rows[0]?.id ?? 0, conversation };
    }
    if (row.status === 'closed') return { ok: false, code: 'conversation_closed' };
    const recent = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM attachments a JOIN messages m ON m.id = a.message_id
        WHERE m.conversation_id = $1 AND m.direction = 'in' AND a.created_at > now() - interval '1 hour'`,
      [row.id],
    );
    if (recent.rows[0]!.n >= input.perHour) return { ok: false, code: 'too_many' };
    // The message's text is the file's name: what the citizen sees in the chat and agents in the preview.
    const message = await insertCitizenMessage(tx, { conversationId: row.id, key: chatMessageKey(row.id, input.clientId), text: input.filename, contactId: row.contactId });
    const sha256 = createHash('sha256').update(input.bytes).digest();
    const attachmentId = await insertAttachment(tx, message.id, { filename: input.filename, contentType: input.type.contentType, size: input.bytes.length, sha256, contentId: null, content: input.bytes });
    const applied = await applyEvent(tx, row.id, { type: 'citizen_message' });
    if (!applied.ok) throw new Error(`a citizen's upload was refused by the lifecycle: ${applied.code}`);
    await tx.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [row.id]);
    return { ok: true, created: true, message, attachmentId, conversation, change: applied.change };
  });
}

/** As mail ingest stores an attachment: small ones in `content`, larger ones in pieces (migration 0016). */
