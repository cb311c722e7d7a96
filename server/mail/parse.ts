// Turns a raw RFC 5322 message into the plain, normalised data the e-mail channel stores (issue 4, "Parsing").
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { AddressObject, EmailAddress, ParsedMail as MailparserMail } from 'mailparser';
import { parseMime } from './mime-parser.ts';
import { referencedContentIds, sanitizeMailHtml, textFromSanitizedHtml } from './sanitize.ts';

export interface MailAddress {
  /** Display name, encoded-words (RFC 2047) decoded; null when the header gives none. */
  readonly name: string | null;
  /** Lowercased; an IDN domain as Unicode. */
  readonly address: string;
}

export interface MailAttachment {
  /** Decoded (RFC 2231 / RFC 2047) file name without any path; null when the part has none. */
  readonly filename: string | null;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: Buffer;
  /** Content-ID without angle brackets (RFC 2392), for `cid:` images. */
  readonly contentId: string | null;
  /** True when the sanitised HTML shows this part as a `cid:` image; the inbox need not list it separately. */
  readonly inline: boolean;
  readonly content: Buffer;
}

/** The raw values of the headers that decide whether a mail may be acknowledged (see classify.ts). */
export interface ClassificationHeaders {
  /** RFC 3834 §5. */
  readonly autoSubmitted: string | null;
  readonly xAutoreply: string | null;
  readonly xAutorespond: string | null;
  /** Not standardised (RFC 3834 §3.1.8 mentions it); `bulk`, `junk` and `list` are in common use. */
  readonly precedence: string | null;
  /** RFC 2919. */
  readonly listId: string | null;
  /** RFC 2369 (and RFC 8058's one-click variant, which needs this header too). */
  readonly listUnsubscribe: string | null;
  /** The Return-Path the final MTA recorded from MAIL FROM (RFC 5321 §4.4), as written. */
  readonly returnPath: string | null;
  /** `Return-Path: <>`: the null reverse-path of bounces and other notifications (RFC 5321 §4.5.5). */
  readonly returnPathEmpty: boolean;
  /** Lowercased media type of the whole message; text/plain when absent (RFC 2045 §5.2). */
  readonly contentType: string;
  /** The report-type parameter of multipart/report (RFC 6522), lowercased. */
  readonly reportType: string | null;
}

/** What a delivery-status notification (RFC 3464) says about the message it bounces. */
export interface DeliveryReport {
  /** Message-ID of the bounced message, from its returned message/rfc822 or text/rfc822-headers part. */
  readonly originalMessageId: string | null;
  /** Final-Recipient (else Original-Recipient) without its address type, e.g. `jan@example.nl`. */
  readonly recipient: string | null;
  /** RFC 3463 status code, e.g. `5.1.1`. */
  readonly status: string | null;
  /** Diagnostic-Code without its type, e.g. `550 5.1.1 User unknown`. */
  readonly diagnostic: string | null;
}

export interface ParsedMail {
  /** Without angle brackets; case kept (the local part is case-sensitive, RFC 5322 §3.6.4). */
  readonly messageId: string | null;
  readonly inReplyTo: string[];
  /** Oldest first, as in the header. */
  readonly references: string[];
  /** Decoded; '' when absent. */
  readonly subject: string;
  readonly from: MailAddress | null;
  /** Where a reply should go when the sender asked for it (RFC 5322 §3.6.2). */
  readonly replyTo: MailAddress | null;
  readonly to: MailAddress[];
  readonly cc: MailAddress[];
  /** The Date header; null when absent or unreadable (never "now": that would break de-duplication). */
  readonly date: Date | null;
  /** Plain text; for HTML-only mail derived from the sanitised HTML. */
  readonly text: string;
  /** Sanitised HTML (sanitize.ts) with `cid:` images left for the server to rewrite; null when none. */
  readonly html: string | null;
  readonly attachments: MailAttachment[];
  readonly headers: ClassificationHeaders;
  readonly deliveryReport: DeliveryReport | null;
  /** Set when the mail was larger than allowed: only its header block was read. */
  readonly oversize: { readonly bytes: number } | null;
  /**
   * Set when the HTML body was larger than `htmlMaxBytes` (its size in bytes, UTF-8): `html` is
   * null, `text` is the text part (or the text of the HTML's beginning), and the whole HTML is the
   * attachment named {@link ORIGINAL_HTML_FILENAME}.
   */
  readonly htmlOmitted: { readonly bytes: number } | null;
  /** Why the mail could be read only in part; null when it parsed normally. */
  readonly parseError: string | null;
}

