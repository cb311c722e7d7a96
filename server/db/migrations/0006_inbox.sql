-- The agent inbox (issue 6): sort keys kept on the conversation so the working inbox is ordered
-- by what is due first without touching milestones or messages, full-text and partial search,
-- and the canned answers supervisors manage.
-- Released migrations are never edited; add a new file instead.

-- Partial, case-insensitive search on references, names and e-mail addresses (ILIKE '%…%').
-- pg_trgm is a trusted extension: the database owner may create it without being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ── Denormalised sort keys ──────────────────────────────────────────────────
-- next_due_*: the nearest unmet milestone; breached: an unmet milestone is past due;
-- waiting_since: the citizen's oldest message that has no agent reply after it;
-- preview: the start of the latest message the citizen or an agent wrote (never a note).
-- The sort_* columns make the inbox order one ascending, NULL-free key, so a keyset cursor is a
-- plain row comparison that a btree index answers: breached first, nearest due, longest waiting, id.
ALTER TABLE conversations
  ADD COLUMN next_due_at    timestamptz,
  ADD COLUMN next_due_kind  text,
  ADD COLUMN next_due_state text,
  ADD COLUMN breached       boolean NOT NULL DEFAULT false,
  ADD COLUMN waiting_since  timestamptz,
  ADD COLUMN preview        text NOT NULL DEFAULT '',
  ADD COLUMN sort_breach    smallint GENERATED ALWAYS AS (CASE WHEN breached THEN 0 ELSE 1 END) STORED,
  ADD COLUMN sort_due       timestamptz GENERATED ALWAYS AS (coalesce(next_due_at, 'infinity'::timestamptz)) STORED,
  ADD COLUMN sort_waiting   timestamptz GENERATED ALWAYS AS (coalesce(waiting_since, 'infinity'::timestamptz)) STORED,
  -- The contact's name and e-mail address, for partial search (trigram index) among open work.
  ADD COLUMN contact_search text NOT NULL DEFAULT '',
  -- Subject words, Dutch stemming ("aanvragen" finds "aanvraag").
  ADD COLUMN search_document tsvector GENERATED ALWAYS AS (to_tsvector('dutch'::regconfig, coalesce(subject, ''))) STORED;

-- The words of the conversation's messages and notes, one document per conversation, so that a
-- search of the working inbox is one index scan over the open conversations instead of a scan of
-- every message ever written. Appended to by the message trigger below.
ALTER TABLE conversations ADD COLUMN messages_document tsvector NOT NULL DEFAULT ''::tsvector;

