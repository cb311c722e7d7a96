-- Search the whole history (issue 11, item 6): a lexicon of the words Balie has seen, so that a
-- word typed in the inbox also finds the Dutch compounds that contain it ("vergunning" finds
-- "omgevingsvergunning", "lantaarn" finds "lantaarnpaal").
-- Released migrations are never edited; add a new file instead.
--
-- Why a lexicon and not a trigram index on the text: the conversations' search documents (0006)
-- already hold every word, stemmed by the Dutch configuration, behind GIN indexes (open and all).
-- What they cannot do is match inside a word: a tsquery prefix ('vergunn:*') finds
-- "vergunningaanvraag" but never "omgevingsvergunning". A trigram index over a million
-- conversations' text would answer '%vergunn%', but every match must then be re-checked against
-- the text, and a common word re-checks a third of the table. Instead the search looks the typed
-- word up in this lexicon of distinct stemmed words (tens of thousands of rows, a trigram index),
-- and ORs the compounds it finds into the tsquery, which the existing GIN indexes answer exactly.
-- See server/inbox/search.ts.

-- Stemmed words (lexemes of the 'dutch' configuration) that a typed word can be found inside:
-- letters only (no numbers, addresses or fragments) and at least five of them, since a compound
-- holds a word of four letters or more plus something before it.
-- Not unique on purpose: a writer adds only the words it does not see yet, without waiting for
-- other writers' uncommitted words, so mail ingest and replies never wait on or deadlock over the
-- lexicon; two writers adding the same new word at once leave a harmless duplicate, which the
-- search collapses and search_lexemes_rebuild() removes.
CREATE TABLE search_lexemes (
  lexeme text COLLATE "C" NOT NULL
);
CREATE INDEX search_lexemes_lexeme_idx ON search_lexemes (lexeme);
CREATE INDEX search_lexemes_trgm_idx ON search_lexemes USING gin (lexeme gin_trgm_ops);

/** The words of a search document that belong in the lexicon. */
CREATE FUNCTION search_lexicon_words(document tsvector) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT word FROM unnest(tsvector_to_array(document)) AS word WHERE word ~ '^[[:alpha:]]{5,60}$';
$$;

-- New messages and notes: their words, parsed as the message trigger of 0006 parses them for the
-- conversation's document (same configuration, same first 20,000 characters). Parsing the new
-- message again costs a fraction of a millisecond per message; reading the new words out of the
-- conversation's whole document instead would cost in proportion to the conversation's size.
CREATE FUNCTION search_lexemes_from_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_lexemes (lexeme)
  SELECT DISTINCT word
    FROM new_rows m, search_lexicon_words(to_tsvector('dutch', left(m.body_text, 20000))) AS word
   WHERE m.kind <> 'system'
     AND NOT EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = word);
  RETURN NULL;
END $$;
CREATE TRIGGER search_lexemes_messages AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_lexemes_from_messages();

-- Subjects: search_document is generated from the subject (0006).
CREATE FUNCTION search_lexemes_from_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_lexemes (lexeme)
  SELECT DISTINCT word
    FROM new_rows c, search_lexicon_words(c.search_document) AS word
   WHERE NOT EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = word);
  RETURN NULL;
END $$;
CREATE TRIGGER search_lexemes_conversations AFTER INSERT ON conversations REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_lexemes_from_conversations();
CREATE FUNCTION search_lexemes_from_subject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_lexemes (lexeme)
  SELECT DISTINCT word FROM search_lexicon_words(NEW.search_document) AS word
   WHERE NOT EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = word);
  RETURN NULL;
END $$;
CREATE TRIGGER search_lexemes_subject AFTER UPDATE OF subject ON conversations
  FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION search_lexemes_from_subject();

/**
 * Brings the lexicon back to the words of the conversations' documents: adds what is missing,
 * removes duplicates and words no document holds any more (after an erasure under the AVG, or
 * after conversations were deleted). Returns how many it added and removed, so that a reconcile
 * job can report drift: on a lexicon the triggers kept, both are 0 (duplicates from a race aside).
 */
CREATE FUNCTION search_lexemes_rebuild(OUT added bigint, OUT removed bigint) LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMPORARY TABLE search_lexemes_wanted ON COMMIT DROP AS
    SELECT DISTINCT word AS lexeme
      FROM conversations c, search_lexicon_words(c.search_document || c.messages_document) AS word;
  CREATE INDEX ON search_lexemes_wanted (lexeme);
  -- Statistics first, so that the lookups below probe the indexes (see the INSERT).
  ANALYZE search_lexemes_wanted;
  ANALYZE search_lexemes;
  WITH gone AS (
    DELETE FROM search_lexemes s
     WHERE NOT EXISTS (SELECT 1 FROM search_lexemes_wanted w WHERE w.lexeme = s.lexeme)
        OR s.ctid <> (SELECT min(d.ctid) FROM search_lexemes d WHERE d.lexeme = s.lexeme)
     RETURNING 1)
  SELECT count(*) INTO removed FROM gone;
  -- What is missing is found before anything is inserted: an INSERT that looks for its own table's
  -- rows while it fills that table reads every row it inserted again for each one (the planner
  -- sees an empty table and scans it), which on the backfill of a million conversations took
  -- longer than ten minutes instead of one.
  DELETE FROM search_lexemes_wanted w WHERE EXISTS (SELECT 1 FROM search_lexemes s WHERE s.lexeme = w.lexeme);
  INSERT INTO search_lexemes (lexeme) SELECT lexeme FROM search_lexemes_wanted;
  GET DIAGNOSTICS added = ROW_COUNT;
  DROP TABLE search_lexemes_wanted;
END $$;

-- Backfill from the documents of every conversation, open and closed.
SELECT search_lexemes_rebuild();
ANALYZE search_lexemes;
