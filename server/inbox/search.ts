// The inbox search: one text finds conversations by reference (also a part of it), by the contact's
// name or e-mail address (partial, case-insensitive), or by words in the subject or the messages —
// with Dutch stemming ("aanvragen" finds "aanvraag"), by prefix ("lantaarn" finds "lantaarnpaal")
// and inside compounds ("vergunning" finds "omgevingsvergunning"), through the lexicon of 0009.
import type { Db } from '../db/index.ts';

/** Escapes LIKE's wildcards, so that "50%" or "a_b" are searched as typed. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** A LIKE pattern that finds the text anywhere. */
export function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * A typed word is looked up inside longer words only from this many characters on: a shorter one
 * ("kap", "wet") would find hundreds of unrelated words ("kapot", "schaap"), so it matches by
 * prefix only.
 */
export const INFIX_FROM_CHARACTERS = 4;
/**
 * The most compounds one word brings into the query: those it is inside first, shortest first (the
 * closest to the word), then those it starts.
 * Words that begin with it count too (for the estimate; the prefix query `vergunn:*` finds them all).
 */
export const MAX_COMPOUNDS_PER_WORD = 200;
/** Trigram indexes need three characters; shorter partial text matches nothing useful. */
const MIN_PARTIAL_CHARACTERS = 3;

/** Token types of PostgreSQL's parser that are words (prefix and compounds apply). */
const WORD_TOKENS = new Set(['asciiword', 'word', 'numword', 'asciihword', 'hword', 'numhword', 'hword_asciipart', 'hword_part', 'hword_numpart']);

export interface SearchWord {
  /** The word as typed. */
  token: string;
  /** tsquery (text form) for the subject and messages documents. */
  query: string;
  /**
   * The same without the prefix operator, as the lexicon's words that start with the word: what
   * PostgreSQL estimates the matches by (its statistics know lexemes; a prefix it cannot estimate,
   * and guesses one in twenty-five whether the word is rare or common).
   */
  estimate: string;
  /** LIKE pattern for the contact's name and address, when the text has more than one typed word. */
  partial: string | null;
}

/** A search text, prepared once per request: see {@link prepareSearch}. */
export interface SearchTerms {
  text: string;
  /**
   * The text is a whole reference ("BAL-2026-000123", also typed "bal 2026 000123"): found by
   * equality on the unique index of references, the one conversation it names. A partial match
   * over a million references costs 50–120 ms, since the trigrams of "BAL-2026-" are in every row.
   */
  reference: string | null;
  /** Partial match of the whole text on the reference and the contact's name and address. */
  partial: string | null;
  /** Every word must match (in the subject, a message, or the contact); stop words are left out. */
  words: SearchWord[];
}

/** A lexeme quoted for tsquery's text form ('it''s', with backslashes escaped). */
function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * A reference read out on the phone ("BAL 2026 000123", "2026 000123") is typed with spaces;
 * references are stored with hyphens.
 */
function referenceText(text: string): string {
  const spoken = /^(?:([a-z]{2,6})[\s-]+)?(\d{4})[\s-]+(\d{1,9})$/i.exec(text);
  if (!spoken) return text;
  return [spoken[1]?.toUpperCase(), spoken[2], spoken[3]].filter(Boolean).join('-');
}

/**
 * Splits the text into words with the Dutch configuration (the one the documents were built with,
 * so the stems agree), and finds in the lexicon the longer words each one occurs in. One query.
 */