export interface ParseOptions {
  /** Larger mail is kept as a stub: headers only (MAIL_MAX_BYTES). */
  readonly maxBytes: number;
  /**
   * The mail's full size when `raw` holds only its header block (the poller does not download
   * the body of a mail it will not keep).
   */
  readonly size?: number;
  /** Larger HTML is not sanitised or shown but kept as an attachment (MAIL_HTML_MAX_BYTES). */
  readonly htmlMaxBytes?: number;
}

/** MAIL_HTML_MAX_BYTES's default: 2 MiB of markup sanitises in about a second. */
export const DEFAULT_HTML_MAX_BYTES = 2 * 1024 * 1024;
/** The attachment that holds an HTML body too large to show. */
export const ORIGINAL_HTML_FILENAME = 'bericht.html';

/** Where to look for the end of the header block of a mail whose body is not read. */
const HEADER_SCAN_BYTES = 1024 * 1024;
/** Header block used when no blank line ends it (garbage, or a header flood). */
const HEADER_FALLBACK_BYTES = 64 * 1024;

/**
 * Parses a raw message. Never throws: a malformed mail still becomes something an agent can see,
 * with `parseError` saying what went wrong. Mail larger than `maxBytes` is not decoded beyond its
 * header block and comes back with `oversize` set.
 */
export async function parseMail(raw: Buffer, options: ParseOptions): Promise<ParsedMail> {
  const size = options.size ?? raw.length;
  if (size > options.maxBytes) {
    return { ...(await parseHeaderBlock(raw)), oversize: { bytes: size } };
  }
  try {
    // cid: links are kept (parseMime): the server serves inline images itself, not as data: URLs.
    const mail = await parseMime(raw, {
      // The report is read into deliveryReport rather than appended to the text.
      keepDeliveryStatus: true,
      // Text for HTML-only mail is made from the sanitised HTML; these conversions are not used.
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
      checksumAlgo: false,
    });
    return await fromMailparser(mail, raw, options.htmlMaxBytes ?? DEFAULT_HTML_MAX_BYTES);
  } catch (error) {
    const stub = await parseHeaderBlock(raw);
    // Show the agent what there is: the body as text, undecoded.
    const body = raw.subarray(headerBlockEnd(raw) ?? 0).toString('utf8');
    return { ...stub, text: stripControls(body).trim(), parseError: errorMessage(error) };
  }
}

async function fromMailparser(mail: MailparserMail, raw: Buffer, htmlMaxBytes: number): Promise<ParsedMail> {
  const lines = headerValues(mail.headerLines ?? []);
  const headers = classificationHeaders(lines);
  const original = typeof mail.html === 'string' && mail.html.trim() !== '' ? mail.html : null;
  const originalBytes = original === null ? 0 : Buffer.byteLength(original);
  // Sanitising costs seconds per megabyte of markup (issue 12, item 1): past the cap the mail keeps
  // its text and the original HTML as an attachment, and shows no HTML.
  const omitted = original !== null && originalBytes > htmlMaxBytes;
  const html = original !== null && !omitted ? sanitizeMailHtml(original) : null;
  const plain = normaliseNewlines(mail.text ?? '');
  const text =
    plain.trim() !== ''
      ? plain
      : html !== null
        ? textFromSanitizedHtml(html)
        : omitted
          ? // HTML-only: the text of the markup's first htmlMaxBytes characters; the rest is in the attachment.
            textFromSanitizedHtml(sanitizeMailHtml(original.slice(0, htmlMaxBytes)))
          : '';
  const shown = html !== null ? referencedContentIds(html) : new Set<string>();
  const parts = mail.attachments.map((part): MailAttachment => {
    const contentId = part.contentId ? messageIdsIn(part.contentId)[0] ?? null : null;
    return {
      filename: safeFilename(part.filename),
      contentType: (part.contentType || 'application/octet-stream').toLowerCase(),
      size: part.content.length,
      sha256: createHash('sha256').update(part.content).digest(),
      contentId,
      inline: contentId !== null && shown.has(contentId),
      content: part.content,
    };
  });
  const attachments = omitted ? [...parts, originalHtmlAttachment(original)] : parts;
  const deliveryReport =
    headers.contentType === 'multipart/report' && headers.reportType === 'delivery-status' ? readDeliveryReport(attachments) : null;
  return {
    ...envelope(mail, lines),
    text,
    html,
    attachments,
    headers,
    deliveryReport,
    oversize: null,
    htmlOmitted: omitted ? { bytes: originalBytes } : null,
    parseError: raw.length === 0 ? 'empty message' : null,
  };
}

