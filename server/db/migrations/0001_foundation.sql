-- Balie's foundation: agents and their sessions, citizens (contacts), conversations with their
-- reference numbers, messages, attachments and the audit trail of agent actions.
-- Released migrations are never edited; add a new file instead.

CREATE TABLE agents (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%@%'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role          text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
  password_hash text NOT NULL,
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_email_key ON agents (email);

-- Only a hash of the session token is stored: a leaked database does not log anyone in.
CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY,
  agent_id     bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  user_agent   text
);
CREATE INDEX sessions_agent_idx ON sessions (agent_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Citizens and businesses. Every field is optional: an anonymous chat has none (AVG: collect
-- only what is needed).
CREATE TABLE contacts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text,
  email      text CHECK (email = lower(email)),
  phone      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_email_idx ON contacts (email) WHERE email IS NOT NULL;
CREATE INDEX contacts_phone_idx ON contacts (phone) WHERE phone IS NOT NULL;

-- One row per year; the row lock makes numbers sequential and gap-free within the creating transaction.
CREATE TABLE reference_counters (
  year       integer PRIMARY KEY,
  last_value integer NOT NULL
);

CREATE TABLE conversations (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  reference       text NOT NULL UNIQUE,
  channel         text NOT NULL CHECK (channel IN ('chat', 'email')),
  status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'waiting', 'closed')),
  subject         text,
  contact_id      bigint REFERENCES contacts (id) ON DELETE SET NULL,
  assignee_id     bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  closed_at       timestamptz
);
-- The inbox lists open work newest-activity-first and pages by (last_message_at, id); partial
-- indexes keep the million closed conversations of past years out of the way.
CREATE INDEX conversations_open_activity_idx ON conversations (last_message_at DESC, id DESC) WHERE status <> 'closed';
CREATE INDEX conversations_channel_status_activity_idx ON conversations (channel, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee_open_idx ON conversations (assignee_id, last_message_at DESC) WHERE status <> 'closed';
CREATE INDEX conversations_contact_idx ON conversations (contact_id, created_at DESC);

CREATE TABLE messages (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id   bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  direction         text NOT NULL CHECK (direction IN ('in', 'out')),
  kind              text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'note', 'system')),
  author_agent_id   bigint REFERENCES agents (id) ON DELETE SET NULL,
  author_contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
  body_text         text NOT NULL DEFAULT '',
  -- Already sanitised on the way in; never raw HTML from a mail.
  body_html         text,
  -- The sender's own id for the message (chat client id, e-mail Message-ID, …), prefixed by
  -- channel: a retry or a re-read finds the row instead of writing a second one.
  idempotency_key   text UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

CREATE TABLE attachments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  filename     text,
  content_type text NOT NULL,
  size_bytes   integer NOT NULL CHECK (size_bytes >= 0),
  sha256       bytea NOT NULL,
  content_id   text,
  content      bytea,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id     bigint REFERENCES agents (id) ON DELETE SET NULL,
  action       text NOT NULL,
  subject_type text,
  subject_id   text,
  details      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_agent_idx ON audit_log (agent_id, created_at DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, created_at DESC);
