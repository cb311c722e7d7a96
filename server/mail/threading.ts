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

/** A conversation a reference in the subject names, and whether it knows the mail's sender. */
export interface ReferencedConversation {
  readonly id: number;
  readonly reference: string;
  /**
   * The sender (Reply-To, else From) is the conversation's contact or already wrote in it. Decided
   * by the database (server/mail/store.ts conversationsByReference).
   */
  readonly senderKnown: boolean;
}

export interface ThreadCandidates {
  /** The conversation whose mail a delivery report bounces. */
  readonly bounceOf?: number | undefined;
  /** The conversations the subject's references name, in the order of {@link ThreadHints.references}. */
  readonly byReference: readonly ReferencedConversation[];
  /** The conversation holding a Message-ID of In-Reply-To / References, most recent first. */
  readonly byMessageId?: number | undefined;
}

export interface ThreadChoice {
  /** The conversation the mail belongs to; undefined: it starts a new one. */
  readonly conversationId: number | undefined;
  readonly via: 'bounce' | 'reference' | 'message_id' | 'new';
  /**
   * The first reference the subject names that is not the chosen conversation's: shown to the agent
   * ("Noemt referentie BAL-…") so that a citizen writing from another address is recognised, and a
   * stranger quoting someone else's reference is seen for what it is.
   */
  readonly quotedReference: string | null;
}

/**
 * Where a mail belongs (issue 12, item 6). References are printed in every subject and numbered in
 * sequence: anyone can guess BAL-2026-000004. So a reference threads a mail only into a
 * conversation that knows its sender — its contact, or an address that already wrote in it.
 *
 * A Message-ID in In-Reply-To / References threads the mail whoever sends it. Balie's own
 * Message-IDs carry 96 random bits (compose.ts), and a citizen's are known only to the recipients
 * of that mail: whoever quotes one was sent the mail, by us or by the citizen (forwarded to a work
 * address, answered from an alias, a partner in Cc). That is the citizen's own sharing, and
 * refusing it would split their conversation; a guessed number is not. Such a sender then counts as
 * known to the conversation for later mail by reference.
 *
 * A bounce goes to the conversation of the mail it returns. A mail that quotes a reference it may
 * not write into starts a conversation of its own, which records the reference it quoted.
 */
export function chooseThread(hints: Pick<ThreadHints, 'references'>, candidates: ThreadCandidates): ThreadChoice {
  const quoted = (conversationId: number | undefined): string | null =>
    hints.references.find((reference) => !candidates.byReference.some((named) => named.reference === reference && named.id === conversationId)) ?? null;
  if (candidates.bounceOf !== undefined) return { conversationId: candidates.bounceOf, via: 'bounce', quotedReference: quoted(candidates.bounceOf) };
  const byReference = candidates.byReference.find((named) => named.senderKnown);
  if (byReference) return { conversationId: byReference.id, via: 'reference', quotedReference: quoted(byReference.id) };
  if (candidates.byMessageId !== undefined) return { conversationId: candidates.byMessageId, via: 'message_id', quotedReference: quoted(candidates.byMessageId) };
  return { conversationId: undefined, via: 'new', quotedReference: quoted(undefined) };
}

function unique(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => id.trim()).filter((id) => id !== '' && !seen.has(id) && (seen.add(id), true));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
