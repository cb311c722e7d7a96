-- The e-mail channel: the headers Balie threads on, the mailbox checkpoint that makes reading
-- crash-safe, and the outbox from which acknowledgements and replies are sent.

-- One row per stored mail, incoming or outgoing; rfc_message_id is the Message-ID without <>.
CREATE TABLE email_messages (
  message_id      bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  rfc_message_id  text NOT NULL,
  in_reply_to     text[] NOT NULL DEFAULT '{}',
  references_ids  text[] NOT NULL DEFAULT '{}',
  from_address    text,
  from_name       text,
  to_addresses    text[] NOT NULL DEFAULT '{}',
  subject         text NOT NULL DEFAULT '',
  sent_at         timestamptz,
  -- Kept as a stub, e.g. larger than MAIL_MAX_BYTES: agents see why.
  stub_reason     text,
  -- A bounce (RFC 3464 delivery-status report): recipient, status, diagnostic.
  delivery_report jsonb,
  -- Why no acknowledgement went out (auto_reply, bulk, list, bounce, …), for agents and audits.
  ack_skipped     text
);
CREATE INDEX email_messages_rfc_idx ON email_messages (rfc_message_id);

-- Advanced in the same transaction as the mail it covers: a crash never skips or repeats a mail.
CREATE TABLE mailbox_checkpoints (
  mailbox      text PRIMARY KEY,
  uid_validity text NOT NULL,
  last_uid     bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mail_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  message_id      bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  purpose         text NOT NULL CHECK (purpose IN ('acknowledgement', 'reply', 'transcript')),
  -- Fixed when queued and reused on every attempt: a retry after a crash is the same mail.
  rfc_message_id  text NOT NULL UNIQUE,
  to_address      text NOT NULL,
  to_name         text,
  subject         text NOT NULL,
  body_text       text NOT NULL,
  body_html       text,
  in_reply_to     text,
  references_ids  text[] NOT NULL DEFAULT '{}',
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  sent_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE state IN ('queued', 'sending');
CREATE INDEX mail_outbox_ack_recent_idx ON mail_outbox (to_address, created_at DESC) WHERE purpose = 'acknowledgement';
CREATE INDEX mail_outbox_message_idx ON mail_outbox (message_id);

-- Mail Balie could not store (a parser or database error on that one mail), kept whole with the
-- reason instead of blocking the mailbox or being lost.
CREATE TABLE mail_quarantine (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mailbox      text NOT NULL,
  uid_validity text NOT NULL,
  uid          bigint NOT NULL,
  raw          bytea NOT NULL,
  reason       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (mailbox, uid_validity, uid)
);

-- What an agent's outgoing message was meant as: a plain reply, the substantive answer, or a
-- tussenbericht (interim message) — shown in the thread and used for the norm's milestones.
ALTER TABLE messages ADD COLUMN reply_kind text CHECK (reply_kind IN ('reply', 'answer', 'interim'));
