-- The composer (issue 16, items 3 and 6): attachments an agent uploads before sending, and the
-- signatures admins set per team or for the mailbox.
-- Released migrations are never edited; add a new file instead.

-- An attachment on its way into a reply or a new mail. The agent's browser sends it in pieces of
-- 256 KiB (each request stays under the API's 1 MB JSON limit, and the pieces are the
-- attachment_chunks of migration 0016 once the mail is sent). The type is what the first bytes
-- say (server/inbox/outgoing-uploads.ts), never the name the browser gave. Sending moves the
-- bytes into attachments; what is never sent is removed after a day.
CREATE TABLE outgoing_uploads (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id     bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text NOT NULL,
  size_bytes   integer NOT NULL CHECK (size_bytes > 0),
  piece_count  integer NOT NULL CHECK (piece_count > 0),
  -- An image shown in the mail's text (cid:) rather than as an attachment only.
  inline       boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_uploads_agent_idx ON outgoing_uploads (agent_id, created_at);

CREATE TABLE outgoing_upload_pieces (
  upload_id bigint NOT NULL REFERENCES outgoing_uploads (id) ON DELETE CASCADE,
  seq       integer NOT NULL CHECK (seq >= 0),
  bytes     bytea NOT NULL,
  PRIMARY KEY (upload_id, seq)
);

-- The house-style footer of outgoing mail (gemeenten require one): one per team, and the
-- mailbox's own (team_id NULL) for agents whose teams have none. Variables such as {agent.name}
-- are filled in when a mail is written (server/signatures/render.ts).
CREATE TABLE signatures (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id    bigint UNIQUE REFERENCES teams (id) ON DELETE CASCADE,
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  updated_by bigint REFERENCES agents (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signatures_mailbox_key ON signatures ((true)) WHERE team_id IS NULL;
