// What an agent writes in a conversation: an internal note, or a reply that goes to the citizen —
// live in a chat, by mail through the outbox. What a reply does to status and milestones is the
// lifecycle's (server/conversations): an e-mail reply meets milestones once it is delivered.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { applyEvent, inLifecycle, type LifecycleChange, type Refusal } from '../conversations/apply.ts';
import type { ReplyKind } from '../conversations/lifecycle.ts';
import type { Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/index.ts';
import { newMessageIdValue, referencesChain, replySubject, writableMessageId } from '../mail/compose.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { lastIncomingMail } from '../mail/store.ts';
import { signatureFor } from '../signatures/store.ts';
import { withSignature } from '../signatures/render.ts';
import { lastOutgoingMail } from './outgoing-thread.ts';
import { recordMentions } from './mentions.ts';
import { attachUploads, MAX_ATTACHMENTS_PER_MAIL, type SentAttachment } from './outgoing-uploads.ts';

export const newMessageSchema = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(50_000),
  /**
   * answer (Antwoord, the default for e-mail), interim (Tussenbericht), question (Vraag aan
   * inwoner), reply (Reactie; in a chat every message is one) or an internal note.
   */
  kind: z.enum(['reply', 'answer', 'interim', 'question', 'note']).optional(),
  /** For a tussenbericht: the new term the agent promises; without it the norm's complex term. */
  term: z.strictObject({ unit: z.enum(['workingDays', 'weeks']), amount: z.number().int().min(1).max(260) }).optional(),
  /** Uploads (POST /api/uploads) to send with an e-mail reply, in this order. */
  attachments: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).max(MAX_ATTACHMENTS_PER_MAIL).optional(),
});
export type NewMessage = z.infer<typeof newMessageSchema>;

export type PostOutcome =
  | {
      ok: true;
      messageId: number;
      conversationId: number;
      reference: string;
      channel: 'chat' | 'email';
      kind: ReplyKind | 'note';
      queued: boolean;
      /** Set when this message took the unassigned conversation (for a chat: its pickup). */
      assigned: { id: number; name: string } | null;
      /** A tussenbericht's promise: the date by which the substantive answer is now due. */
      promise: { kind: 'complexAnswer'; dueAt: string } | null;
      change: LifecycleChange | null;
    }
  | {
      ok: false;
      code:
        | 'not_found'
        | 'no_recipient'
        | 'channel_not_supported'
        | 'conversation_closed'
        | 'interim_not_allowed'
        | 'no_open_answer'
        | 'term_required'
        | 'upload_not_found'
        | 'upload_incomplete';
    };

