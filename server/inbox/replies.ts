// What an agent writes in a conversation: an internal note, or a reply that goes to the citizen —
// live in a chat, by mail through the outbox — and meets the norm's milestones.
import { z } from 'zod';
import { inTransaction, type Pool } from '../db/index.ts';
import { agentPickedUp, interimSent, replySent } from '../deadlines/index.ts';
import { newMessageIdValue, referencesChain, replySubject } from '../mail/compose.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { lastIncomingMail } from '../mail/store.ts';

export const newMessageSchema = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(50_000),
  kind: z.enum(['reply', 'answer', 'interim', 'note']).default('reply'),
  /** For a tussenbericht: the new term the agent promises; without it the norm's complex term. */
  term: z.strictObject({ unit: z.enum(['workingDays', 'weeks']), amount: z.number().int().min(1).max(260) }).optional(),
});
export type NewMessage = z.infer<typeof newMessageSchema>;

export type PostOutcome =
  | {
      ok: true;
      messageId: number;
      conversationId: number;
      reference: string;
      channel: 'chat' | 'email';
      queued: boolean;
      /** Set when this message took the unassigned conversation (for a chat: its pickup). */
      assigned: { id: number; name: string } | null;
    }
  | { ok: false; code: 'not_found' | 'no_recipient' | 'channel_not_supported' | 'conversation_closed' | 'interim_not_allowed' | 'no_open_answer' | 'term_required' };

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The HTML part of a reply: the agent's plain text, escaped, in paragraphs. */
export function replyHtml(text: string): string {
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html lang="nl"><body>${paragraphs.join('\n')}</body></html>`;
}

export async function postMessage(
  pool: Pool,
  input: { conversationId: number; agent: { id: number; name: string }; message: NewMessage; from: { name: string | null; address: string } },
): Promise<PostOutcome> {
  const { conversationId, agent, message } = input;
  return inTransaction(pool, async (tx): Promise<PostOutcome> => {
    const found = await tx.query<{ channel: 'chat' | 'email'; subject: string | null; reference: string; status: string; assigneeId: number | null }>(
      'SELECT channel, subject, reference, status, assignee_id AS "assigneeId" FROM conversations WHERE id = $1 FOR UPDATE',
      [conversationId],
    );
    const conversation = found.rows[0];
    if (!conversation) return { ok: false, code: 'not_found' };
    const isNote = message.kind === 'note';
    const isChat = conversation.channel === 'chat';
    // A chat has no answer or tussenbericht terms: its replies are plain messages, live.
    if (!isNote && isChat && message.kind === 'interim') return { ok: false, code: 'channel_not_supported' };
    // A closed chat has nobody listening any more; a closed e-mail conversation can still be answered.
    if (!isNote && isChat && conversation.status === 'closed') return { ok: false, code: 'conversation_closed' };
    const lastMail = isNote || isChat ? undefined : await lastIncomingMail(tx, conversationId);
    if (!isNote && !isChat && !lastMail?.fromAddress) return { ok: false, code: 'no_recipient' };

    const now = new Date();
    const assigned = conversation.assigneeId === null && !(isNote && isChat) ? { id: agent.id, name: agent.name } : null;
    if (message.kind === 'interim') {
      const outcome = await interimSent(tx, conversationId, now, message.term);
      if (!outcome.ok) {
        // Nothing is sent: the transaction rolls back what interimSent did.
        throw new InterimRefused(outcome.reason);
      }
    } else if (isChat && assigned) {
      // The first agent to answer a queued chat picks it up.
      await agentPickedUp(tx, conversationId, now);
    } else if (!isNote && !isChat) {
      await replySent(tx, conversationId, now, { asAnswer: message.kind === 'answer' });
    }

    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO messages (conversation_id, direction, kind, reply_kind, author_agent_id, body_text)
       VALUES ($1, 'out', $2, $3, $4, $5) RETURNING id`,
      [conversationId, isNote ? 'note' : 'message', isNote ? null : message.kind, agent.id, message.text],
    );
    const messageId = inserted.rows[0]!.id;
    // Replying to an unassigned conversation takes it; a reply leaves it waiting on the citizen. In a
    // chat a note does not take it: the citizen would be told an agent joined who never answered.
    await tx.query(
      `UPDATE conversations SET assignee_id = CASE WHEN $3 AND channel = 'chat' THEN assignee_id ELSE coalesce(assignee_id, $2) END, updated_at = now(),
              status = CASE WHEN $3 THEN status ELSE 'waiting' END,
              picked_up_at = CASE WHEN channel = 'chat' AND NOT $3 THEN coalesce(picked_up_at, now()) ELSE picked_up_at END
        WHERE id = $1`,
      [conversationId, agent.id, isNote],
    );
    const done = { ok: true as const, messageId, conversationId, reference: conversation.reference, channel: conversation.channel, assigned };
    if (isNote || isChat) return { ...done, queued: false };

    const domain = input.from.address.split('@')[1] ?? 'balie.local';
    await enqueueMail(tx, {
      conversationId,
      messageId,
      purpose: 'reply',
      rfcMessageId: newMessageIdValue(domain),
      from: input.from,
      to: { name: lastMail!.fromName, address: lastMail!.fromAddress! },
      subject: replySubject(conversation.subject ?? lastMail!.subject, conversation.reference),
      text: message.text,
      html: replyHtml(message.text),
      inReplyTo: lastMail!.rfcMessageId,
      references: referencesChain(lastMail!.references, lastMail!.rfcMessageId),
    });
    return { ...done, queued: true };
  }).catch((error: unknown): PostOutcome => {
    if (error instanceof InterimRefused) return { ok: false, code: error.reason };
    throw error;
  });
}

class InterimRefused extends Error {
  constructor(readonly reason: 'interim_not_allowed' | 'no_open_answer' | 'term_required') {
    super(reason);
  }
}
