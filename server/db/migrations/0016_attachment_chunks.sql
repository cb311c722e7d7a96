-- Large attachments in pieces (issue 12, item 1): one 25 MB bytea parameter is copied in one
-- synchronous step on Balie's event loop (pg's bind), and PostgreSQL compresses and logs it in one
-- go. Stored as rows of at most 256 KiB, written one query at a time, Balie answers agents,
-- citizens and /healthz in between. Small attachments keep their bytes in attachments.content.
-- Released migrations are never edited; add a new file instead.

-- How many attachment_chunks rows hold the bytes; NULL: they are in `content` (or there are none).
ALTER TABLE attachments ADD COLUMN chunk_count integer CHECK (chunk_count > 0);

CREATE TABLE attachment_chunks (
  attachment_id bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
  -- 0, 1, 2, … in the order of the bytes.
  seq           integer NOT NULL CHECK (seq >= 0),
  bytes         bytea NOT NULL,
  PRIMARY KEY (attachment_id, seq)
);
