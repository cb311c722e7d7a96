// mailparser's simpleParser, reading what libmime leaves undecoded (issue 13, item 8): the header
// block's encoded words are repaired first (charsets.ts), and UTF-7 parts are decoded.
import { MailParser, type Attachment, type AttachmentStream, type MailParserOptions, type MessageText, type ParsedMail } from 'mailparser';
import { isUtf7Charset, repairEncodedWords, utf7DecodeStream } from './charsets.ts';

interface CharsetDecoder {
  decodeStream(charset: string): NodeJS.ReadWriteStream;
}

/**
 * mailparser chooses a body part's charset decoder through its `decoder` property (set in its
 * constructor from `getDecoder()`); UTF-7 goes to iconv-lite here, every other charset stays with
 * mailparser. If a mailparser upgrade renames the property, construction fails loudly rather than
 * silently losing UTF-7 (and test/server/mail/decoding.test.ts fails too).
 */
class Utf7DecodingParser extends MailParser {
  constructor(options: MailParserOptions) {
    super(options);
    const self = this as unknown as { decoder?: CharsetDecoder };
    const decoder = self.decoder;
    if (!decoder || typeof decoder.decodeStream !== 'function') throw new Error('mailparser has no charset decoder to extend (upgrade?)');
    self.decoder = { decodeStream: (charset) => (isUtf7Charset(charset) ? utf7DecodeStream() : decoder.decodeStream(charset)) };
  }
}

/**
 * Parses a whole message into mailparser's result, as `simpleParser(raw, options)` does with
 * `keepCidLinks: true` (the only way Balie uses it), with the charset repairs above.
 */
export function parseMime(raw: Buffer, options: MailParserOptions): Promise<ParsedMail> {
  // cid: links stay as they are: only simpleParser (not MailParser) turns them into data: URLs.
  const parser = new Utf7DecodingParser(options);
  return new Promise<ParsedMail>((resolve, reject) => {
    // mailparser may emit a non-fatal 'error' and still reach 'end': the first outcome wins.
    let settled = false;
    const settle = (error: unknown, mail?: ParsedMail) => {
      if (settled) return;
      settled = true;
      if (mail) resolve(mail);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const mail = { attachments: [] as Attachment[] } as unknown as ParsedMail;
    parser.on('error', (error: unknown) => settle(error));
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });
    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as AttachmentStream | MessageText | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        if (data.text !== undefined) mail.text = data.text;
        if (data.html !== undefined) mail.html = data.html;
        if (data.textAsHtml !== undefined) mail.textAsHtml = data.textAsHtml;
        if (data.textConversionError !== undefined) mail.textConversionError = data.textConversionError;
        return read();
      }
      // An attachment: buffer its content; the parser continues once it is released.
      const chunks: Buffer[] = [];
      data.content.on('data', (chunk: Buffer) => chunks.push(chunk));
      data.content.on('end', () => {
        const attachment = data as unknown as Attachment;
        attachment.content = Buffer.concat(chunks);
        attachment.size = attachment.content.length;
        data.release?.();
        attachment.release = null;
        mail.attachments.push(attachment);
        read();
      });
    };
    parser.on('readable', () => {
      if (!reading) read();
    });
    parser.on('end', () => {
      const headers = mail.headers;
      if (headers) {
        const fields = mail as unknown as Record<string, unknown>;
        for (const key of ['subject', 'references', 'date', 'to', 'from', 'cc', 'bcc', 'message-id', 'in-reply-to', 'reply-to']) {
          if (headers.has(key)) fields[key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = headers.get(key);
        }
      }
      settle(null, mail);
    });
    parser.end(withRepairedHeader(raw));
  });
}

/** The message with its top-level header block's encoded words repaired; the body untouched. */
function withRepairedHeader(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const header = raw.subarray(0, end);
  const repaired = repairEncodedWords(header);
  return repaired === header ? raw : Buffer.concat([repaired, raw.subarray(end)]);
}

/** Offset just past the blank line that ends the header block (RFC 5322 §2.1); the whole input when none. */
function headerEnd(raw: Buffer): number {
  const scan = raw.subarray(0, 1024 * 1024);
  const crlf = scan.indexOf('\r\n\r\n');
  const lf = scan.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return Math.min(raw.length, scan.length);
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return crlf + 4;
  return lf + 2;
}