export async function prepareSearch(db: Db, text: string): Promise<SearchTerms> {
  const whole = referenceText(text.trim());
  if (/^[a-z]{2,6}-\d{4}-\d{6,}$/i.test(whole)) return { text, reference: whole.toUpperCase(), partial: null, words: [] };
  const { rows } = await db.query<{ token: string; alias: string; lexeme: string; compounds: string[] | null }>(
    `SELECT t.token, t.alias, l.lexeme,
            CASE WHEN t.alias = ANY ($2) AND char_length(t.token) >= $3 THEN
              ARRAY(SELECT s.lexeme FROM search_lexemes s
                     WHERE s.lexeme LIKE '%_' || escaped.stem || '%' OR s.lexeme LIKE '%_' || escaped.in_compound || '%'
                        OR s.lexeme LIKE escaped.stem || '_%'
                     GROUP BY s.lexeme ORDER BY s.lexeme LIKE escaped.stem || '%', char_length(s.lexeme), s.lexeme LIMIT $4)
            END AS compounds
       FROM ts_debug('dutch', $1) WITH ORDINALITY AS t
      CROSS JOIN LATERAL unnest(t.lexemes) AS l(lexeme)
      -- A word is stemmed differently at the end of a compound: "stalling" stays "stalling",
      -- "fietsenstalling" becomes "fietsenstall". Stemming it behind a head word gives its stem
      -- inside a compound ("gemeentestalling" → "gemeentestall" → "stall").
      CROSS JOIN LATERAL (SELECT CASE WHEN left(h.stem, 8) = 'gemeente' THEN substr(h.stem, 9) END AS in_compound
                           FROM (SELECT (ts_lexize('dutch_stem', 'gemeente' || lower(t.token)))[1] AS stem) h) i
      CROSS JOIN LATERAL (SELECT replace(replace(replace(l.lexeme, '\\', '\\\\'), '%', '\\%'), '_', '\\_') AS stem,
                                 replace(replace(replace(coalesce(nullif(i.in_compound, ''), l.lexeme), '\\', '\\\\'), '%', '\\%'), '_', '\\_') AS in_compound) escaped
      ORDER BY t.ordinality`,
    [text, [...WORD_TOKENS], INFIX_FROM_CHARACTERS, MAX_COMPOUNDS_PER_WORD],
  );
  const byToken = new Map<string, { token: string; word: boolean; lexemes: Set<string>; compounds: Set<string> }>();
  for (const row of rows) {
    // A word the configuration splits further (a hyphenated one) arrives as parts of its own.
    const key = row.token.toLowerCase();
    const entry = byToken.get(key) ?? { token: row.token, word: WORD_TOKENS.has(row.alias), lexemes: new Set(), compounds: new Set() };
    entry.lexemes.add(row.lexeme);
    for (const compound of row.compounds ?? []) entry.compounds.add(compound);
    byToken.set(key, entry);
  }
  // "Jan Lindelaan": each typed word may also be in the contact's name or address. Not the parts
  // the parser finds in one typed word ("jan.devries@example", "BAL-2026-000123"): "example" alone
  // would find every contact; the whole text is matched partially anyway.
  const typed = new Set(text.trim().toLowerCase().split(/\s+/));
  const several = typed.size > 1;
  const words = [...byToken.values()].map(({ token, word, lexemes, compounds }): SearchWord => {
    // Numbers, e-mail addresses and the like match as they are; words also by prefix and inside compounds.
    const alternatives = [...lexemes].flatMap((lexeme) => (word ? [`${quoteLexeme(lexeme)}:*`] : [quoteLexeme(lexeme)]));
    const explicit = [...lexemes].map(quoteLexeme);
    for (const compound of compounds) {
      explicit.push(quoteLexeme(compound));
      // Words that start with it are in the query already, by its prefix.
      if (![...lexemes].some((lexeme) => compound.startsWith(lexeme))) alternatives.push(quoteLexeme(compound));
    }
    return {
      token,
      query: alternatives.join(' | '),
      estimate: explicit.join(' | '),
      partial: several && word && token.length >= MIN_PARTIAL_CHARACTERS && typed.has(token.toLowerCase()) ? likePattern(token) : null,
    };
  });
  return { text, reference: null, partial: whole.length >= MIN_PARTIAL_CHARACTERS ? likePattern(whole) : null, words };
}

/**
 * The search as one condition on the conversation `c`; `add` returns the placeholder of a value.
 * Every branch is an index condition (GIN on the two tsvectors, trigram GIN on the reference and
 * on the contact's name and address kept on the conversation), so PostgreSQL can answer it with a
 * bitmap of the indexes — partial ones (0006) for open work, full ones for the history.
 */
export function searchCondition(terms: SearchTerms, add: (value: unknown) => string, forEstimate = false): string {
  if (terms.reference) return `c.reference = ${add(terms.reference)}`;
  const branches: string[] = [];
  if (terms.partial) {
    const pattern = add(terms.partial);
    branches.push(`c.reference ILIKE ${pattern}`, `c.contact_search ILIKE ${pattern}`);
  }
  if (terms.words.length > 0) {
    const all = terms.words.map((word) => {
      const query = `${add(forEstimate ? word.estimate : word.query)}::tsquery`;
      const either = [`c.search_document @@ ${query}`, `c.messages_document @@ ${query}`];
      if (word.partial) either.push(`c.contact_search ILIKE ${add(word.partial)}`);
      return `(${either.join(' OR ')})`;
    });
    branches.push(all.length === 1 ? all[0]! : `(${all.join(' AND ')})`);
  }
  return branches.length === 0 ? 'false' : `(${branches.join(' OR ')})`;
}
