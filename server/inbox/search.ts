// The inbox search: one text finds conversations by reference (also a part of it), by the contact's
// name or e-mail address (partial, case-insensitive), or by words in the subject or the messages
// (PostgreSQL full-text search with the Dutch configuration, so "aanvragen" finds "aanvraag").

/** Escapes LIKE's wildcards, so that "50%" or "a_b" are searched as typed. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * A contact search matches at most this many contacts: a fragment like "jan" may match tens of
 * thousands of names, and an inbox search for it is not a report of all of them.
 */
export const MAX_CONTACT_MATCHES = 5000;

/**
 * The search as one condition on the conversation `c`; `q` and `pattern` are the placeholders of
 * the text and its LIKE pattern. Every branch is an index condition (GIN on the two tsvectors,
 * trigram GIN on the reference, the contact's conversations by contact_id), so PostgreSQL can
 * OR the bitmaps — or, when many match, walk the inbox order and stop after one page.
 */
export function searchCondition(q: string, pattern: string): string {
  const query = `websearch_to_tsquery('dutch', ${q})`;
  return `(c.search_document @@ ${query} OR c.messages_document @@ ${query} OR c.reference ILIKE ${pattern}
           OR c.contact_id = ANY (ARRAY(SELECT sct.id FROM contacts sct WHERE sct.name ILIKE ${pattern} OR sct.email ILIKE ${pattern} LIMIT ${MAX_CONTACT_MATCHES})))`;
}
