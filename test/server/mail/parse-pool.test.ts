// The parse workers (issue 12, item 1): they run the TypeScript sources here as under the server,
// give the same result as parsing in place, keep an HTML body over the cap as an attachment, and a
// mail that takes too long or too much memory ends as an error for that mail, never a stall.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MailParsePool } from '../../../server/mail/parse-pool.ts';
import { ORIGINAL_HTML_FILENAME, parseMail } from '../../../server/mail/parse.ts';

// A worker starts in about a second (tsx, mailparser, sanitize-html); several on a loaded machine.
const WORKER_TEST_MS = 180_000;
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const pools: MailParsePool[] = [];
const pool = (settings: Partial<MailParsePool['settings']> = {}) => {
  const created = new MailParsePool({ threads: 1, timeoutMs: 300_000, htmlMaxBytes: 2 * 1024 * 1024, maxHeapMb: 1024, ...settings });
  pools.push(created);
  return created;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** An HTML-only mail of `megabytes` MB of small elements, as in the attack. */
function htmlMail(megabytes: number, withText = false): Buffer {
  const unit = '<div><p>Beste gemeente, <b>mijn</b> vraag over <a href="https://www.example.nl/">de vergunning</a>.</p><img src="https://t.example/p.gif" alt="logo"></div>\r\n';
  const html = `<html><body>${unit.repeat(Math.ceil((megabytes * 1024 * 1024) / unit.length))}</body></html>`;
  const head = 'From: a@example.nl\r\nSubject: groot\r\nMessage-ID: <groot@example.nl>\r\nMIME-Version: 1.0\r\n';
  if (!withText) return Buffer.from(`${head}Content-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`);
  return Buffer.from(
    `${head}Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDe tekst van de mail.\r\n` +
      `--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n--b--\r\n`,
  );
}

describe('parsing on a worker', { timeout: WORKER_TEST_MS }, () => {
  it('gives what parsing in place gives, attachments as Buffers (the worker runs the .ts sources under vitest)', async () => {
    const raw = fixture('attachment-inline.eml');
    const off = await pool().parse(raw, { maxBytes: 1_000_000 });
    const here = await parseMail(raw, { maxBytes: 1_000_000, htmlMaxBytes: 2 * 1024 * 1024 });
    expect(off.attachments.length).toBeGreaterThan(0);
    expect(off.attachments.every((part) => Buffer.isBuffer(part.content) && Buffer.isBuffer(part.sha256))).toBe(true);
    expect(off).toEqual(here);
  });

  it('hands a large mail over through shared memory, and again for the next one', async () => {
    const parser = pool();
    const first = await parser.parse(htmlMail(1.5), { maxBytes: 30_000_000 });
    const second = await parser.parse(fixture('plain.eml'), { maxBytes: 1_000_000 });
    const third = await parser.parse(htmlMail(1.2, true), { maxBytes: 30_000_000 });
    expect(first.text).toMatch(/^Beste gemeente, mijn vraag over de vergunning\.\s+logo\s/);
    expect(second.subject).toBe((await parseMail(fixture('plain.eml'), { maxBytes: 1_000_000 })).subject);
    expect(third.text).toBe('De tekst van de mail.');
  });

  it('parses a mail read into leased shared memory in place, and lends that memory again once released', async () => {
    const parser = pool();
    const raw = htmlMail(1.5);
    const lease = await parser.leaseMemory(raw.byteLength);
    expect(lease.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(lease.bytes.byteLength).toBe(raw.byteLength);
    raw.copy(lease.bytes);
    const inPlace = await parser.parse(lease.bytes, { maxBytes: 30_000_000 });
    const memory = lease.bytes.buffer;
    lease.release();
    lease.release(); // once only: the memory is not lent twice
    const next = await parser.leaseMemory(1024 * 1024 + 1);
    expect(next.bytes.buffer).toBe(memory);
    const other = await parser.leaseMemory(1024 * 1024 + 1);
    expect(other.bytes.buffer).not.toBe(memory);
    next.release();
    other.release();
    expect(inPlace.text).toMatch(/^Beste gemeente, mijn vraag over de vergunning\.\s+logo\s/);
    expect(inPlace).toEqual(await parser.parse(raw, { maxBytes: 30_000_000 }));
  });

  it('rewrites cid: images to the URLs given for them', async () => {
    const html = '<p><img src="cid:foto@example.nl" alt="Gevel"><img src="cid:onbekend@x" alt="Onbekend"></p>';
    await expect(pool().rewriteCidImages(html, new Map([['foto@example.nl', '/api/attachments/7']]))).resolves.toBe(
      '<p><img src="/api/attachments/7" alt="Gevel" /><span>Onbekend</span></p>',
    );
  });
});

describe('HTML over the cap (MAIL_HTML_MAX_BYTES)', { timeout: WORKER_TEST_MS }, () => {
  it('an HTML-only mail keeps the text of its beginning and the whole HTML as an attachment', async () => {
    const raw = htmlMail(0.5);
    const mail = await pool({ htmlMaxBytes: 100_000 }).parse(raw, { maxBytes: 30_000_000 });
    // The part as decoded (mailparser gives text with \n line ends).
    const html = raw.subarray(raw.indexOf('<html>')).toString('utf8').replace(/\r\n/g, '\n');
    expect(mail.html).toBeNull();
    expect(mail.htmlOmitted).toEqual({ bytes: Buffer.byteLength(html) });
    expect(mail.text).toMatch(/^Beste gemeente, mijn vraag over de vergunning\.\s+logo\s/);
    expect(mail.text.length).toBeLessThan(100_000);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: ORIGINAL_HTML_FILENAME, contentType: 'text/html', contentId: null, inline: false, size: Buffer.byteLength(html) });
    expect(mail.attachments[0]!.content.toString('utf8')).toBe(html);
  });

  it('a mail with a text part keeps that text', async () => {
    const mail = await parseMail(htmlMail(0.3, true), { maxBytes: 30_000_000, htmlMaxBytes: 100_000 });
    expect(mail).toMatchObject({ html: null, text: 'De tekst van de mail.' });
    expect(mail.attachments.map((part) => part.filename)).toEqual([ORIGINAL_HTML_FILENAME]);
  });

  it('under the cap nothing changes', async () => {
    const mail = await parseMail(htmlMail(0.05), { maxBytes: 30_000_000, htmlMaxBytes: 100_000 });
    expect(mail.html).toMatch(/^<div><p>Beste gemeente/);
    expect(mail).toMatchObject({ htmlOmitted: null, attachments: [] });
  });
});

