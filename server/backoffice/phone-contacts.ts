// Phone contacts (issue 14 §7): the KCC's main channel. An agent finds the citizen by phone,
// e-mail or name (their history opens before anything is asked), then registers the call as a
// conversation of channel `phone` — subject, what was done, the outcome — closed at once as
// handled in first contact, or handed to the back office in the same transaction.
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import { applyEvent, inLifecycle, type LifecycleChange } from '../conversations/apply.ts';
import { nextReference } from '../conversations/references.ts';
import type { Db, Pool } from '../db/index.ts';
import { isoAmsterdam } from '../deadlines/index.ts';
import { createHandoffIn, handoffFields, newHandoffSchema, type Handoff, type MailContext } from './handoffs.ts';
import { normalisePhone } from './phone.ts';

export interface ContactMatch {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  conversations: { id: number; reference: string; channel: string; subject: string | null; status: string; createdAt: string }[];
}

/** Citizens by phone number (any notation), e-mail address or name, each with their latest conversations. */
export async function findContacts(db: Db, text: string): Promise<ContactMatch[]> {
  const q = text.trim();
  if (!q) return [];
  const phone = normalisePhone(q);
  const { rows } = await db.query<ContactMatch & { conversations: (ContactMatch['conversations'][number] & { createdAt: string })[] }>(
    `SELECT k.id, k.name, k.email, k.phone,
            coalesce((SELECT json_agg(x ORDER BY x."createdAt" DESC) FROM (
               SELECT c.id, c.reference, c.channel, c.subject, c.status, c.created_at AS "createdAt" FROM conversations c
                WHERE c.contact_id = k.id ORDER BY c.created_at DESC LIMIT 5) x), '[]') AS conversations
       FROM contacts k
      WHERE ($1::text IS NOT NULL AND k.phone = $1) OR k.email = lower($2) OR k.name ILIKE '%' || $3 || '%'
      ORDER BY (k.phone = $1) DESC NULLS LAST, k.updated_at DESC LIMIT 10`,
    [phone ?? null, q, q.replace(/[\\%_]/g, (c) => `\\${c}`)],
  );
  return rows.map((row) => ({ ...row, conversations: row.conversations.map((c) => ({ ...c, createdAt: isoAmsterdam(new Date(c.createdAt)) })) }));
}

const handoffPart = handoffFields.omit({ conversationId: true }).partial({ question: true });

export const phoneContactSchema = z
  .strictObject({
    contactId: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    name: z.string().trim().max(200).optional(),
    phone: z
      .string()
      .trim()
      .max(40)
      .transform((value, ctx) => {
        const normalised = normalisePhone(value);
        if (!normalised) {
          ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
          return z.NEVER;
        }
        return normalised;
      })
      .optional(),
    email: z.email().max(254).transform((value) => value.toLowerCase()).optional(),
    // Klantinteracties: onderwerp ≤ 200, inhoud ≤ 1000.
    subject: z.string().trim().min(1).max(200),
    summary: z.string().trim().min(1).max(1000),
    /** Without a hand-off the call was handled in first contact. */
    handoff: handoffPart.optional(),
  });
export type PhoneContactInput = z.infer<typeof phoneContactSchema>;

export type PhoneOutcome =
  | { ok: true; conversation: { conversationId: number; reference: string }; handoff: Handoff | null; change: LifecycleChange }
  | { ok: false; code: string; absentUntil?: string };

export async function registerPhoneContact(pool: Pool, input: PhoneContactInput, by: { id: number; name: string }, options: { referencePrefix: string; mail: MailContext }): Promise<PhoneOutcome> {
  return inLifecycle(pool, async (tx): Promise<PhoneOutcome> => {
    const now = new Date();
    let contactId = input.contactId ?? null;
    if (contactId !== null) {
      if ((await tx.query('SELECT 1 FROM contacts WHERE id = $1', [contactId])).rowCount === 0) return { ok: false, code: 'unknown_contact' };
    } else if (input.phone || input.email || input.name) {
      const found = await tx.query<{ id: number }>('SELECT id FROM contacts WHERE ($1::text IS NOT NULL AND phone = $1) OR ($2::text IS NOT NULL AND email = $2) ORDER BY id LIMIT 1', [
        input.phone ?? null,
        input.email ?? null,
      ]);
      contactId =
        found.rows[0]?.id ??
        (await tx.query<{ id: number }>('INSERT INTO contacts (name, email, phone) VALUES ($1, $2, $3) RETURNING id', [input.name ?? null, input.email ?? null, input.phone ?? null])).rows[0]!.id;
      // What the citizen told us now fills gaps, never overwrites (an agent may have corrected it).
      await tx.query('UPDATE contacts SET name = coalesce(name, $2), email = coalesce(email, $3), phone = coalesce(phone, $4), updated_at = now() WHERE id = $1', [
        contactId,
        input.name ?? null,
        input.email ?? null,
        input.phone ?? null,
      ]);
    }
    const reference = await nextReference(tx, options.referencePrefix, now);
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO conversations (reference, channel, status, subject, contact_id, assignee_id, picked_up_at, created_at, last_message_at)
       VALUES ($1, 'phone', 'open', $2, $3, $4, $5, $5, $5) RETURNING id`,
      [reference, input.subject, contactId, by.id, now],
    );
    const conversationId = rows[0]!.id;
    await tx.query(`INSERT INTO messages (conversation_id, direction, kind, author_agent_id, body_text, created_at) VALUES ($1, 'in', 'note', $2, $3, $4)`, [
      conversationId,
      by.id,
      input.summary,
      now,
    ]);
    await recordAudit(tx, { agentId: by.id, action: 'phone_contact.registered', subjectType: 'conversation', subjectId: conversationId, details: { handoff: input.handoff !== undefined } });

    if (input.handoff) {
      const handoff = newHandoffSchema.safeParse({ ...input.handoff, conversationId, question: input.handoff.question ?? input.summary, phone: input.handoff.phone ?? input.phone, email: input.handoff.email ?? input.email });
      if (!handoff.success) return { ok: false, code: 'validation_failed' };
      const created = await createHandoffIn(tx, handoff.data, by, options.mail, now);
      if (!created.ok) return created;
      return { ok: true, conversation: { conversationId, reference }, handoff: created.handoff, change: created.change };
    }
    const closed = await applyEvent(tx, conversationId, { type: 'close', outcome: 'handled_first_contact', agentId: by.id }, { at: now });
    if (!closed.ok) return { ok: false, code: closed.code };
    return { ok: true, conversation: { conversationId, reference }, handoff: null, change: closed.change };
  });
}
