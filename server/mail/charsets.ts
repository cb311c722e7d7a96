// Decodes the character data that mailparser (libmime) leaves as mojibake where Thunderbird and
// CPython's email package read it right (issue 13, item 8): raw 8-bit bytes inside a Q encoded
// word, and UTF-7 (RFC 2152) in encoded words and bodies.
import iconv from 'iconv-lite';

/**
 * UTF-7 under its MIME names (RFC 2152 registers UTF-7; UNICODE-1-1-UTF-7 is its older alias),
 * compared as iconv-lite compares names: case and punctuation ignored. The IMAP variant
 * (RFC 3501 §5.1.3) names mailboxes and is never a MIME charset.
 */
const UTF7_NAME = /^(?:(?:cs)?unicode11)?utf7$/;

export function isUtf7Charset(charset: string | null | undefined): boolean {
  return UTF7_NAME.test((charset ?? '').toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * A stream that decodes UTF-7 bytes to text. mailparser refuses UTF-7 because it can carry markup
 * past a filter that looks for "<" in the undecoded bytes ("+ADw-script+AD4-"); Balie filters after
 * decoding (sanitize.ts sees the decoded HTML, text is shown as text), so decoding it is safe here.
 */
export function utf7DecodeStream(): NodeJS.ReadWriteStream {
  return iconv.decodeStream('utf7');
}

// An RFC 2047 encoded word: =?charset[*language]?encoding?encoded-text?= (RFC 2231 §5 adds the
// language). The text is matched up to the line end, so raw 8-bit bytes are part of it.
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\r\n]*)\?=/g;
// Encoded words separated only by folding white space, which RFC 2047 §6.2 says to ignore.
const WORD_RUN = /=\?[^?\s]+\?[QqBb]\?[^?\r\n]*\?=(?:(?:\r?\n)?[ \t]+=\?[^?\s]+\?[QqBb]\?[^?\r\n]*\?=)*/g;

/**
 * A header block (the bytes up to the blank line) with its encoded words made decodable by libmime:
 *
 * - raw 8-bit bytes inside a Q word are escaped as `=XX`, so that they are read in the word's
 *   declared charset (as Thunderbird and CPython do), not as UTF-8 — "=?iso-8859-1?Q?Fr\xF6sche?="
 *   became "Frï¿½sche";
 * - a run of UTF-7 words, which libmime leaves undecoded ("Fr+APY-sche"), becomes one UTF-8 word;
 *   the run is decoded as one, since a UTF-7 shift sequence may continue into the next word.
 *
 * Everything else is left byte for byte as it was. Returns the input itself when nothing changed.
 */
export function repairEncodedWords(headerBlock: Buffer): Buffer {
  // latin1 maps every byte to one character and back, so the bytes survive the string round trip.
  const text = headerBlock.toString('latin1');
  if (!text.includes('=?')) return headerBlock;
  const repaired = text.replace(WORD_RUN, (run) => {
    const words = [...run.matchAll(ENCODED_WORD)].map(([word, charset, encoding, payload]) => ({ word, charset: charset!, encoding: encoding!.toUpperCase(), payload: payload! }));
    if (!words.some((w) => isUtf7Charset(w.charset) || (w.encoding === 'Q' && EIGHT_BIT.test(w.payload)))) return run;
    const out: string[] = [];
    let utf7: Buffer[] = [];
    const flush = () => {
      if (utf7.length === 0) return;
      out.push(`=?UTF-8?B?${Buffer.from(iconv.decode(Buffer.concat(utf7), 'utf7'), 'utf8').toString('base64')}?=`);
      utf7 = [];
    };
    for (const w of words) {
      if (isUtf7Charset(w.charset)) {
        utf7.push(wordBytes(w.encoding, w.payload));
        continue;
      }
      flush();
      out.push(w.encoding === 'Q' ? w.word.slice(0, w.word.length - w.payload.length - 2) + escape8bit(w.payload) + '?=' : w.word);
    }
    flush();
    // White space between encoded words is not part of the text (RFC 2047 §6.2): one space keeps them apart.
    return out.join(' ');
  });
  return repaired === text ? headerBlock : Buffer.from(repaired, 'latin1');
}

const EIGHT_BIT = /[\x80-\xff]/;

function escape8bit(payload: string): string {
  return payload.replace(/[\x80-\xff]/g, (byte) => `=${byte.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The bytes an encoded word's text stands for (RFC 2047 §4.1 B, §4.2 Q). */
function wordBytes(encoding: string, payload: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(payload, 'base64');
  const q = payload.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(q, 'latin1');
}
