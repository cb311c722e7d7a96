-- The write path (issue 17, item 2): a stored message rewrites its conversation once instead of
-- twice, parses its text once instead of twice, and open conversations no longer carry the search
-- indexes of the history.
-- Released migrations are never edited; add a new file instead.
--
-- Measured by `npm run bench:write` (bench/write-path.bench.ts) and `npm run bench:mail`; figures
-- in docs/benchmarks.md.

-- ── One conversation rewrite per message ────────────────────────────────────
-- 0006's message trigger updated the conversation twice — the waiting time and preview, then the
-- search document — and 0009's trigger parsed the same text a second time for the lexicon. Every
-- UPDATE of a conversation is a new row version with an entry in each of its indexes (the sort
-- keys change, so it is never a HOT update), the TOASTed document included. Here the documents
-- of the new messages are parsed once per conversation, and one UPDATE sets the waiting time, the
-- preview and the document together; the lexicon takes its words from those documents.
-- What is computed is unchanged: the same first 20,000 characters of each message and note, the
-- same 600,000-byte cap on a document, the preview and waiting time of inbox_refresh_messages().
CREATE OR REPLACE FUNCTION inbox_messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH touched AS (
    SELECT conversation_id AS id, bool_or(kind = 'message') AS refresh,
           to_tsvector('dutch', string_agg(left(body_text, 20000), E'\n' ORDER BY id)) AS document
      FROM new_rows WHERE kind <> 'system' GROUP BY conversation_id
  ), keys AS (
    SELECT t.id, t.refresh, t.document,
           (SELECT min(m.created_at) FROM messages m
             WHERE m.conversation_id = t.id AND m.direction = 'in' AND m.kind = 'message'
               AND m.id > coalesce((SELECT max(o.id) FROM messages o
                                     WHERE o.conversation_id = t.id AND o.direction = 'out' AND o.kind = 'message'), 0)) AS waiting_since,
           coalesce((SELECT left(btrim(regexp_replace(left(p.body_text, 600), '\s+', ' ', 'g')), 140) FROM messages p
                      WHERE p.conversation_id = t.id AND p.kind = 'message' ORDER BY p.id DESC LIMIT 1), '') AS preview
      FROM touched t
  ), rewritten AS (
    -- Runs once, to completion, though nothing reads it (a data-modifying WITH).
    UPDATE conversations c
       SET waiting_since = CASE WHEN n.refresh THEN n.waiting_since ELSE c.waiting_since END,
           preview = CASE WHEN n.refresh THEN n.preview ELSE c.preview END,
           messages_document = CASE WHEN octet_length(c.messages_document::text) + octet_length(n.document::text) < 600000
                                    THEN c.messages_document || n.document ELSE c.messages_document END
      FROM keys n
     WHERE c.id = n.id
       AND ((n.refresh AND (c.waiting_since, c.preview) IS DISTINCT FROM (n.waiting_since, n.preview))
            OR (n.document <> ''::tsvector AND octet_length(c.messages_document::text) + octet_length(n.document::text) < 600000))
  )
  -- The lexicon (0009): words it does not hold yet, from the documents just parsed.
  INSERT INTO search_lexemes (lexeme)
  SELECT DISTINCT word
    FROM touched t, search_lexicon_words(t.document) AS word
   WHERE NOT EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = word);
  RETURN NULL;
END $$;
DROP TRIGGER search_lexemes_messages ON messages;
DROP FUNCTION search_lexemes_from_messages();

-- ── Search indexes: open work and the history apart ─────────────────────────
-- The list reads open work with `status <> 'closed'` and the history with `status = 'closed'`
-- (server/inbox/list.ts partsOf, filterConditions), never both in one scan. 0006 kept a partial
-- index for open work and a full one over every conversation: each new version of an open
-- conversation went into both, the GIN ones with every word of its document. The history's
-- indexes now hold the closed conversations only; an open conversation is in each index once.
DROP INDEX conversations_search_idx;
DROP INDEX conversations_messages_search_idx;
DROP INDEX conversations_contact_search_idx;
DROP INDEX conversations_reference_trgm_idx;
CREATE INDEX conversations_search_closed_idx ON conversations USING gin (search_document) WHERE status = 'closed';
CREATE INDEX conversations_messages_search_closed_idx ON conversations USING gin (messages_document) WHERE status = 'closed';
CREATE INDEX conversations_contact_search_closed_idx ON conversations USING gin (contact_search gin_trgm_ops) WHERE status = 'closed';
CREATE INDEX conversations_reference_trgm_open_idx ON conversations USING gin (reference gin_trgm_ops) WHERE status <> 'closed';
CREATE INDEX conversations_reference_trgm_closed_idx ON conversations USING gin (reference gin_trgm_ops) WHERE status = 'closed';

-- Kept: conversations_inbox_counts_idx. The inbox's counts are summed from inbox_count_deltas,
-- but the reconcile job recounts open work from it (server/reconcile/reconcile.ts), an index-only
-- scan instead of a scan of every conversation ever closed.
