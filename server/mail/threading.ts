// What an incoming mail says about the conversation it belongs to (issue 4, "Threading").
import { formatReference, referencePattern } from '../conversations/references.ts';
import type { ParsedMail } from './parse.ts';

export interface ThreadHints {
  /**
   * Conversation references (e.g. `BAL-2026-000123`) in the subject, in order of appearance,
   * written with the configured prefix. The subject only: a body quotes signatures, forwarded
   * mail and older conversations, so a reference there says much less about this mail.
   */
  readonly references: string[];
  /** Every Message-ID in In-Reply-To and References, most recent first, without duplicates. */
  readonly messageIds: string[];
}

/** Enough to find any real thread; a header with thousands of ids must not become thousands of lookups. */
export const MAX_THREAD_IDS = 50;

/**
 * Hints to look up, in this order: the references, then the message ids. In-Reply-To comes first
 * (the parent the client names), then References from newest to oldest (RFC 5322 §3.6.4 appends
 * each parent at the end). All of them count: Outlook users can end up with an In-Reply-To that
 * points elsewhere while References still carries the chain. The thread root (the first References
 * entry) is kept even when the list is cut to {@link MAX_THREAD_IDS}.
 */
export function threadHints(mail: Pick<ParsedMail, 'subject' | 'inReplyTo' | 'references'>, referencePrefix: string): ThreadHints {
  const pattern = referencePattern(escapeRegExp(referencePrefix));
  // Citizens retype references in any case ("bal-2026-123456"); the stored form uses the prefix as configured.
  const everywhere = new RegExp(pattern.source, 'gi');
  const references: string[] = [];
  for (const match of mail.subject.matchAll(everywhere)) {
    const reference = formatReference(referencePrefix, Number(match[1]), Number(match[2]));
    if (!references.includes(reference)) references.push(reference);
  }
  const ordered = unique([...mail.inReplyTo, ...[...mail.references].reverse()]);
  const root = mail.references[0];
  let messageIds = ordered.slice(0, MAX_THREAD_IDS);
  if (root !== undefined && ordered.length > MAX_THREAD_IDS && !messageIds.includes(root)) {
    messageIds = [...messageIds.slice(0, MAX_THREAD_IDS - 1), root];
  }
  return { references, messageIds };
}

function unique(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => id.trim()).filter((id) => id !== '' && !seen.has(id) && (seen.add(id), true));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
