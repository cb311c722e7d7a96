// The chat transcript a citizen can ask for by e-mail (issue 5 §6), sent through the mail outbox.
import { DateTime } from 'luxon';
import { inTransaction, type Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/index.ts';
import { newMessageIdValue } from '../mail/compose.ts';
import { enqueueMail } from '../mail/outbox.ts';
import type { ChatMessage } from '../realtime/events.ts';
import { chatThread } from './messages.ts';

/** Enough for the citizen and a second device; more would let a session mail a stranger repeatedly. */
export const MAX_TRANSCRIPTS = 3;

const WORDS = {
  nl: { subject: 'Gespreksverslag van uw chat', title: 'Gespreksverslag', reference: 'Referentie', you: 'U', agent: 'Medewerker', auto: 'Dit bericht is automatisch verstuurd omdat u om een gespreksverslag vroeg.', locale: 'nl' },
  en: { subject: 'Transcript of your chat', title: 'Chat transcript', reference: 'Reference', you: 'You', agent: 'Agent', auto: 'This message was sent automatically because you asked for a transcript.', locale: 'en-GB' },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The transcript's plain text and HTML: who said what when, notes and system lines left out. */
export function transcriptContent(input: { reference: string; messages: readonly ChatMessage[]; gemeenteName: string | null; lang: 'nl' | 'en' }) {
  const words = WORDS[input.lang];
  const speaker = (message: ChatMessage) => (message.from === 'citizen' ? words.you : (message.agentFirstName ?? words.agent));
  const stamp = (message: ChatMessage) => DateTime.fromISO(message.createdAt, { zone: ZONE }).setLocale(words.locale).toFormat('d LLL yyyy HH:mm');
  const subject = `${words.subject} [${input.reference}]`;
  const heading = `${words.title}${input.gemeenteName ? ` — ${input.gemeenteName}` : ''}`;
  const text = [
    heading,
    `${words.reference}: ${input.reference}`,
    '',
    ...input.messages.map((message) => `[${stamp(message)}] ${speaker(message)}: ${message.text}`),
    '',
    words.auto,
    '',
  ].join('\n');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${input.lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>${words.reference}: <strong>${escapeHtml(input.reference)}</strong></p>`,
    ...input.messages.map(
      (message) => `<p><small>${escapeHtml(stamp(message))}</small><br><strong>${escapeHtml(speaker(message))}</strong>: ${escapeHtml(message.text).replace(/\n/g, '<br>')}</p>`,
    ),
    `<p>${escapeHtml(words.auto)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

export type TranscriptOutcome = { ok: true; messageId: number; reference: string } | { ok: false; code: 'too_many_transcripts' };

/** Queues the transcript; the thread gets a system line (without the address) so agents see it went out. */
export async function sendTranscript(
  pool: Pool,
  input: { conversationId: number; email: string; lang: 'nl' | 'en'; from: { name: string | null; address: string } },
): Promise<TranscriptOutcome> {
  return inTransaction(pool, async (tx): Promise<TranscriptOutcome> => {
    // The lock counts transcripts one request at a time.
    const { rows } = await tx.query<{ reference: string; sent: number }>(
      `SELECT c.reference, (SELECT count(*)::int FROM mail_outbox o WHERE o.conversation_id = c.id AND o.purpose = 'transcript') AS sent
         FROM conversations c WHERE c.id = $1 FOR UPDATE`,
      [input.conversationId],
    );
    const conversation = rows[0]!;
    if (conversation.sent >= MAX_TRANSCRIPTS) return { ok: false, code: 'too_many_transcripts' };
    const content = transcriptContent({ reference: conversation.reference, messages: await chatThread(tx, input.conversationId), gemeenteName: input.from.name, lang: input.lang });
    const message = await tx.query<{ id: number }>(
      `INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'out', 'system', 'Gespreksverslag per e-mail verstuurd naar de inwoner.') RETURNING id`,
      [input.conversationId],
    );
    const messageId = message.rows[0]!.id;
    await enqueueMail(tx, {
      conversationId: input.conversationId,
      messageId,
      purpose: 'transcript',
      rfcMessageId: newMessageIdValue(input.from.address.split('@')[1] ?? 'balie.local'),
      from: input.from,
      to: { name: null, address: input.email.toLowerCase() },
      subject: content.subject,
      text: content.text,
      html: content.html,
      inReplyTo: null,
      references: [],
    });
    return { ok: true, messageId, reference: conversation.reference };
  });
}
