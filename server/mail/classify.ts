// Decides which incoming mail a machine wrote (issue 4, "Acknowledgement"; issue 13, item 3): such
// mail never gets an automatic acknowledgement, opens no deadline and reopens nothing.
import type { ParsedMail } from './parse.ts';

export type AcknowledgementBlocker = 'auto_reply' | 'bulk' | 'list' | 'bounce' | 'system_sender' | 'own_address' | 'no_sender';

/** Header fields by lowercased name, unfolded, in order of appearance (see {@link readHeaderFields}). */
export type HeaderFields = ReadonlyMap<string, readonly string[]>;

export interface ClassifyOptions {
  /** Addresses the gemeente sends from and receives on (MAIL_FROM, the IMAP mailbox, aliases). */
  readonly ownAddresses: readonly string[];
  /**
   * Every header field of the mail (readHeaderFields(raw)). Without it only the fields parse.ts
   * extracts (ParsedMail.headers) are looked at, and the list and vendor markers below go unseen.
   */
  readonly fields?: HeaderFields;
}

/**
 * Local parts of senders nobody reads: answering them is noise at best and a mail loop at worst.
 * Each alternative with where it comes from; a `+tag` or `-suffix` after it is allowed (VERP and
 * per-list addresses: `bounces+jan=example.nl@`, `noreply-12@`).
 */
const SYSTEM_LOCAL_PARTS: readonly RegExp[] = [
  // RFC 3834 §3.1: do not answer MAILER-DAEMON, "owner-" and "-request" addresses.
  /^mailer[-_.]?daemon$/,
  /^owner-.+$/,
  /^.+-request$/,
  // RFC 5321 §4.5.1 / RFC 2142 §5: the mail system's own mailbox; "post_master" in the wild (issue 13).
  /^post[-_.]?master$/,
  // Senders that say so themselves: noreply, no-reply, no_reply, donotreply, do-not-reply.
  /^no[-_.]?reply$/,
  /^do[-_.]?not[-_.]?reply$/,
  // Bounce handlers: VERP return addresses, Mailman's list-bounces, ezmlm's list-return-.
  /^bounces?$/,
  /^.+-bounces?$/,
  /^.+-return-.*$/,
  // List managers' own addresses: Majordomo, L-Soft LISTSERV, GNU Mailman, Mailman's list-owner.
  /^(?:majordomo|listserv|mailman)$/,
  /^.+-owner$/,
];

/** Outlook's automatic-reply subject prefixes in the languages a Dutch gemeente hears most. */
const OUTLOOK_AUTO_REPLY_SUBJECT =
  /^(?:automatic reply|automatisch antwoord|automatische antwort|réponse automatique|out of office|afwezig|respuesta automática|risposta automatica|automatisk svar|autosvar)\s*:/i;

/**
 * Why `mail` must not be acknowledged, or null when it may be: the machine-made kinds and the
 * senders Balie never answers. The order puts the most specific reason first, so the inbox can say
 * e.g. "bounce" rather than "auto_reply" for a DSN (which is also auto-submitted). "At most one per
 * sender per hour" needs the database and is checked there.
 */
