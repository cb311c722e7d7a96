// Multi-row statements for the new conversations of an ingest batch (issue 17, item 2): the
// contacts, conversations with their milestones, messages with their headers, and acknowledgements
// of up to 50 mails in four statements instead of four or more per mail. The statement-level
// triggers of 0006/0009/0017 (counts, sort keys, lexicon) then also run once per statement.
// Each does exactly what its one-mail counterpart does (contacts.ts contactForEmail,
// new-conversation.ts createEmailConversation, ingest.ts insertIncomingMessage/queueAcknowledgement),
// in the mails' order; ingest.ts decides which mails may go this way.
import type { Db } from '../db/index.ts';
import { firstEmailMilestoneColumns, milestoneFromJson, type Milestone } from '../deadlines/milestones.ts';
import type { ServiceContext } from '../deadlines/index.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';
import type { EmailHeaders } from './store.ts';

/**
 * The contact of each address, in order (lower-cased): the first contact with the address gets the
 * first name the mails give when it had none; an address without a contact gets one. The same end
 * state as contactForEmail called for each mail in turn.
 */
export async function contactsForEmails(tx: Db, senders: readonly { address: string; name: string | null }[]): Promise<Map<string, number>> {
  const byAddress = new Map<string, string | null>();
  for (const sender of senders) {
    const email = sender.address.toLowerCase();
    if (!byAddress.has(email) || byAddress.get(email) === null) byAddress.set(email, byAddress.get(email) ?? sender.name);
  }
  const rows = [...byAddress].map(([email, name], n) => ({ n, email, name }));
  const { rows: found } = await tx.query<{ email: string; id: number }>(
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(n int, email text, name text)),
     first AS (SELECT DISTINCT ON (email) email, id FROM contacts WHERE email IN (SELECT email FROM input) ORDER BY email, id),
     found AS (
       UPDATE contacts c SET name = coalesce(c.name, i.name), updated_at = now()
         FROM first f JOIN input i USING (email) WHERE c.id = f.id RETURNING c.id, f.email
     ), created AS (
       INSERT INTO contacts (email, name)
       SELECT email, name FROM input WHERE email NOT IN (SELECT email FROM first) ORDER BY n RETURNING id, email
     )
     SELECT email, id FROM found UNION ALL SELECT email, id FROM created`,
    [JSON.stringify(rows)],
  );
  return new Map(found.map((row) => [row.email, row.id]));
}

export interface NewConversationRow {
  subject: string | null;
  contactId: number | null;
  receivedAt: Date;
}

/**
 * Conversations of one year (Amsterdam time), in order: the next references of the year as one
 * block under the counter row's lock (gapless and sequential as createEmailConversation takes them
 * one by one), and each one's first milestones from its receivedAt.
 */
export async function createEmailConversations(
  tx: Db,
  year: number,
  referencePrefix: string,
  items: readonly NewConversationRow[],
  context: ServiceContext,
): Promise<{ id: number; reference: string; milestones: Milestone[] }[]> {
  const conversations = items.map((item, n) => ({ n: n + 1, subject: item.subject, contact_id: item.contactId }));
  const milestones = items.flatMap((item, index) => {
    const columns = firstEmailMilestoneColumns(context, item.receivedAt);
    return columns.kinds.map((kind, k) => ({
      n: index + 1,
      kind,
      norm_id: columns.normIds[k],
      term_unit: columns.termUnits[k],
      term_amount: columns.termAmounts[k],
      term_stated: columns.termStated[k],
      starts_at: columns.startsAt[k],
      due_at: columns.dueAt[k],
      due_soon_at: columns.dueSoonAt[k],
    }));
  });
  const { rows } = await tx.query<{ id: number; reference: string; n: number; milestones: Record<string, unknown>[] }>(
    `WITH counter AS (
       INSERT INTO reference_counters (year, last_value) VALUES ($1, $2)
       ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + $2
       RETURNING last_value
     ), numbered AS (
       SELECT i.*, $3 || '-' || $1::int || '-' || lpad(s.v::text, greatest(6, length(s.v::text)), '0') AS reference
         FROM jsonb_to_recordset($4::jsonb) AS i(n int, subject text, contact_id bigint)
        CROSS JOIN counter CROSS JOIN LATERAL (SELECT counter.last_value - $2 + i.n AS v) s
     ), conversation AS (
       INSERT INTO conversations (reference, channel, subject, contact_id)
       SELECT reference, 'email', subject, contact_id FROM numbered ORDER BY n
       RETURNING id, reference
     ), milestone AS (
       INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, term_stated, starts_at, due_at, due_soon_at)
       SELECT c.id, m.kind, m.norm_id, m.term_unit, m.term_amount, m.term_stated, m.starts_at, m.due_at, m.due_soon_at
         FROM jsonb_to_recordset($5::jsonb) AS m(n int, kind text, norm_id text, term_unit text, term_amount int, term_stated boolean,
                starts_at timestamptz, due_at timestamptz, due_soon_at timestamptz)
         JOIN numbered USING (n) JOIN conversation c USING (reference)
        ORDER BY m.n, m.kind = 'answer'
       RETURNING ${MILESTONE_JSON_COLUMNS}
     )
     SELECT c.id, c.reference, numbered.n,
            coalesce((SELECT json_agg(ms ORDER BY ms.id) FROM milestone ms WHERE ms."conversationId" = c.id), '[]'::json) AS milestones
       FROM conversation c JOIN numbered USING (reference) ORDER BY numbered.n`,
    [year, items.length, referencePrefix, JSON.stringify(conversations), JSON.stringify(milestones)],
  );
  return rows.map((row) => ({ id: row.id, reference: row.reference, milestones: row.milestones.map(milestoneFromJson) }));
}

/** milestones.ts COLUMNS, as milestoneFromJson reads them. */
const MILESTONE_JSON_COLUMNS = `id, conversation_id AS "conversationId", kind, norm_id AS "normId",
  json_build_object('unit', term_unit, 'amount', term_amount) AS term, term_stated AS "termStated",
  starts_at AS "startsAt", due_at AS "dueAt", due_soon_at AS "dueSoonAt", state, met_at AS "metAt", met_by AS "metBy",
  ended_at AS "endedAt", ended_reason AS "endedReason", CASE WHEN state = 'suspended' THEN remaining_seconds::float8 END AS "remainingSeconds"`;

export interface IncomingRow {
  conversationId: number;
  contactId: number | null;
  text: string;
  html: string | null;
  idempotencyKey: string;
  headers: EmailHeaders;
}

/** Citizens' mails (kind message) with their headers, in order; the message ids in that order. */
export async function insertIncomingMessages(tx: Db, items: readonly IncomingRow[]): Promise<number[]> {
  const rows = items.map((item, n) => ({
    n,
    conversation_id: item.conversationId,
    author_contact_id: item.contactId,
    body_text: item.text,
    body_html: item.html,
    idempotency_key: item.idempotencyKey,
    ...headerColumns(item.headers),
  }));
  const { rows: inserted } = await tx.query<{ idempotency_key: string; id: number }>(
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(n int, conversation_id bigint, author_contact_id bigint, body_text text, body_html text,
         idempotency_key text, ${HEADER_TYPES})),
     message AS (
       INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, idempotency_key, body_html)
       SELECT conversation_id, 'in', 'message', author_contact_id, body_text, idempotency_key, body_html FROM input ORDER BY n
       RETURNING id, idempotency_key
     ), headers AS (
       INSERT INTO email_messages (message_id, ${HEADER_NAMES}) SELECT m.id, ${HEADER_NAMES} FROM input JOIN message m USING (idempotency_key) ORDER BY n
     )
     SELECT idempotency_key, id FROM message`,
    [JSON.stringify(rows)],
  );
  const ids = new Map(inserted.map((row) => [row.idempotency_key, row.id]));
  return items.map((item) => ids.get(item.idempotencyKey)!);
}

