import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dedupeKey } from '../../../server/mail/fingerprint.ts';
import { parseMail } from '../../../server/mail/parse.ts';

const read = (name: string): Buffer => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const parse = (bytes: Buffer, maxBytes = 1_000_000) => parseMail(bytes, { maxBytes });

describe('dedupeKey', () => {
  it('uses the Message-ID as written (case kept, brackets and whitespace gone)', async () => {
    expect(dedupeKey(await parse(read('plain.eml')))).toBe('mid:CAF3a9+Zq1@mail.example.nl');
    expect(dedupeKey(await parse(read('references-several.eml')))).toBe('mid:CAF3a9+Zq9@mail.example.nl');
  });

  it('Message-IDs that differ only in case are different mails (RFC 5322 local part)', async () => {
    const upper = await parse(Buffer.from('Message-ID: <ABC@example.nl>\r\n\r\nx'));
    const lower = await parse(Buffer.from('Message-ID: <abc@example.nl>\r\n\r\nx'));
    expect(dedupeKey(upper)).not.toBe(dedupeKey(lower));
  });

  it('without a Message-ID: the same mail twice gives the same hash key', async () => {
    const first = dedupeKey(await parse(read('no-message-id.eml')));
    const again = dedupeKey(await parse(read('no-message-id.eml')));
    expect(first).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(again).toBe(first);
  });

  it('the same mail with CRLF instead of LF line ends is still the same mail', async () => {
    const lf = read('no-message-id.eml');
    const crlf = Buffer.from(lf.toString('utf8').replace(/\n/g, '\r\n'));
    expect(dedupeKey(await parse(crlf))).toBe(dedupeKey(await parse(lf)));
  });

  it('a different body, subject, sender or date gives a different key', async () => {
    const base = read('no-message-id.eml').toString('utf8');
    const key = async (text: string) => dedupeKey(await parse(Buffer.from(text)));
    const original = await key(base);
    expect(dedupeKey(await parse(read('no-message-id-other-body.eml')))).not.toBe(original);
    expect(await key(base.replace('Vraag zonder kenmerk', 'Andere vraag'))).not.toBe(original);
    expect(await key(base.replace('oud@example.nl', 'nieuw@example.nl'))).not.toBe(original);
    expect(await key(base.replace('12:00:00', '12:00:01'))).not.toBe(original);
  });

  it('the sender address counts case-insensitively (it is lowercased when parsed)', async () => {
    const base = read('no-message-id.eml').toString('utf8');
    expect(dedupeKey(await parse(Buffer.from(base.replace('oud@example.nl', 'OUD@Example.NL'))))).toBe(dedupeKey(await parse(Buffer.from(base))));
  });

  it('an oversize stub without Message-ID gets a stable key that includes its size', async () => {
    const bytes = read('no-message-id.eml');
    const stub = await parse(bytes, 50);
    expect(stub.oversize).toEqual({ bytes: bytes.length });
    expect(dedupeKey(stub)).toBe(dedupeKey(await parse(bytes, 50)));
    expect(dedupeKey(stub)).not.toBe(dedupeKey(await parse(bytes)));
  });
});