/** The sentence a tussenbericht ends with: the date the citizen can hold the gemeente to. */
export function interimPromise(due: DateTime, lang: 'nl' | 'en' = 'nl'): string {
  const local = due.setZone(ZONE);
  return lang === 'nl'
    ? `U ontvangt uiterlijk ${local.setLocale('nl').toFormat('cccc d LLLL yyyy')} een inhoudelijk antwoord.`
    : `You will receive a full answer by ${local.setLocale('en-GB').toFormat('cccc d LLLL yyyy')} at the latest.`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const paragraphsOf = (text: string) => text.split(/\n{2,}/).map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`);

/**
 * The HTML part of a reply: the agent's plain text, escaped, in paragraphs; then the inline images
 * (cid:, RFC 2392) and the signature, set apart as mail clients show one.
 */
export function replyHtml(text: string, extras: { images?: readonly { contentId: string; filename: string }[]; signature?: string | null } = {}): string {
  const parts = paragraphsOf(text);
  for (const image of extras.images ?? []) parts.push(`<p><img src="cid:${escapeHtml(image.contentId)}" alt="${escapeHtml(image.filename)}" style="max-width:100%"></p>`);
  if (extras.signature) parts.push(`<div class="signature">-- <br>${paragraphsOf(extras.signature).join('')}</div>`);
  return `<!doctype html><html lang="nl"><body>${parts.join('\n')}</body></html>`;
}

/** The HTML of an agent's mail: the text, its inline images and the signature. */
export function outgoingHtml(text: string, signature: string | null, attachments: readonly SentAttachment[]): string {
  const images = attachments.flatMap((attachment) => (attachment.contentId ? [{ contentId: attachment.contentId, filename: attachment.filename }] : []));
  return replyHtml(text, { images, signature });
}

export async function postMessage(
  pool: Pool,
  input: { conversationId: number; agent: { id: number; name: string }; message: NewMessage; from: { name: string | null; address: string } },
): Promise<PostOutcome> {
  const { conversationId, agent, message } = input;
  const outcome = await inLifecycle(pool, async (tx): Promise<PostOutcome> => {
    const found = await tx.query<{ channel: 'chat' | 'email'; subject: string | null; reference: string; status: string; assigneeId: number | null }>(
      'SELECT channel, subject, reference, status, assignee_id AS "assigneeId" FROM conversations WHERE id = $1 FOR NO KEY UPDATE',
      [conversationId],
    );
    const conversation = found.rows[0];
    if (!conversation) return { ok: false, code: 'not_found' };
    const isChat = conversation.channel === 'chat';
    // In a chat every reply is a plain live message; an e-mail reply is the answer unless said otherwise.
    const kind: ReplyKind | 'note' = message.kind === 'note' ? 'note' : isChat ? (message.kind === 'answer' || message.kind === undefined ? 'reply' : message.kind) : (message.kind ?? 'answer');
    const isNote = kind === 'note';
    // A conversation Balie started (a new mail to a citizen) has no mail of theirs yet: the reply
    // continues our own last one, to the contact.
    const lastMail = isNote || isChat ? undefined : ((await lastIncomingMail(tx, conversationId)) ?? (await lastOutgoingMail(tx, conversationId)));
    if (!isNote && !isChat && !lastMail?.fromAddress) return { ok: false, code: 'no_recipient' };
    // Attachments go with e-mail only: a chat and a note have no MIME parts to carry them.
    if (message.attachments?.length && (isNote || isChat)) return { ok: false, code: 'channel_not_supported' };

    const now = new Date();
    let change: LifecycleChange | null = null;
    if (!isNote) {
      const applied = await applyEvent(tx, conversationId, { type: 'reply', kind, agentId: agent.id }, { at: now, statedTerm: message.term });
      if (!applied.ok) return { ok: false, code: refusalOf(applied.code) };
      change = applied.change;
    } else if (!isChat) {
      // A note on an unassigned e-mail takes it; in a chat it does not — the citizen would be told
      // an agent joined who never answered.
      await tx.query('UPDATE conversations SET assignee_id = coalesce(assignee_id, $2), updated_at = now() WHERE id = $1', [conversationId, agent.id]);
    }
    const assigned = conversation.assigneeId === null && (change ? change.conversation.assigneeId === agent.id : !isChat) ? { id: agent.id, name: agent.name } : null;
    const opened = change?.milestones.find((milestone) => milestone.kind === 'complexAnswer' && milestone.state === 'open');
    const promise = kind === 'interim' && opened ? { kind: 'complexAnswer' as const, dueAt: opened.dueAt } : null;
    // Every promise names its date: the tussenbericht ends with the new due date.
    const written = promise ? `${message.text}\n\n${interimPromise(DateTime.fromISO(promise.dueAt, { zone: ZONE }))}` : message.text;
    // The thread shows what the citizen received: the signature is part of the stored text.
    const signature = isNote || isChat ? null : await signatureFor(tx, agent, input.from.name);
    const text = withSignature(written, signature);

    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO messages (conversation_id, direction, kind, reply_kind, author_agent_id, body_text)
       VALUES ($1, 'out', $2, $3, $4, $5) RETURNING id`,
      [conversationId, isNote ? 'note' : 'message', isNote ? null : kind, agent.id, text],
    );
    const messageId = inserted.rows[0]!.id;
    // Colleagues named with @ in a note are told, they alone (issue 16 §4).
    if (isNote) await recordMentions(tx, { messageId, text: message.text, authorId: agent.id });
    const done = { ok: true as const, messageId, conversationId, reference: conversation.reference, channel: conversation.channel, kind, assigned, promise, change };
    if (isNote || isChat) return { ...done, queued: false };

    const domain = input.from.address.split('@')[1] ?? 'balie.local';
    const attached = await attachUploads(tx, { agentId: agent.id, uploadIds: message.attachments ?? [], messageId, domain });
    if (!attached.ok) return { ok: false, code: attached.code };
    const html = outgoingHtml(written, signature, attached.attachments);
    await enqueueMail(tx, {
      conversationId,
      messageId,
      purpose: 'reply',
      rfcMessageId: newMessageIdValue(domain),
      from: input.from,
      to: { name: lastMail!.fromName, address: lastMail!.fromAddress! },
      subject: replySubject(conversation.subject ?? lastMail!.subject, conversation.reference),
      text,
      html,
      inReplyTo: writableMessageId(lastMail!.rfcMessageId),
      references: referencesChain(lastMail!.references, lastMail!.rfcMessageId),
    });
    return { ...done, queued: true };
  });
  return outcome.ok ? outcome : { ok: false, code: refusalOf(outcome.code) };
}

function refusalOf(code: Refusal | Extract<PostOutcome, { ok: false }>['code']): Extract<PostOutcome, { ok: false }>['code'] {
  switch (code) {
    case 'no_recipient':
    case 'not_found':
    case 'conversation_closed':
    case 'channel_not_supported':
    case 'interim_not_allowed':
    case 'no_open_answer':
    case 'term_required':
    case 'upload_not_found':
    case 'upload_incomplete':
      return code;
    default:
      return 'conversation_closed';
  }
}