/** The HTML body that was too large to show, kept whole for the agent to download. */
function originalHtmlAttachment(html: string): MailAttachment {
  const content = Buffer.from(html, 'utf8');
  return {
    filename: ORIGINAL_HTML_FILENAME,
    contentType: 'text/html',
    size: content.length,
    sha256: createHash('sha256').update(content).digest(),
    contentId: null,
    inline: false,
    content,
  };
}

/** Headers, sender, subject and ids of a mail whose body is not (or cannot be) decoded. */
async function parseHeaderBlock(raw: Buffer): Promise<ParsedMail> {
  const end = headerBlockEnd(raw);
  const block = raw.subarray(0, end ?? Math.min(raw.length, HEADER_FALLBACK_BYTES));
  let mail: MailparserMail | null = null;
  let parseError: string | null = null;
  try {
    // An empty body after the block: nothing of the real body is read.
    mail = await parseMime(Buffer.concat([block, Buffer.from('\r\n\r\n')]), {
      skipHtmlToText: true,
      skipTextToHtml: true,
      checksumAlgo: false,
    });
  } catch (error) {
    parseError = errorMessage(error);
  }
  const lines = headerValues(mail?.headerLines ?? []);
  return {
    ...(mail ? envelope(mail, lines) : emptyEnvelope()),
    text: '',
    html: null,
    attachments: [],
    headers: classificationHeaders(lines),
    deliveryReport: null,
    oversize: null,
    htmlOmitted: null,
    parseError,
  };
}

type Envelope = Pick<ParsedMail, 'messageId' | 'inReplyTo' | 'references' | 'subject' | 'from' | 'replyTo' | 'to' | 'cc' | 'date'>;

function envelope(mail: MailparserMail, lines: Map<string, string[]>): Envelope {
  return {
    messageId: messageIdsIn(mail.messageId)[0] ?? null,
    inReplyTo: messageIdsIn(mail.inReplyTo),
    references: messageIdsIn(mail.references),
    subject: (mail.subject ?? '').replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    from: addressesIn(mail.from)[0] ?? null,
    replyTo: addressesIn(mail.replyTo)[0] ?? null,
    to: addressesIn(mail.to),
    cc: addressesIn(mail.cc),
    // mailparser puts the time of parsing in place of an unreadable Date: read the header ourselves.
    date: parseDateHeader(lines.get('date')?.[0] ?? null),
  };
}

function emptyEnvelope(): Envelope {
  return { messageId: null, inReplyTo: [], references: [], subject: '', from: null, replyTo: null, to: [], cc: [], date: null };
}

// ── Headers ────────────────────────────────────────────────────────────────

/** Unfolded values per lowercased header name, in order of appearance (RFC 5322 §2.2.3). */
function headerValues(headerLines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const { key, line } of headerLines) {
    const colon = line.indexOf(':');
    const value = (colon === -1 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
    const name = key.toLowerCase();
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}

function classificationHeaders(lines: Map<string, string[]>): ClassificationHeaders {
  const first = (name: string): string | null => lines.get(name)?.[0] ?? null;
  // The topmost Return-Path is the one the final delivery wrote; older ones may travel along.
  const returnPath = first('return-path');
  const contentType = parseContentType(first('content-type'));
  return {
    autoSubmitted: first('auto-submitted'),
    xAutoreply: first('x-autoreply'),
    xAutorespond: first('x-autorespond'),
    precedence: first('precedence'),
    listId: first('list-id'),
    listUnsubscribe: first('list-unsubscribe'),
    returnPath,
    returnPathEmpty: returnPath !== null && /^<\s*>$/.test(stripComments(returnPath).trim()),
    contentType: contentType.type,
    reportType: contentType.params.get('report-type') ?? null,
  };
}

function parseContentType(value: string | null): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (value === null) return { type: 'text/plain', params };
  const [type = '', ...rest] = value.split(';');
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const raw = param.slice(eq + 1).trim();
    params.set(name, raw.replace(/^"(.*)"$/s, '$1').trim().toLowerCase());
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

/** RFC 5322 §3.3 date-time, with comments and the obsolete zones; null when unreadable. */
function parseDateHeader(value: string | null): Date | null {
  if (value === null || value.trim() === '') return null;
  const cleaned = stripComments(value).replace(/\s+/g, ' ').trim();
  const strict = DateTime.fromRFC2822(cleaned);
  if (strict.isValid) return strict.toJSDate();
  const lenient = new Date(cleaned);
  return Number.isNaN(lenient.getTime()) ? null : lenient;
}

/** Removes RFC 5322 comments "(…)", e.g. "(CET)" after a date. Nesting is not tracked: good enough for dates and paths. */
function stripComments(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ');
}

/**
 * Message-IDs in a header value (or mailparser's string | string[] for References): the contents of
 * every `<…>`, or whitespace/comma separated tokens when a broken mailer left out the brackets.
 * Whitespace inside brackets is dropped: RFC 5322 §3.6.4 allows none.
 */
export function messageIdsIn(value: unknown): string[] {
  const texts = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
  const ids: string[] = [];
  for (const text of texts) {
    const bracketed = [...text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]!);
    const found = bracketed.length > 0 ? bracketed : stripComments(text).split(/[\s,]+/);
    for (const id of found) {
      const clean = id.replace(/\s+/g, '');
      if (clean !== '' && !ids.includes(clean)) ids.push(clean);
    }
  }
  return ids;
}

