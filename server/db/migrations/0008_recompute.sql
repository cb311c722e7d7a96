-- A durable calendar recompute (issue 11, item 5): which settings version the open milestones
-- follow, and how far the pass that brings them to the current version has come. A settings
-- change bumps service_settings.version in its own transaction; the recompute then walks the
-- conversations with open milestones in id order, one batch per transaction, and advances the
-- cursor in the same transaction as the batch — so a crash or a deadlock loses at most one batch,
-- and the next start (or the scheduler) resumes from the cursor.
-- Released migrations are never edited; add a new file instead.

CREATE TABLE deadline_recompute (
  id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- The settings version whose pass last completed: every open milestone followed it then.
  applied_version      integer NOT NULL,
  -- The version the pass under way applies, and the last conversation it finished.
  target_version       integer NOT NULL,
  after_conversation_id bigint NOT NULL DEFAULT 0,
  started_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  finished_at          timestamptz,
  CHECK (applied_version <= target_version)
);

-- Existing databases were recomputed at once by the old code after each change: treat the current
-- version as applied. Absent settings (a database not started yet) start at version 0.
INSERT INTO deadline_recompute (applied_version, target_version, finished_at)
SELECT coalesce((SELECT version FROM service_settings), 0), coalesce((SELECT version FROM service_settings), 0), now();

-- The recompute's batches: conversations that have open milestones, in id order.
CREATE INDEX milestones_open_conversation_idx ON milestones (conversation_id) WHERE state IN ('open', 'due_soon');

-- The lock order for the one trigger that updates several conversations at once: a contact's new
-- name or address is copied to all of their conversations, now locked in id order first, as the
-- recompute and the scheduler lock them (server/db/lock-order.ts).
CREATE OR REPLACE FUNCTION inbox_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM conversations WHERE contact_id = NEW.id ORDER BY id FOR NO KEY UPDATE;
  UPDATE conversations SET contact_search = concat_ws(' ', NEW.name, NEW.email) WHERE contact_id = NEW.id;
  RETURN NULL;
END $$;
