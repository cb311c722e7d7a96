// What citizens and agents may send, validated before anything else looks at it (issue 5 §9).
import { z } from 'zod';
import { CLOSE_OUTCOMES, NO_ANSWER_REASONS } from '../conversations/lifecycle.ts';
import { MAX_CHAT_MESSAGE_CHARS } from '../realtime/events.ts';

// PostgreSQL text cannot hold NUL; nobody types one.
const withoutNul = (value: string) => value.replace(/\u0000/g, '');

export const chatText = z.string().transform(withoutNul).pipe(z.string().trim().min(1, 'must not be empty').max(MAX_CHAT_MESSAGE_CHARS, `at most ${MAX_CHAT_MESSAGE_CHARS} characters`));
export const clientId = z.uuid('must be a UUID the widget made (crypto.randomUUID())').transform((value) => value.toLowerCase());
const optionalName = z
  .string()
  .transform(withoutNul)
  .pipe(z.string().trim().max(200, 'at most 200 characters'))
  .optional()
  .nullable()
  .transform((value) => value || null);
const email = z.string().trim().max(254).pipe(z.email('must be an e-mail address'));
const lang = z.enum(['nl', 'en']).default('nl');
const messageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

// ── Public REST ─────────────────────────────────────────────────────────────
export const startChatBody = z.strictObject({ clientId, text: chatText, name: optionalName });
export const questionBody = z.strictObject({ clientId, email, name: optionalName, text: chatText, lang });

// ── /widget commands: payloads never name a conversation ──────────────────
export const sendPayload = z.strictObject({ clientId, text: chatText });
export const fetchPayload = z.strictObject({ afterId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(), limit: z.number().int().min(1).max(200).default(100) });
export const throughPayload = z.strictObject({ throughId: messageId });
export const citizenTypingPayload = z.strictObject({ typing: z.boolean() });
export const transcriptPayload = z.strictObject({ email, lang });
export const ratingPayload = z.strictObject({
  score: z.number().int().min(1).max(5),
  comment: z.string().transform(withoutNul).pipe(z.string().trim().max(2000)).optional().transform((value) => value || null),
});

// ── /agent commands and routes ─────────────────────────────────────────────
export const presencePayload = z.strictObject({ status: z.enum(['available', 'away']) });
export const agentTypingPayload = z.strictObject({ conversationId: messageId, typing: z.boolean(), note: z.boolean().default(false) });
export const agentReadPayload = z.strictObject({ conversationId: messageId, throughId: messageId });
export const closeBody = z.strictObject({
  outcome: z.enum(CLOSE_OUTCOMES),
  /** With no_answer_needed: why (auto-reply, spam, duplicate, withdrawn); its milestones end as not applicable with it. */
  reason: z.enum(NO_ANSWER_REASONS).optional(),
  /** The topic (onderwerp) it was about; the gemeente may require one (server/topics). */
  topicId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

/** Whether a failed chat payload failed on the length of its text: the widget says so in words. */
export function isTooLong(error: z.ZodError): boolean {
  return error.issues.some((issue) => issue.code === 'too_big' && issue.path[0] === 'text');
}