function addressesIn(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const flat = (entries: EmailAddress[]): EmailAddress[] => entries.flatMap((entry) => (entry.group ? flat(entry.group) : [entry]));
  const addresses: MailAddress[] = [];
  for (const entry of flat(objects.flatMap((object) => object.value ?? []))) {
    const address = stripControls(entry.address ?? '').trim().toLowerCase();
    if (!address.includes('@')) continue;
    const name = stripControls(entry.name ?? '').trim();
    addresses.push({ name: name === '' ? null : name, address });
  }
  return addresses;
}

// ── Delivery-status notifications (RFC 3464) ───────────────────────────────

/** The returned message (or just its headers) that a report carries (RFC 3462/6522, RFC 6532 global variants). */
const RETURNED_PARTS = ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'];
const STATUS_PARTS = ['message/delivery-status', 'message/global-delivery-status'];

function readDeliveryReport(parts: readonly MailAttachment[]): DeliveryReport {
  const statusPart = parts.find((part) => STATUS_PARTS.includes(part.contentType));
  const returned = parts.find((part) => RETURNED_PARTS.includes(part.contentType));
  let recipient: string | null = null;
  let status: string | null = null;
  let diagnostic: string | null = null;
  if (statusPart) {
    // First the per-message fields, then one block per recipient (RFC 3464 §2.1); the first
    // recipient that failed is what the agent needs to see, else the first recipient at all.
    const [, ...recipients] = fieldBlocks(statusPart.content.toString('utf8'));
    const chosen = recipients.find((block) => block.get('action')?.toLowerCase() === 'failed') ?? recipients[0];
    if (chosen) {
      recipient = withoutType(chosen.get('final-recipient') ?? chosen.get('original-recipient') ?? null);
      status = chosen.get('status')?.split(/\s/)[0] ?? null;
      diagnostic = withoutType(chosen.get('diagnostic-code') ?? null);
    }
  }
  let originalMessageId: string | null = null;
  if (returned) {
    const [headers] = fieldBlocks(returned.content.toString('utf8'));
    originalMessageId = messageIdsIn(headers?.get('message-id') ?? null)[0] ?? null;
  }
  return { originalMessageId, recipient, status, diagnostic };
}

/** Header-like field blocks separated by blank lines, names lowercased, folded lines joined. */
function fieldBlocks(text: string): Map<string, string>[] {
  return normaliseNewlines(text)
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
      }
      return fields;
    })
    .filter((fields) => fields.size > 0);
}

/** "rfc822; jan@example.nl" → "jan@example.nl" (RFC 3464 §2.3: address-type / diagnostic-type). */
function withoutType(value: string | null): string | null {
  if (value === null) return null;
  const semicolon = value.indexOf(';');
  const rest = (semicolon === -1 ? value : value.slice(semicolon + 1)).replace(/\s+/g, ' ').trim();
  return rest === '' ? null : rest;
}

// ── Small helpers ──────────────────────────────────────────────────────────

/** Offset of the body: just after the blank line that ends the header block (RFC 5322 §2.1). */
function headerBlockEnd(raw: Buffer): number | null {
  const scan = raw.subarray(0, HEADER_SCAN_BYTES);
  const crlf = scan.indexOf('\r\n\r\n');
  const lf = scan.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return crlf + 4;
  return lf + 2;
}

function safeFilename(name: string | undefined): string | null {
  if (!name) return null;
  // A name is only shown and offered for download; a path in it ("../../x") means nothing to us.
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = stripControls(base).trim();
  return clean === '' || clean === '.' || clean === '..' ? null : clean;
}

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** C0/C1 controls except tab and newline, and NUL bytes from binary garbage. */
function stripControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
