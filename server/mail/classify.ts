// Decides which incoming mail must never get an automatic acknowledgement (issue 4, "Acknowledgement").
import type { ParsedMail } from './parse.ts';

export type AcknowledgementBlocker = 'auto_reply' | 'bulk' | 'list' | 'bounce' | 'system_sender' | 'own_address' | 'no_sender';

export interface ClassifyOptions {
  /** Addresses the gemeente sends from and receives on (MAIL_FROM, the IMAP mailbox, aliases). */
  readonly ownAddresses: readonly string[];
}

/**
 * Local parts of senders nobody reads: answering them is noise at best and a mail loop at worst.
 * RFC 3834 §3.1 asks responders not to answer "owner-", "-request" and MAILER-DAEMON addresses too.
 */
const SYSTEM_LOCAL_PART =
  /^(?:mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|owner-.+|.+-request)(?:[+-].*)?$/i;

/**
 * Why `mail` must not be acknowledged, or null when it may be. The order puts the most specific
 * reason first, so the inbox can say e.g. "bounce" rather than "auto_reply" for a DSN (which is
 * also auto-submitted). "At most one per sender per hour" needs the database and is checked there.
 */
export function acknowledgementBlocker(mail: ParsedMail, options: ClassifyOptions): AcknowledgementBlocker | null {
  const { headers } = mail;
  // RFC 3464 / RFC 6522: a delivery report; RFC 5321 §4.5.5: the null reverse-path marks
  // notifications that must not be answered, or two systems bounce at each other forever.
  if (mail.deliveryReport !== null || headers.reportType === 'delivery-status' || headers.returnPathEmpty) return 'bounce';
  if (mail.from === null) return 'no_sender';
  const own = new Set(options.ownAddresses.map((address) => address.trim().toLowerCase()));
  if (own.has(mail.from.address)) return 'own_address';
  const localPart = mail.from.address.slice(0, mail.from.address.lastIndexOf('@'));
  if (SYSTEM_LOCAL_PART.test(localPart)) return 'system_sender';
  // RFC 3834 §5: any Auto-Submitted value other than "no" means no human wrote it (auto-replied,
  // auto-generated, auto-notified). X-Autoreply / X-Autorespond are older equivalents.
  if (headers.autoSubmitted !== null && keyword(headers.autoSubmitted) !== 'no') return 'auto_reply';
  if (headers.xAutoreply !== null || headers.xAutorespond !== null) return 'auto_reply';
  // Other reports (read receipts, RFC 8098; abuse feedback, RFC 5965) are machine-made too.
  if (headers.contentType === 'multipart/report') return 'auto_reply';
  // RFC 2919 List-Id, RFC 2369 List-Unsubscribe (RFC 8058 one-click needs it too).
  const precedence = headers.precedence === null ? null : keyword(headers.precedence);
  if (precedence === 'list' || headers.listId !== null || headers.listUnsubscribe !== null) return 'list';
  if (precedence === 'bulk' || precedence === 'junk') return 'bulk';
  return null;
}

/** The keyword of a structured header value, without parameters or comments: "Auto-Replied; x=1 (oof)" → "auto-replied". */
function keyword(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').split(';')[0]!.trim().toLowerCase();
}
