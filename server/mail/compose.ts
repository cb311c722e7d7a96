// Pure builders for the headers of outgoing mail: subject, Message-ID, References, safe names (issue 4, "Replies").
import { randomBytes } from 'node:crypto';
import { messageIdsIn } from './parse.ts';

/**
 * Reply and forward prefixes mail clients put before a subject, in the languages citizens write in:
 * Re, Aw (de), Antw/Antwoord (nl), Sv (sv, da, no), Vs (fi), Fw/Fwd, Doorst (nl), Wg (de), Tr (fr),
 * each possibly numbered ("Re[2]:", "RE(3):") and repeated ("RE: Antw: …").
 */
const PREFIXES = /^(?:\s*(?:re|aw|antw|antwoord|sv|vs|fwd?|doorst|wg|tr)\s*(?:\[\d+\]|\(\d+\))?\s*[:：])+\s*/i;
/** A subject longer than this is cut (with an ellipsis) before the reference is added. */
export const MAX_SUBJECT_CHARS = 200;
/** References kept in an outgoing chain; see {@link referencesChain}. */
export const MAX_REFERENCES = 20;

const FALLBACK_SUBJECT = { nl: 'Uw bericht', en: 'Your message' } as const;

/**
 * `Re: <subject> [BAL-…]`. Existing reply and forward prefixes are replaced by one "Re:", the
 * reference is added only when the subject does not already carry it, and a mail without a subject
 * gets "Uw bericht [BAL-…]" (there was nothing to say "Re:" to). Safe to put in a header.
 */
export function replySubject(subject: string, reference: string, lang: 'nl' | 'en' = 'nl'): string {
  const safeReference = headerSafe(reference);
  let base = headerSafe(subject).replace(PREFIXES, '').trim();
  if (base === '') return `${FALLBACK_SUBJECT[lang]} [${safeReference}]`;
  const chars = [...base];
  if (chars.length > MAX_SUBJECT_CHARS) base = `${chars.slice(0, MAX_SUBJECT_CHARS - 1).join('').trimEnd()}…`;
  const hasReference = base.toLowerCase().includes(safeReference.toLowerCase());
  return hasReference ? `Re: ${base}` : `Re: ${base} [${safeReference}]`;
}

/**
 * A new, globally unique Message-ID in header form, `<time.random@domain>` (RFC 5322 §3.6.4):
 * 96 random bits make a collision practically impossible; the time part only helps a human reading
 * logs. Incoming ids are stored without brackets (parse.ts): strip them when storing this one.
 * Throws RangeError on a domain that is not a plain host name (a configuration error).
 */
/** newMessageId without the angle brackets: how Balie stores and matches Message-IDs. */
export function newMessageIdValue(domain: string): string {
  return newMessageId(domain).slice(1, -1);
}

export function newMessageId(domain: string): string {
  const host = domain.trim().toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw new RangeError(`not a domain for a Message-ID: ${JSON.stringify(domain)}`);
  }
  return `<${Date.now().toString(36)}.${randomBytes(12).toString('hex')}@${host}>`;
}

/**
 * A Message-ID cannot be folded, and a header line may not pass 998 characters (RFC 5322 §2.1.1):
 * a longer id (issue 13.7 stores them whole) is left out of our In-Reply-To and References. A reply
 * to our mail still threads, by our own Message-ID.
 */
export function writableMessageId(id: string | null): string | null {
  return id !== null && id.length <= 900 ? id : null;
}

/**
 * The References of a reply: the parent's References followed by the parent's Message-ID
 * (RFC 5322 §3.6.4), ids without brackets (nodemailer adds them), without duplicates, the parent
 * last. A long chain keeps its first id (the thread root) and the most recent ones, as netnews
 * practice trims it (RFC 5537 §3.4.4): enough for every client to thread, and the header stays small.
 */
export function referencesChain(previous: readonly string[], inReplyTo: string | null): string[] {
  const parent = inReplyTo === null ? null : (messageIdsIn(inReplyTo)[0] ?? null);
  const chain: string[] = [];
  for (const id of messageIdsIn([...previous])) {
    if (id !== parent && !chain.includes(id) && writableMessageId(id) !== null) chain.push(id);
  }
  if (parent !== null && writableMessageId(parent) !== null) chain.push(parent);
  if (chain.length <= MAX_REFERENCES) return chain;
  return [chain[0]!, ...chain.slice(chain.length - (MAX_REFERENCES - 1))];
}

/**
 * Text that cannot break out of its header: CR and LF (and the Unicode line separators some
 * software turns into them) become spaces, other control characters and bidirectional overrides
 * (which make a name or subject display as something else) are removed, runs of white space
 * collapse. Use it on everything a citizen wrote that ends up in a header.
 */
export function headerSafe(value: string): string {
  return value
    .replace(/[\r\n\u0085\u2028\u2029\t\v\f]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// An addr-spec without quoted local parts or comments; anything that could start a second address
// (",", ";", "<") or a new header is refused rather than repaired.
const ADDRESS = /^[^\s<>()[\]\\,;:"@]+@[^\s<>()[\]\\,;:"@]+$/u;

/**
 * `"Name" <address>` for From/To, or just the address when there is no name. The name is made
 * header-safe and quoted with `\` escapes (RFC 5322 §3.2.4); nodemailer encodes non-ASCII names as
 * encoded-words (RFC 2047). Throws RangeError when `address` is not one plain address.
 */
export function formatAddress(name: string | null, address: string): string {
  const addr = address.trim();
  if (!ADDRESS.test(addr)) throw new RangeError(`not a single e-mail address: ${JSON.stringify(address)}`);
  const safeName = name === null ? '' : headerSafe(name);
  if (safeName === '') return addr;
  return `"${safeName.replace(/[\\"]/g, '\\$&')}" <${addr}>`;
}
