// Finding a citizen's contact from what they wrote, and linking a conversation to it (issue 16.5):
// an anonymous chat becomes part of the citizen's history once they give an e-mail address or
// phone number, or once an agent finds them.
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import { DEFAULT_PHONE_REGION } from '../backoffice/phone.ts';
import { lockConversations, type Db } from '../db/index.ts';

export interface ContactSummary {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  conversations: number;
}

/** An address found in the citizen's messages, with the contacts that hold it (none: a new contact is offered). */
export interface FoundAddress {
  kind: 'email' | 'phone';
  value: string;
  contacts: ContactSummary[];
}

const SUMMARY = `SELECT ct.id::int, ct.name, ct.email, ct.phone,
                        (SELECT count(*)::int FROM conversations c WHERE c.contact_id = ct.id) AS conversations
                   FROM contacts ct`;
// RFC 5321's practical shape; what the citizen typed, not a validation of deliverability.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;
const MAX_FOUND = 5;

/** The e-mail addresses and phone numbers in the citizen's own messages, newest first, and who has them. */
export async function addressesInConversation(db: Db, conversationId: number): Promise<FoundAddress[]> {
  const { rows } = await db.query<{ text: string }>(
    `SELECT left(body_text, 20000) AS text FROM messages WHERE conversation_id = $1 AND direction = 'in' AND kind = 'message' ORDER BY id DESC LIMIT 200`,
    [conversationId],
  );
  const found = new Map<string, { kind: 'email' | 'phone'; value: string }>();
  for (const { text } of rows) {
    for (const match of text.match(EMAIL) ?? []) found.set(`email:${match.toLowerCase()}`, { kind: 'email', value: match.toLowerCase() });
    for (const phone of findPhoneNumbersInText(text, DEFAULT_PHONE_REGION)) {
      if (phone.number.isValid()) found.set(`phone:${phone.number.number}`, { kind: 'phone', value: phone.number.number });
    }
    if (found.size >= MAX_FOUND) break;
  }
  const addresses = [...found.values()].slice(0, MAX_FOUND);
  if (addresses.length === 0) return [];
  const emails = addresses.filter((a) => a.kind === 'email').map((a) => a.value);
  const phones = addresses.filter((a) => a.kind === 'phone').map((a) => a.value);
  const contacts = await db.query<ContactSummary>(`${SUMMARY} WHERE ct.email = ANY($1::text[]) OR ct.phone = ANY($2::text[]) ORDER BY ct.id LIMIT 50`, [emails, phones]);
  return addresses.map((address) => ({
    ...address,
    contacts: contacts.rows.filter((contact) => (address.kind === 'email' ? contact.email === address.value : contact.phone === address.value)),
  }));
}

/** Contacts by name, e-mail address or phone number (an agent's search); at most 20. */
export async function searchContacts(db: Db, query: string): Promise<ContactSummary[]> {
  const like = `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  const { rows } = await db.query<ContactSummary>(`${SUMMARY} WHERE ct.name ILIKE $1 OR ct.email ILIKE $1 OR ct.phone ILIKE $1 ORDER BY ct.updated_at DESC, ct.id DESC LIMIT 20`, [like]);
  return rows;
}

export async function contactSummary(db: Db, id: number): Promise<ContactSummary | undefined> {
  const { rows } = await db.query<ContactSummary>(`${SUMMARY} WHERE ct.id = $1`, [id]);
  return rows[0];
}

/** The contact with this address, created when none has it (the address the citizen gave in the chat). */
export async function contactForAddress(tx: Db, kind: 'email' | 'phone', value: string): Promise<number> {
  const column = kind === 'email' ? 'email' : 'phone';
  const found = await tx.query<{ id: number }>(`SELECT id::int FROM contacts WHERE ${column} = $1 ORDER BY id LIMIT 1`, [value]);
  if (found.rows[0]) return found.rows[0].id;
  const created = await tx.query<{ id: number }>(`INSERT INTO contacts (${column}) VALUES ($1) RETURNING id::int`, [value]);
  return created.rows[0]!.id;
}

export type LinkOutcome =
  | { ok: true; changed: boolean; previousContactId: number | null; conversation: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; status: 'new' | 'open' | 'waiting' | 'closed' } }
  | { ok: false; code: 'not_found' };

/**
 * Links the conversation to the contact: it and the citizen's messages in it name that contact
 * now. A contact the conversation had before that nothing else names any more (the name an
 * anonymous chat gave) is merged into it by the caller if the agent chooses; it is not deleted here.
 */
export async function linkConversation(tx: Db, conversationId: number, contactId: number): Promise<LinkOutcome> {
  await lockConversations(tx, [conversationId]);
  const { rows } = await tx.query<{ reference: string; channel: 'chat' | 'email' | 'phone'; status: 'new' | 'open' | 'waiting' | 'closed'; contactId: number | null }>(
    'SELECT reference, channel, status, contact_id::int AS "contactId" FROM conversations WHERE id = $1',
    [conversationId],
  );
  const row = rows[0];
  const contact = await tx.query('SELECT 1 FROM contacts WHERE id = $1 FOR KEY SHARE', [contactId]);
  if (!row || !contact.rowCount) return { ok: false, code: 'not_found' };
  const conversation = { conversationId, reference: row.reference, channel: row.channel, status: row.status };
  if (row.contactId === contactId) return { ok: true, changed: false, previousContactId: row.contactId, conversation };
  await tx.query('UPDATE conversations SET contact_id = $2, updated_at = now() WHERE id = $1', [conversationId, contactId]);
  await tx.query(`UPDATE messages SET author_contact_id = $2 WHERE conversation_id = $1 AND direction = 'in' AND author_agent_id IS NULL`, [conversationId, contactId]);
  return { ok: true, changed: true, previousContactId: row.contactId, conversation };
}
