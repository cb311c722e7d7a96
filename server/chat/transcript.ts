// The chat transcript a citizen can ask for by e-mail (issue 5 §6), sent through the mail outbox.
import { DateTime } from 'luxon';
import { inTransaction, type Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/index.ts';
import { newMessageIdValue } from '../mail/compose.ts';
import { automaticMailAllowance, enqueueMail, type AutomaticMailLimits } from '../mail/outbox.ts';
import type { ChatMessage } from '../realtime/events.ts';
import { chatThread } from './messages.ts';

/** Enough for the citizen and a second device; more would let a session mail a stranger repeatedly. */
export const MAX_TRANSCRIPTS = 3;

// The address is whatever the visitor typed (issue 12.5): the mail says so first, and says that
// the lines after "U:" are the visitor's own words, not the gemeente's.
const WORDS = {
  nl: {
    subject: 'Gespreksverslag van uw chat',
    title: 'Gespreksverslag',
    reference: 'Referentie',
    you: 'U',
    agent: 'Medewerker',
    asked: (gemeente: string | null) =>
      `U (of iemand die uw e-mailadres invulde) vroeg ${gemeente ? `op de website van ${gemeente} ` : ''}om dit verslag van een chat. Vroeg u er niet om? Dan kunt u deze e-mail negeren.`,
    quoted: 'Wat na "U:" staat, heeft de persoon die chatte zelf getypt. Het komt niet van de gemeente.',
    auto: 'Dit bericht is automatisch verstuurd omdat om een gespreksverslag werd gevraagd.',
    locale: 'nl',
  },
  en: {
    subject: 'Transcript of your chat',
    title: 'Chat transcript',
    reference: 'Reference',
    you: 'You',
    agent: 'Agent',
    asked: (gemeente: string | null) =>
      `You (or someone who entered your e-mail address) asked ${gemeente ? `on the website of ${gemeente} ` : ''}for this transcript of a chat. If you did not ask for it, you can ignore this e-mail.`,
    quoted: 'What follows "You:" was typed by the person who chatted. It does not come from the gemeente.',
    auto: 'This message was sent automatically because a transcript was asked for.',
    locale: 'en-GB',
  },
} as const;

/**
 * A message's lines for the plain-text transcript: every line after the first is indented, the
 * citizen's marked as quoted, so that a line typed to look like an agent's ("[2 dec 10:00]
 * Medewerker: …") can never stand at the start of a line as if it were one.
 */
function plainLines(text: string, citizen: boolean): string {
  const [first = '', ...rest] = text.split(/\r\n|\r|\n|\u2028|\u2029/);
  return [first, ...rest.map((line) => `${citizen ? '    > ' : '      '}${line}`)].join('\n');
}

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
    words.asked(input.gemeenteName),
    words.quoted,
    '',
    ...input.messages.map((message) => `[${stamp(message)}] ${speaker(message)}: ${plainLines(message.text, message.from === 'citizen')}`),
    '',
    words.auto,
    '',
  ].join('\n');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${input.lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>${words.reference}: <strong>${escapeHtml(input.reference)}</strong></p>`,
    `<p><strong>${escapeHtml(words.asked(input.gemeenteName))}</strong></p>`,
    `<p>${escapeHtml(words.quoted)}</p>`,
    ...input.messages.map((message) => {
      const body = escapeHtml(message.text).replace(/\r\n|\r|\n/g, '<br>');
      // The citizen's words as a quotation, set apart from what the gemeente's agents wrote.
      const said = message.from === 'citizen' ? `<blockquote>${body}</blockquote>` : body;
      return `<p><small>${escapeHtml(stamp(message))}</small><br><strong>${escapeHtml(speaker(message))}</strong>: ${said}</p>`;
    }),
    `<p>${escapeHtml(words.auto)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

export type TranscriptOutcome = { ok: true; messageId: number; reference: string } | { ok: false; code: 'too_many_transcripts' };

/**
 * Queues the transcript; the thread gets a system line (without the address) so agents see it went
 * out. Refused (too_many_transcripts) past MAX_TRANSCRIPTS for the conversation, and past the
 * limits on automatic mail to this address or in all (issue 12.5): a visitor can type any address.
 */
export async function sendTranscript(
  pool: Pool,
  input: { conversationId: number; email: string; lang: 'nl' | 'en'; from: { name: string | null; address: string }; limits?: AutomaticMailLimits },
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
    if ((await automaticMailAllowance(tx, input.email, input.limits)) !== 'allowed') return { ok: false, code: 'too_many_transcripts' };
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
