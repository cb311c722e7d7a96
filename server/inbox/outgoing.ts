// A new e-mail to a citizen, started from the inbox (issue 16.6) — after a phone call, say. It
// opens an e-mail conversation that carries no milestones: the norm's terms are promises about
// answering the citizen's contact, and here the gemeente made the contact (none by default). The
// mail goes through the outbox with a fresh Message-ID and the reference in the subject, so the
// citizen's reply lands in this conversation (threading.ts: by In-Reply-To and by reference).
import { z } from 'zod';
import { contactForEmail } from '../contacts/contacts.ts';
import { applyEvent, inLifecycle, type LifecycleChange } from '../conversations/apply.ts';
import { nextReference } from '../conversations/references.ts';
import type { Pool } from '../db/index.ts';
import { headerSafe, MAX_SUBJECT_CHARS, newMessageIdValue } from '../mail/compose.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { signatureFor } from '../signatures/store.ts';
import { withSignature } from '../signatures/render.ts';
import { attachUploads, MAX_ATTACHMENTS_PER_MAIL } from './outgoing-uploads.ts';
import { outgoingHtml } from './replies.ts';

// An addr-spec that formatAddress accepts (compose.ts): one plain address, nothing that could start a second.
const address = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s<>()[\]\\,;:"@]+@[^\s<>()[\]\\,;:"@]+\.[^\s<>()[\]\\,;:"@]+$/u, 'must be one e-mail address');

export const newOutgoingMailSchema = z.strictObject({
  to: address,
  /** The citizen's name, when the agent knows it (from the call). */
  name: z.string().trim().max(200).optional(),
  subject: z.string().trim().min(1, 'must not be empty').max(MAX_SUBJECT_CHARS),
  text: z.string().trim().min(1, 'must not be empty').max(50_000),
  attachments: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).max(MAX_ATTACHMENTS_PER_MAIL).optional(),
});
export type NewOutgoingMail = z.infer<typeof newOutgoingMailSchema>;

export type OutgoingOutcome =
  | { ok: true; conversationId: number; reference: string; messageId: number; change: LifecycleChange }
  | { ok: false; code: 'upload_not_found' | 'upload_incomplete' | 'conversation_closed' };

/** `Subject [BAL-…]`: the reference threads the reply even when the citizen's client drops In-Reply-To. */
export function outgoingSubject(subject: string, reference: string): string {
  return `${headerSafe(subject)} [${headerSafe(reference)}]`;
}

export async function sendNewMail(
  pool: Pool,
  input: { agent: { id: number; name: string }; mail: NewOutgoingMail; from: { name: string | null; address: string }; referencePrefix: string },
): Promise<OutgoingOutcome> {
  const { agent, mail } = input;
  const outcome = await inLifecycle(pool, async (tx): Promise<OutgoingOutcome> => {
    const now = new Date();
    const name = mail.name ? headerSafe(mail.name) || null : null;
    const contactId = await contactForEmail(tx, mail.to, name);
    const reference = await nextReference(tx, input.referencePrefix, now);
    const subject = headerSafe(mail.subject);
    const created = await tx.query<{ id: number }>(
      "INSERT INTO conversations (reference, channel, subject, contact_id) VALUES ($1, 'email', $2, $3) RETURNING id",
      [reference, subject, contactId],
    );
    const conversationId = created.rows[0]!.id;
    // A Reactie: it takes the conversation for the agent and meets nothing (there is nothing to meet).
    const applied = await applyEvent(tx, conversationId, { type: 'reply', kind: 'reply', agentId: agent.id }, { at: now });
    if (!applied.ok) return { ok: false, code: 'conversation_closed' };
    const signature = await signatureFor(tx, agent, input.from.name);
    const text = withSignature(mail.text, signature);
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO messages (conversation_id, direction, kind, reply_kind, author_agent_id, body_text)
       VALUES ($1, 'out', 'message', 'reply', $2, $3) RETURNING id`,
      [conversationId, agent.id, text],
    );
    const messageId = inserted.rows[0]!.id;
    const domain = input.from.address.split('@')[1] ?? 'balie.local';
    const attached = await attachUploads(tx, { agentId: agent.id, uploadIds: mail.attachments ?? [], messageId, domain });
    if (!attached.ok) return { ok: false, code: attached.code };
    const contact = await tx.query<{ email: string; name: string | null }>('SELECT email, name FROM contacts WHERE id = $1', [contactId]);
    await enqueueMail(tx, {
      conversationId,
      messageId,
      purpose: 'reply',
      rfcMessageId: newMessageIdValue(domain),
      from: input.from,
      to: { name: contact.rows[0]!.name, address: contact.rows[0]!.email },
      subject: outgoingSubject(subject, reference),
      text,
      html: outgoingHtml(mail.text, signature, attached.attachments),
      inReplyTo: null,
      references: [],
    });
    return { ok: true, conversationId, reference, messageId, change: applied.change };
  });
  if (outcome.ok) return outcome;
  return outcome.code === 'upload_not_found' || outcome.code === 'upload_incomplete' ? { ok: false, code: outcome.code } : { ok: false, code: 'conversation_closed' };
}
