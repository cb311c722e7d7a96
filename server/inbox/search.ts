// The inbox search: one text finds conversations by reference (also a part of it), by the contact's
// name or e-mail address (partial, case-insensitive), or by words in the subject or the messages
// (PostgreSQL full-text search with the Dutch configuration, so "aanvragen" finds "aanvraag").

/** Escapes LIKE's wildcards, so that "50%" or "a_b" are searched as typed. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * SQL for the ids of the conversations that match; `$q` and `$pattern` are the parameter
 * placeholders of the text and its LIKE pattern. Each branch is answered by its own index (GIN on
 * the tsvectors, trigram GIN on references, names and addresses); the union is joined to the list.
 */
export function searchHits(q: string, pattern: string): string {
  const query = `websearch_to_tsquery('dutch', ${q})`;
  return `SELECT s.id FROM conversations s WHERE s.search_document @@ ${query} OR s.reference ILIKE ${pattern}
          UNION SELECT sc.id FROM contacts sct JOIN conversations sc ON sc.contact_id = sct.id
                 WHERE sct.name ILIKE ${pattern} OR sct.email ILIKE ${pattern}
          UNION SELECT sm.conversation_id FROM messages sm WHERE sm.kind <> 'system' AND sm.search_document @@ ${query}`;
}