export function acknowledgementBlocker(mail: ParsedMail, options: ClassifyOptions): AcknowledgementBlocker | null {
  const { headers } = mail;
  const fields = options.fields ?? new Map<string, readonly string[]>();
  const field = (name: string): string | null => fields.get(name)?.[0] ?? null;
  const parts = new Set(mail.attachments.map((part) => part.contentType));

  // RFC 3464 / RFC 6522: a delivery report, also one carried inside another multipart; RFC 5321
  // §4.5.5: the null reverse-path marks notifications that must not be answered, or two systems
  // bounce at each other forever.
  if (mail.deliveryReport !== null || headers.reportType === 'delivery-status' || headers.returnPathEmpty) return 'bounce';
  if (parts.has('message/delivery-status') || parts.has('message/global-delivery-status')) return 'bounce';
  if (mail.from === null) return 'no_sender';
  const own = new Set(options.ownAddresses.map((address) => address.trim().toLowerCase()));
  if (own.has(mail.from.address)) return 'own_address';
  if (isSystemLocalPart(mail.from.address.slice(0, mail.from.address.lastIndexOf('@')))) return 'system_sender';

  // RFC 3834 §5: any Auto-Submitted value other than "no" means no human wrote it (auto-replied,
  // auto-generated, auto-notified).
  if (headers.autoSubmitted !== null && keyword(headers.autoSubmitted) !== 'no') return 'auto_reply';
  // X-Autoreply / X-Autorespond: the markers vacation programs and webmail responders wrote before
  // RFC 3834 (and many still do); present at all means an answering machine wrote it.
  if (headers.xAutoreply !== null || headers.xAutorespond !== null) return 'auto_reply';
  // Apple iCloud Mail's vacation reply carries only "X-Apple-Action: VACATION" (issue 13).
  if (field('x-apple-action') !== null && keyword(field('x-apple-action')!) === 'vacation') return 'auto_reply';
  // Microsoft Exchange / Outlook: X-Auto-Response-Suppress (MS-OXCMAIL §2.1.3.2.20) is a *request*
  // that nobody auto-answer this mail, not a mark of who wrote it: Exchange puts "All" or
  // "DR, OOF, AutoReply" on ordinary mail too (e.g. mail through a distribution list, GLPI issue
  // 2170), and helpdesks that filtered on it lost people's mail (Jitbit, "Do not use
  // X-Auto-Response-Suppress"). Alone it decides nothing; together with the
  // automatic-reply subject Outlook writes ("Automatisch antwoord: …") it is Exchange's
  // out-of-office reply of servers that set no Auto-Submitted.
  const suppress = field('x-auto-response-suppress');
  if (suppress !== null && /\b(?:all|oof)\b/i.test(suppress) && OUTLOOK_AUTO_REPLY_SUBJECT.test(mail.subject)) return 'auto_reply';
  // Other reports (read receipts, RFC 8098; abuse feedback, RFC 5965 ARF — report-type
  // feedback-report, or its message/feedback-report part when a provider wraps it differently).
  if (headers.contentType === 'multipart/report' || parts.has('message/feedback-report')) return 'auto_reply';
  // Microsoft's Junk Mail Reporting Program (Outlook.com / Hotmail complaints) names the
  // complaining recipient in X-HmXmrOriginalRecipient, whatever shape the rest of the report has.
  if (fields.has('x-hmxmroriginalrecipient')) return 'auto_reply';

  const precedence = precedenceOf(headers.precedence ?? field('x-precedence'));
  // Precedence is not standardised (RFC 3834 §3.1.8 mentions it); some responders mark their
  // replies "Precedence: auto_reply". X-Precedence is the same field under an older name.
  if (precedence === 'auto_reply') return 'auto_reply';
  // Mailing lists: RFC 2919 List-Id; the RFC 2369 family (List-Help, List-Subscribe,
  // List-Unsubscribe — which RFC 8058 one-click needs too —, List-Post, List-Owner, List-Archive);
  // "Precedence: list".
  if (precedence === 'list' || headers.listId !== null || headers.listUnsubscribe !== null) return 'list';
  if (RFC_2369_FIELDS.some((name) => fields.has(name))) return 'list';
  // ezmlm / qmail write "Mailing-List: contact list-help@…; run by ezmlm"; SmartList and others
  // "X-Mailing-List"; fml writes "X-MLServer" and its "X-ML-Name", "X-ML-Count", "X-ML-Info";
  // GNU Mailman "X-Mailman-Version" and its loop marker "X-BeenThere".
  if (fields.has('mailing-list') || fields.has('x-mailing-list') || fields.has('x-mlserver') || fields.has('x-mailman-version') || fields.has('x-beenthere')) return 'list';
  for (const name of fields.keys()) if (name.startsWith('x-ml-')) return 'list';
  if (precedence === 'bulk' || precedence === 'junk') return 'bulk';
  return null;
}

/** The local part, without a `+tag`, or any part of it before a `-`, is a robot's. */
function isSystemLocalPart(address: string): boolean {
  const local = address.toLowerCase().replace(/\+.*$/, '');
  const candidates = [local, ...[...local.matchAll(/-/g)].map((match) => local.slice(0, match.index))];
  return candidates.some((candidate) => SYSTEM_LOCAL_PARTS.some((pattern) => pattern.test(candidate)));
}

/** RFC 2369 §3 (and §3.1–3.6): the list command fields; any one marks list traffic. */
const RFC_2369_FIELDS = ['list-help', 'list-subscribe', 'list-unsubscribe', 'list-post', 'list-owner', 'list-archive'];

function precedenceOf(value: string | null): string | null {
  return value === null ? null : keyword(value).replace(/-/g, '_');
}

/** The keyword of a structured header value, without parameters or comments: "Auto-Replied; x=1 (oof)" → "auto-replied". */
function keyword(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').split(';')[0]!.trim().toLowerCase();
}

/**
 * The header fields of a raw mail (RFC 5322 §2.2): names lowercased, folded lines unfolded
 * (§2.2.3), runs of white space one space. Only the header block is read; a mail without a body (an oversize
 * stub) works as well. Bytes are read as Latin-1: the names and the markers looked for are ASCII.
 */
export function readHeaderFields(raw: Buffer): Map<string, string[]> {
  const scan = raw.subarray(0, 1024 * 1024).toString('latin1');
  const end = scan.search(/\r?\n\r?\n/);
  const block = end === -1 ? scan : scan.slice(0, end);
  const fields = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).replace(/[ \t]+/g, ' ').trim()]);
  }
  return fields;
}
