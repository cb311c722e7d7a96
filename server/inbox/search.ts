// The inbox search: one text finds conversations by reference (also a part of it), by the contact's
// name or e-mail address (partial, case-insensitive), or by words in the subject or the messages
// (PostgreSQL full-text search with the Dutch configuration, so "aanvragen" finds "aanvraag").

/** Escapes LIKE's wildcards, so that "50%" or "a_b" are searched as typed. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * The search as one condition on the conversation `c`; `q` and `pattern` are the placeholders of
 * the text and its LIKE pattern. Every branch is an index condition (GIN on the two tsvectors,
 * trigram GIN on the reference and on the contact's name and address kept on the conversation),
 * so PostgreSQL ORs the bitmaps of the open conversations' partial indexes.
 */
export function searchCondition(q: string, pattern: string): string {
  const query = `websearch_to_tsquery('dutch', ${q})`;
  return `(c.search_document @@ ${query} OR c.messages_document @@ ${query} OR c.reference ILIKE ${pattern} OR c.contact_search ILIKE ${pattern})`;
}