describe('a mail that cannot be read ends as an error for that mail', { timeout: WORKER_TEST_MS }, () => {
  it('too slow: mail_parse_timeout, long before the parse would have ended', async () => {
    // 24 MB of markup without a cap: tens of seconds of sanitising.
    const started = Date.now();
    const error = await pool({ timeoutMs: 1_500, htmlMaxBytes: Infinity }).parse(htmlMail(24), { maxBytes: 30_000_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MailParseError', code: 'mail_parse_timeout', message: 'reading the mail took longer than 2 s' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('out of memory: the worker dies, the mail fails with mail_parse_failed, the process lives on', async () => {
    // The heap must hold the 24 MB body string with room to spare, so that the limit is reached by
    // the many small objects of parsing it. Node gives a worker that reaches its limit 16 MB more to
    // stop in; one allocation beyond that aborts the whole process ("Reached heap limit"), which a
    // 32 MB heap did about one run in six (the 24 MB string itself overshot). Balie's defaults
    // (a 1 GB heap, HTML over 2 MB kept as an attachment) keep single strings far below that.
    const error = await pool({ maxHeapMb: 64, htmlMaxBytes: Infinity }).parse(htmlMail(24), { maxBytes: 30_000_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MailParseError', code: 'mail_parse_failed', message: 'the mail could not be read: it needs more than 64 MB' });
  });

  it('closed while reading (Balie stopping): ECANCELED, which the poller treats as passing, not as the mail’s fault', async () => {
    const parser = pool({ htmlMaxBytes: Infinity });
    const reading = parser.parse(htmlMail(8), { maxBytes: 30_000_000 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await parser.close();
    expect(await reading).toMatchObject({ name: 'MailParsingClosedError', code: 'ECANCELED' });
    await expect(parser.parse(fixture('plain.eml'), { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'ECANCELED' });
  });
});