/** Recomputes the deadline sort keys of these conversations from their unmet milestones. */
CREATE FUNCTION inbox_refresh_deadlines(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  UPDATE conversations c
     SET next_due_at = n.due_at, next_due_kind = n.kind, next_due_state = n.state, breached = n.breached
    FROM (SELECT x.id, m.due_at, m.kind, m.state,
                 EXISTS (SELECT 1 FROM milestones b WHERE b.conversation_id = x.id AND b.state = 'breached') AS breached
            FROM unnest(ids) AS x(id)
            LEFT JOIN LATERAL (SELECT due_at, kind, state FROM milestones
                                WHERE conversation_id = x.id AND state IN ('open', 'due_soon', 'breached')
                                ORDER BY due_at, id LIMIT 1) m ON true) n
   WHERE c.id = n.id
     AND (c.next_due_at, c.next_due_kind, c.next_due_state, c.breached) IS DISTINCT FROM (n.due_at, n.kind, n.state, n.breached);
$$;

/** Recomputes waiting time and preview of these conversations from their messages. */
CREATE FUNCTION inbox_refresh_messages(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  UPDATE conversations c
     SET waiting_since = n.waiting_since, preview = n.preview
    FROM (SELECT x.id,
                 (SELECT min(m.created_at) FROM messages m
                   WHERE m.conversation_id = x.id AND m.direction = 'in' AND m.kind = 'message'
                     AND m.id > coalesce((SELECT max(o.id) FROM messages o
                                           WHERE o.conversation_id = x.id AND o.direction = 'out' AND o.kind = 'message'), 0)) AS waiting_since,
                 coalesce((SELECT left(btrim(regexp_replace(left(p.body_text, 600), '\s+', ' ', 'g')), 140) FROM messages p
                            WHERE p.conversation_id = x.id AND p.kind = 'message' ORDER BY p.id DESC LIMIT 1), '') AS preview
            FROM unnest(ids) AS x(id)) n
   WHERE c.id = n.id
     AND (c.waiting_since, c.preview) IS DISTINCT FROM (n.waiting_since, n.preview);
$$;

-- Triggers rather than application code: milestones change in many places (the norm's engine,
-- replies, the scheduler's due-soon/breach transitions, set-based recompute after a calendar
-- change) and messages arrive from mail ingest, the chat and the inbox. A trigger keeps the keys
-- right in the same transaction whichever path wrote, and a new path cannot forget them.
-- Statement-level with transition tables: a recompute of 100,000 milestones is one UPDATE here.
CREATE FUNCTION inbox_milestones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM inbox_refresh_deadlines(ARRAY(SELECT DISTINCT conversation_id FROM old_rows));
  ELSE
    PERFORM inbox_refresh_deadlines(ARRAY(SELECT DISTINCT conversation_id FROM new_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_milestones_inserted AFTER INSERT ON milestones REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_milestones_changed();
CREATE TRIGGER inbox_milestones_updated AFTER UPDATE ON milestones REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_milestones_changed();
CREATE TRIGGER inbox_milestones_deleted AFTER DELETE ON milestones REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_milestones_changed();

-- The message trigger also appends the words of new messages and notes to their conversation's
-- search document, each with its first 20,000 characters (the words that matter are at the top of
-- a mail, above the quoted history). A tsvector may not exceed 1 MB: a document whose text form
-- nears that takes no more words (the text form is larger than the stored one: a safe margin).
CREATE FUNCTION inbox_messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM inbox_refresh_messages(ARRAY(SELECT DISTINCT conversation_id FROM new_rows WHERE kind = 'message'));
  UPDATE conversations c
     SET messages_document = c.messages_document || n.document
    FROM (SELECT conversation_id, to_tsvector('dutch', string_agg(left(body_text, 20000), E'\n' ORDER BY id)) AS document
            FROM new_rows WHERE kind <> 'system' GROUP BY conversation_id) n
   WHERE c.id = n.conversation_id
     AND octet_length(c.messages_document::text) + octet_length(n.document::text) < 600000;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_messages_inserted AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_messages_changed();

-- The contact's name and address travel with the conversation, so that a search of the working
-- inbox scans a trigram index of the open conversations, not one of every contact ever stored.
CREATE FUNCTION inbox_conversation_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.contact_search := coalesce((SELECT concat_ws(' ', name, email) FROM contacts WHERE id = NEW.contact_id), '');
  RETURN NEW;
END $$;
CREATE TRIGGER inbox_conversation_contact BEFORE INSERT OR UPDATE OF contact_id ON conversations
  FOR EACH ROW EXECUTE FUNCTION inbox_conversation_contact();
CREATE FUNCTION inbox_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversations SET contact_search = concat_ws(' ', NEW.name, NEW.email) WHERE contact_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_contact_changed AFTER UPDATE OF name, email ON contacts
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION inbox_contact_changed();

-- Backfill.
UPDATE conversations c SET contact_search = concat_ws(' ', ct.name, ct.email) FROM contacts ct WHERE ct.id = c.contact_id;
SELECT inbox_refresh_deadlines(ARRAY(SELECT DISTINCT conversation_id FROM milestones WHERE state IN ('open', 'due_soon', 'breached')));
SELECT inbox_refresh_messages(ARRAY(SELECT DISTINCT conversation_id FROM messages WHERE kind = 'message'));
UPDATE conversations c SET messages_document = n.document
  FROM (SELECT conversation_id, to_tsvector('dutch', left(string_agg(left(body_text, 20000), E'\n' ORDER BY id), 100000)) AS document
          FROM messages WHERE kind <> 'system' GROUP BY conversation_id) n
 WHERE c.id = n.conversation_id;

-- ── Indexes of the working inbox ────────────────────────────────────────────
-- Each matches the ORDER BY (sort_breach, sort_due, sort_waiting, id) exactly, behind an equality
-- on the filter it serves; partial, so the million closed conversations of past years stay out.
CREATE INDEX conversations_inbox_idx ON conversations (sort_breach, sort_due, sort_waiting, id) WHERE status <> 'closed';
CREATE INDEX conversations_inbox_channel_idx ON conversations (channel, sort_breach, sort_due, sort_waiting, id) WHERE status <> 'closed';
CREATE INDEX conversations_inbox_status_idx ON conversations (status, sort_breach, sort_due, sort_waiting, id) WHERE status <> 'closed';
CREATE INDEX conversations_inbox_assignee_idx ON conversations (assignee_id, sort_breach, sort_due, sort_waiting, id) WHERE status <> 'closed';
CREATE INDEX conversations_inbox_due_soon_idx ON conversations (sort_breach, sort_due, sort_waiting, id) WHERE status <> 'closed' AND next_due_state = 'due_soon';
-- The counts read only these columns: an index-only scan over the open conversations.
CREATE INDEX conversations_inbox_counts_idx ON conversations (channel, status) INCLUDE (assignee_id, next_due_state, breached) WHERE status <> 'closed';
-- Closed conversations, newest closed first.
CREATE INDEX conversations_closed_idx ON conversations (closed_at DESC, id DESC) WHERE status = 'closed';
CREATE INDEX conversations_closed_channel_idx ON conversations (channel, closed_at DESC, id DESC) WHERE status = 'closed';
-- The list no longer orders by activity; these only cost writes now.
DROP INDEX conversations_open_activity_idx;
DROP INDEX conversations_channel_status_activity_idx;
DROP INDEX conversations_assignee_open_idx;
DROP INDEX conversations_activity_idx;
DROP INDEX conversations_channel_activity_idx;

-- Search: partial indexes for the working inbox (a common word then finds its few thousand open
-- conversations, not the closed ones of years past), full ones for searching the closed.
CREATE INDEX conversations_search_open_idx ON conversations USING gin (search_document) WHERE status <> 'closed';
CREATE INDEX conversations_messages_search_open_idx ON conversations USING gin (messages_document) WHERE status <> 'closed';
CREATE INDEX conversations_search_idx ON conversations USING gin (search_document);
CREATE INDEX conversations_messages_search_idx ON conversations USING gin (messages_document);
CREATE INDEX conversations_reference_trgm_idx ON conversations USING gin (reference gin_trgm_ops);
CREATE INDEX conversations_contact_search_open_idx ON conversations USING gin (contact_search gin_trgm_ops) WHERE status <> 'closed';
CREATE INDEX conversations_contact_search_idx ON conversations USING gin (contact_search gin_trgm_ops);

-- ── Counts of the working inbox ─────────────────────────────────────────────
-- Counting 100,000 open conversations on every inbox refresh costs tens of milliseconds of CPU.
-- Instead every change to a conversation appends what it did to the counts of its key (channel,
-- status, assignee, due soon, breached) — appended, never updated in place, so concurrent
-- transactions never wait on or deadlock over a shared counter row. Readers sum the deltas; the
-- reader that finds many rows folds them into one per key (server/inbox/counts.ts).
CREATE TABLE inbox_count_deltas (
  channel     text NOT NULL,
  status      text NOT NULL,
  assignee_id bigint,
  due_soon    boolean NOT NULL,
  breached    boolean NOT NULL,
  delta       integer NOT NULL
);

CREATE FUNCTION inbox_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO inbox_count_deltas
    SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false), breached, count(*)
      FROM new_rows WHERE status <> 'closed' GROUP BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO inbox_count_deltas
    SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false), breached, -count(*)
      FROM old_rows WHERE status <> 'closed' GROUP BY 1, 2, 3, 4, 5;
  ELSE
    -- Most updates (a new message, a preview) change no key: they net out and append nothing.
    INSERT INTO inbox_count_deltas
    SELECT channel, status, assignee_id, due_soon, breached, sum(delta)
      FROM (SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false) AS due_soon, breached, -1 AS delta
              FROM old_rows WHERE status <> 'closed'
            UNION ALL
            SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false), breached, 1
              FROM new_rows WHERE status <> 'closed') changes
     GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_counts_inserted AFTER INSERT ON conversations REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_changed();
CREATE TRIGGER inbox_counts_updated AFTER UPDATE ON conversations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_changed();
CREATE TRIGGER inbox_counts_deleted AFTER DELETE ON conversations REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_changed();
CREATE FUNCTION inbox_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM inbox_count_deltas;
  RETURN NULL;
END $$;
CREATE TRIGGER inbox_counts_truncated AFTER TRUNCATE ON conversations
  FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_truncated();
INSERT INTO inbox_count_deltas
SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false), breached, count(*)
  FROM conversations WHERE status <> 'closed' GROUP BY 1, 2, 3, 4, 5;

-- ── Canned answers ──────────────────────────────────────────────────────────
-- Texts with {naam}, {referentie} and {termijn} that agents insert into replies; supervisors manage them.
CREATE TABLE canned_answers (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  created_by bigint REFERENCES agents (id) ON DELETE SET NULL,
  updated_by bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
