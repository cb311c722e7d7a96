-- Keys of any length (issue 13, item 7) and the reference a stranger's mail quotes (issue 12, item 6).
-- Released migrations are never edited; add a new file instead.
--
-- A btree index row holds the whole value and may not pass ~2.7 kB (a third of a page): a mail
-- whose Message-ID or sender address was longer failed its INSERT and was quarantined. Message-IDs
-- (RFC 5322 §3.6.4) and addresses come from strangers and have no length limit Balie can enforce
-- before storing them, so the indexes that hold them key on a hash and the column keeps the full
-- value. These lookups are all equality (`= $1`, `= ANY($1)`, joins on equal addresses), which a
-- PostgreSQL hash index answers from a 4-byte hash code per row, for a value of any length; the
-- queries stay as they are and keep using an index. Hash indexes cannot be unique: the one unique
-- key that can carry a Message-ID, messages.idempotency_key, is kept short by the mail ingest
-- instead (a long Message-ID's key is its SHA-256, server/mail/ingest.ts).

-- Threading and bounce lookups by Message-ID (server/mail/store.ts conversationByMessageIds).
DROP INDEX email_messages_rfc_idx;
CREATE INDEX email_messages_rfc_hash_idx ON email_messages USING hash (rfc_message_id);

-- Contacts found again by address (server/contacts/contacts.ts, the contact history in
-- server/inbox/detail.ts).
DROP INDEX contacts_email_idx;
CREATE INDEX contacts_email_hash_idx ON contacts USING hash (email) WHERE email IS NOT NULL;

-- "At most one acknowledgement per sender per hour" (server/mail/outbox.ts acknowledgedRecently):
-- the few acknowledgements one address received are found by the address, then filtered by time.
DROP INDEX mail_outbox_ack_recent_idx;
CREATE INDEX mail_outbox_ack_recent_hash_idx ON mail_outbox USING hash (to_address) WHERE purpose = 'acknowledgement';

-- A mail whose subject names a reference (BAL-2026-000004) of another conversation than the one it
-- was stored in: a sender the named conversation does not know may not write into it, so the mail
-- started a conversation of its own, and the agent sees which reference it quoted.
ALTER TABLE email_messages ADD COLUMN quoted_reference text;
