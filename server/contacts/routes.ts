// The agents' contact API (issue 16.5): find a contact, the addresses a citizen gave in a
// conversation, link a conversation to a contact, merge duplicate contacts. Behind the session
// like the rest of the inbox; every change audited and announced as conversation.updated, so
// that an inbox showing the conversation reads it again.
import { Router } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { normalisePhone } from '../backoffice/phone.ts';
import { addressesInConversation, contactForAddress, contactSummary, linkConversation, searchContacts } from './link.ts';
import { mergeContacts } from './merge.ts';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const idParam = z.object({ id });
export const searchQuery = z.strictObject({ q: z.string().trim().min(2).max(200) });
export const linkBody = z.union([
  z.strictObject({ contactId: id }),
  z.strictObject({ email: z.email().max(254).transform((value) => value.toLowerCase()) }),
  z.strictObject({ phone: z.string().max(40).transform((value, context) => normalisePhone(value) ?? (context.addIssue({ code: 'custom', message: 'not a phone number', params: { code: 'invalid_phone' } }), z.NEVER)) }),
]);
export const mergeBody = z.strictObject({ absorbedId: id });

export function contactRoutes(options: { pool: Pool; events: DomainEvents }): Router {
  const { pool, events } = options;
  const router = Router();
  const announce = (conversation: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; status: 'new' | 'open' | 'waiting' | 'closed' }) =>
    events.emit('conversation.updated', { ...conversation, milestones: [] });

  router.get('/contacts', async (req, res) => {
    const { q } = validate(searchQuery, req.query);
    // A look through citizens' data, recorded as the inbox's search is (issue 12.14).
    const [contacts] = await Promise.all([searchContacts(pool, q), auditRequest(pool, req, { action: 'contacts.searched', details: { q } })]);
    res.json({ contacts });
  });

  /** The e-mail addresses and phone numbers the citizen wrote in this conversation, with their contacts. */
  router.get('/conversations/:id/contact-suggestions', async (req, res) => {
    const params = validate(idParam, req.params);
    const exists = await pool.query('SELECT 1 FROM conversations WHERE id = $1', [params.id]);
    if (!exists.rowCount) throw httpErrors.notFound('conversation');
    res.json({ addresses: await addressesInConversation(pool, params.id) });
  });

  /** Links the conversation to a contact: one by id, or the contact with this address (created when none has it). */
  router.post('/conversations/:id/contact', async (req, res) => {
    const params = validate(idParam, req.params);
    const body = validate(linkBody, req.body);
    const outcome = await inTransaction(pool, async (tx) => {
      const contactId = 'contactId' in body ? body.contactId : 'email' in body ? await contactForAddress(tx, 'email', body.email) : await contactForAddress(tx, 'phone', body.phone);
      const linked = await linkConversation(tx, params.id, contactId);
      if (linked.ok && linked.changed) {
        await auditRequest(tx, req, { action: 'conversation.contact_linked', subjectType: 'conversation', subjectId: params.id, details: { contactId, previousContactId: linked.previousContactId } });
      }
      return { linked, contactId };
    });
    if (!outcome.linked.ok) throw httpErrors.notFound('conversation or contact');
    if (outcome.linked.changed) announce(outcome.linked.conversation);
    res.json({ conversationId: params.id, contact: await contactSummary(pool, outcome.contactId), previousContactId: outcome.linked.previousContactId });
  });

  /** Merges contact `absorbedId` into this one: its conversations join this contact's history. */
  router.post('/contacts/:id/merge', async (req, res) => {
    const params = validate(idParam, req.params);
    const { absorbedId } = validate(mergeBody, req.body);
    const outcome = await inTransaction(pool, async (tx) => {
      const merged = await mergeContacts(tx, params.id, absorbedId);
      if (merged.ok) {
        // The absorbed row is gone: the audit keeps what it held and where its conversations went.
        await auditRequest(tx, req, {
          action: 'contact.merged',
          subjectType: 'contact',
          subjectId: params.id,
          details: { absorbed: merged.absorbed, conversations: merged.conversations.map((c) => c.reference) },
        });
      }
      return merged;
    });
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('contact');
      throw new HttpError(409, 'merge_refused', 'A contact cannot be merged into itself.');
    }
    for (const conversation of outcome.conversations) announce(conversation);
    res.json({ contact: await contactSummary(pool, params.id), conversations: outcome.conversations.map((c) => c.conversationId) });
  });

  return router;
}
