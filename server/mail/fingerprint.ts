// The key that recognises the same mail when it is fetched again (issue 4, "De-duplication").
import { createHash } from 'node:crypto';
import type { ParsedMail } from './parse.ts';

/**
 * `mid:<Message-ID>` when the mail has one. The id is kept as written, only trimmed: its local part
 * is case-sensitive (RFC 5322 §3.6.4), so two ids differing in case are different mails.
 *
 * Without a Message-ID (RFC 5322 §3.6.4 only says it SHOULD be there) `hash:<sha256 hex>` over
 * the lowercased sender, the Date header, the subject, the text and the attachments' checksums,
 * each normalised so that a re-fetch of the same bytes always gives the same key. A stub of an
 * oversize mail has no body to hash, so its size stands in for it.
 */
export function dedupeKey(mail: ParsedMail): string {
  const id = mail.messageId?.trim();
  if (id) return `mid:${id}`;
  const fields = [
    mail.from?.address ?? '',
    mail.date?.toISOString() ?? '',
    mail.subject.replace(/\s+/g, ' ').trim(),
    mail.text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim(),
    mail.attachments.map((part) => part.sha256.toString('hex')).join(','),
    mail.oversize === null ? '' : `oversize:${mail.oversize.bytes}`,
  ];
  // NUL cannot occur in the normalised fields, so no two field lists join to the same input.
  return `hash:${createHash('sha256').update(fields.join('\u0000')).digest('hex')}`;
}
