import { describe, expect, it } from 'vitest';
import { mailIdempotencyKey } from '../../../server/mail/ingest.ts';
import { parseMail } from '../../../server/mail/parse.ts';

const mailWithId = (id: string) => parseMail(Buffer.from(`From: jan@example.nl\r\nSubject: x\r\nMessage-ID: <${id}>\r\n\r\nHallo`), { maxBytes: 100_000 });

describe('mailIdempotencyKey (issue 13, item 7)', () => {
  it('keeps the key of an ordinary Message-ID as it was, so mail stored before is still recognised', async () => {
    expect(mailIdempotencyKey(await mailWithId('abc.123@example.nl'))).toBe('mail:mid:abc.123@example.nl');
  });

  it('keys a Message-ID too long for a btree row by its SHA-256: short, stable, and different per id', async () => {
    const long = 'x'.repeat(10_000);
    const key = mailIdempotencyKey(await mailWithId(`${long}@example.nl`));
    expect(key).toMatch(/^mail:sha256:[0-9a-f]{64}$/);
    expect(mailIdempotencyKey(await mailWithId(`${long}@example.nl`))).toBe(key);
    expect(mailIdempotencyKey(await mailWithId(`${long}@example.com`))).not.toBe(key);
  });
});
