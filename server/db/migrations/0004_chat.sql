-- Live chat (issue 5): citizens' chat sessions, agents' presence, the outcome and CSAT of a
-- conversation, and how far each side has received and read the other's messages.
-- Released migrations are never edited; add a new file instead.

-- A citizen's chat session: an opaque random token kept in the widget's localStorage. Only its
-- SHA-256 is stored (a leaked database opens no chat); one session belongs to one conversation.
CREATE TABLE chat_sessions (
  token_hash      bytea PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  -- "Gesprek beëindigen": the citizen ended it; the token opens nothing from then on.
  ended_at        timestamptz
);
CREATE INDEX chat_sessions_conversation_idx ON chat_sessions (conversation_id);
CREATE INDEX chat_sessions_expires_idx ON chat_sessions (expires_at);

-- One row per connected /agent socket, on whichever instance holds it. An instance refreshes
-- last_seen_at of its rows every few seconds; rows of an instance that died simply go stale and
-- no longer count, so "an agent is online" holds across instances without sticky sessions.
CREATE TABLE agent_connections (
  socket_id    text PRIMARY KEY,
  agent_id     bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  instance_id  text NOT NULL,
  status       text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'away')),
  connected_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_connections_agent_idx ON agent_connections (agent_id);
CREATE INDEX agent_connections_instance_idx ON agent_connections (instance_id);

-- How a conversation ended (feeds the first-contact KPI, issue 6) and what the citizen thought of it.
ALTER TABLE conversations
  ADD COLUMN outcome text CHECK (outcome IN ('handled_first_contact', 'back_office', 'callback_requested', 'no_answer_needed')),
  ADD COLUMN picked_up_at timestamptz,
  ADD COLUMN csat_score smallint CHECK (csat_score BETWEEN 1 AND 5),
  ADD COLUMN csat_comment text CHECK (length(csat_comment) <= 2000),
  ADD COLUMN csat_at timestamptz,
  -- Watermarks (message ids): the citizen's widget received / read the agents' messages up to
  -- here; agents read the citizen's up to here. Only ever move forward.
  ADD COLUMN citizen_delivered_through bigint,
  ADD COLUMN citizen_read_through bigint,
  ADD COLUMN agent_read_through bigint;