export interface AcknowledgementRow {
  conversationId: number;
  text: string;
  html: string | null;
  subject: string;
  to: { name: string | null; address: string };
  rfcMessageId: string;
  inReplyTo: string | null;
  references: readonly string[];
  headers: EmailHeaders;
}

/** Acknowledgements (one per new conversation): system message, outbox row, headers, NOTIFY — in order. */
export async function queueAcknowledgements(tx: Db, items: readonly AcknowledgementRow[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((item, n) => ({
    n,
    conversation_id: item.conversationId,
    body_text: item.text,
    body_html: item.html,
    outbox_rfc_message_id: item.rfcMessageId,
    to_address: item.to.address,
    to_name: item.to.name,
    outbox_subject: item.subject,
    outbox_in_reply_to: item.inReplyTo,
    outbox_references: item.references,
    ...headerColumns(item.headers),
  }));
  await tx.query(
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(n int, conversation_id bigint, body_text text, body_html text,
         outbox_rfc_message_id text, to_address text, to_name text, outbox_subject text, outbox_in_reply_to text, outbox_references text[], ${HEADER_TYPES})),
     message AS (
       INSERT INTO messages (conversation_id, direction, kind, body_text)
       SELECT conversation_id, 'out', 'system', body_text FROM input ORDER BY n RETURNING id, conversation_id
     ), outbox AS (
       INSERT INTO mail_outbox (conversation_id, message_id, purpose, rfc_message_id, to_address, to_name, subject,
         body_text, body_html, in_reply_to, references_ids)
       SELECT i.conversation_id, m.id, 'acknowledgement', outbox_rfc_message_id, to_address, to_name, outbox_subject,
              body_text, body_html, outbox_in_reply_to, outbox_references
         FROM input i JOIN message m USING (conversation_id) ORDER BY n RETURNING id
     ), headers AS (
       INSERT INTO email_messages (message_id, ${HEADER_NAMES}) SELECT m.id, ${HEADER_NAMES} FROM input JOIN message m USING (conversation_id) ORDER BY n
     )
     SELECT pg_notify('${OUTBOX_CHANNEL}', id::text) FROM outbox`,
    [JSON.stringify(rows)],
  );
}

const HEADER_NAMES = 'rfc_message_id, in_reply_to, references_ids, from_address, from_name, to_addresses, subject, sent_at, stub_reason, delivery_report, ack_skipped, quoted_reference';
const HEADER_TYPES = `rfc_message_id text, in_reply_to text[], references_ids text[], from_address text, from_name text, to_addresses text[], subject text,
  sent_at timestamptz, stub_reason text, delivery_report jsonb, ack_skipped text, quoted_reference text`;

/** store.ts emailHeaderValues as the columns of {@link HEADER_NAMES}. */
function headerColumns(headers: EmailHeaders): Record<string, unknown> {
  return {
    rfc_message_id: headers.rfcMessageId,
    in_reply_to: headers.inReplyTo,
    references_ids: headers.references,
    from_address: headers.fromAddress,
    from_name: headers.fromName,
    to_addresses: headers.toAddresses,
    subject: headers.subject,
    sent_at: headers.sentAt,
    stub_reason: headers.stubReason ?? null,
    delivery_report: headers.deliveryReport ?? null,
    ack_skipped: headers.ackSkipped ?? null,
    quoted_reference: headers.quotedReference ?? null,
  };
}
