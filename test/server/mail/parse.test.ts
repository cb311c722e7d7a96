import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail, type ParsedMail } from '../../../server/mail/parse.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const raw = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const parse = (name: string, maxBytes = 25 * 1024 * 1024): Promise<ParsedMail> => parseMail(raw(name), { maxBytes });
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('parseMail: bodies', () => {
  it('plain text: ids without brackets, lowercased sender, decoded UTF-8 text, no HTML', async () => {
    const mail = await parse('plain.eml');
    expect(mail.messageId).toBe('CAF3a9+Zq1@mail.example.nl');
    expect(mail.inReplyTo).toEqual(['ack-1.BAL-2026-000041@gemeente-voorbeeld.nl']);
    expect(mail.references).toEqual(['ack-1.BAL-2026-000041@gemeente-voorbeeld.nl']);
    expect(mail.subject).toBe('Vraag over mijn paspoort');
    expect(mail.from).toEqual({ name: 'Jan Jansen', address: 'jan.jansen@example.nl' });
    expect(mail.to).toEqual([{ name: 'Gemeente Voorbeeld', address: 'info@gemeente-voorbeeld.nl' }]);
    expect(mail.date?.toISOString()).toBe('2026-12-14T08:11:58.000Z');
    expect(mail.text).toContain('Kan ik nog vóór de kerst een afspraak maken?');
    expect(mail.html).toBeNull();
    expect(mail.attachments).toEqual([]);
    expect(mail.headers.returnPath).toBe('<jan.jansen@example.nl>');
    expect(mail.headers.returnPathEmpty).toBe(false);
    expect(mail.headers.contentType).toBe('text/plain');
    expect(mail.deliveryReport).toBeNull();
    expect(mail.oversize).toBeNull();
    expect(mail.parseError).toBeNull();
  });

  it('HTML-only: sanitised HTML, and text made from it (no title, no style sheet)', async () => {
    const mail = await parse('html-only.eml');
    expect(mail.html).toBe(
      '<p>Beste gemeente,</p>\n<p>Op de <b>Dorpsstraat 12</b> ligt een losse stoeptegel. Mijn buurvrouw is er bijna over gestruikeld.</p>\n' +
        '<ul><li>Sinds: vorige week</li><li>Plek: voor de bakker</li></ul>\n<p>Groet, Fatima</p>',
    );
    expect(mail.text).toBe(
      'Beste gemeente,\n\nOp de Dorpsstraat 12 ligt een losse stoeptegel. Mijn buurvrouw is er bijna over gestruikeld.\n\n' +
        '• Sinds: vorige week\n• Plek: voor de bakker\n\nGroet, Fatima',
    );
  });

  it('multipart/alternative: the text part as text, the HTML part sanitised', async () => {
    const mail = await parse('alternative.eml');
    expect(mail.text.trim()).toBe('De groene container in de Lindelaan is deze week niet geleegd.');
    expect(mail.html).toBe('<div dir="ltr">De <i>groene</i> container in de Lindelaan is deze week <u>niet</u> geleegd.</div>');
  });

  it('attachment and inline cid: image: content, size, checksum, Content-ID and inline flag', async () => {
    const mail = await parse('attachment-inline.eml');
    expect(mail.html).toBe(
      '<p>Hierbij mijn bezwaar. Zie de foto:</p><p><img src="cid:foto1@example.nl" alt="Foto van de gevel" width="1" height="1" /></p>',
    );
    expect(mail.attachments.map(({ filename, contentType, size, contentId, inline }) => ({ filename, contentType, size, contentId, inline }))).toEqual([
      { filename: 'gevel.png', contentType: 'image/png', size: 67, contentId: 'foto1@example.nl', inline: true },
      { filename: 'bezwaar.pdf', contentType: 'application/pdf', size: 57, contentId: null, inline: false },
    ]);
    const [png, pdf] = mail.attachments;
    expect(png!.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pdf!.content.toString('latin1')).toBe('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n');
    expect(pdf!.sha256.toString('hex')).toBe(sha256(pdf!.content));
    expect(pdf!.sha256).toHaveLength(32);
  });
});

describe('parseMail: character sets', () => {
  it('ISO-8859-1 quoted-printable body, =?ISO-8859-1?Q?…?= subject and =?UTF-8?B?…?= name', async () => {
    const mail = await parse('latin1-qp.eml');
    expect(mail.subject).toBe('Aanvraag terrasvergunning Café De Krön');
    expect(mail.from).toEqual({ name: "Joëlle van 't Hoff", address: 'joelle@example.be' });
    // The soft line break (=\n) joins "i" and "s"; =B2 is the superscript two.
    expect(mail.text).toContain('Graag vraag ik een terrasvergunning aan voor Café De Krön. Het terras is 12 m² groot. De coördinatie');
    expect(mail.text).toContain("Joëlle van 't Hoff");
  });

  it('Windows-1252 8-bit body and encoded-words: €, curly quotes, en dash, ß', async () => {
    const mail = await parse('windows-1252.eml');
    expect(mail.subject).toBe('Factuur € 45 – vraag');
    expect(mail.from).toEqual({ name: 'René Müller', address: 'rene@example.de' });
    expect(mail.text).toBe('Ik heb “per ongeluk” € 45 te veel betaald – kan dat terug?\nGrüße, René\n');
  });
});

describe('parseMail: ids', () => {
  it('several References (folded over lines) keep their order; odd whitespace inside brackets is dropped', async () => {
    const mail = await parse('references-several.eml');
    expect(mail.messageId).toBe('CAF3a9+Zq9@mail.example.nl');
    expect(mail.inReplyTo).toEqual(['outlook-changed@mail.example.nl']);
    expect(mail.references).toEqual([
      'first@mail.example.nl',
      'reply-41-1@gemeente-voorbeeld.nl',
      'CAF3a9+Zq1@mail.example.nl',
      'reply-41-2@gemeente-voorbeeld.nl',
    ]);
  });

  it('ids a broken mailer wrote without brackets, and several ids in In-Reply-To', async () => {
    const message = [
      'From: a@example.nl',
      'Message-ID: bare-id@example.nl',
      'In-Reply-To: <one@example.nl> <two@example.nl>',
      'References: x1@example.nl x2@example.nl',
      'Subject: t',
      '',
      'body',
    ].join('\r\n');
    const mail = await parseMail(Buffer.from(message), { maxBytes: 10_000 });
    expect(mail.messageId).toBe('bare-id@example.nl');
    expect(mail.inReplyTo).toEqual(['one@example.nl', 'two@example.nl']);
    expect(mail.references).toEqual(['x1@example.nl', 'x2@example.nl']);
  });

  it('no Message-ID gives null, no subject gives ""', async () => {
    const mail = await parseMail(Buffer.from('From: a@example.nl\r\n\r\nhoi\r\n'), { maxBytes: 10_000 });
    expect(mail.messageId).toBeNull();
    expect(mail.subject).toBe('');
    expect(mail.text).toBe('hoi\n');
  });
});

describe('parseMail: classification headers', () => {
  it('auto-reply', async () => {
    const mail = await parse('auto-reply.eml');
    expect(mail.headers.autoSubmitted).toBe('auto-replied');
  });

  it('list mail: List-Id and List-Unsubscribe as written', async () => {
    const mail = await parse('list.eml');
    expect(mail.headers.listId).toBe('VNG nieuwsbrief <nieuwsbrief.vng.example>');
    expect(mail.headers.listUnsubscribe).toBe('<mailto:unsubscribe@vng.example?subject=stop>, <https://vng.example/afmelden?id=9>');
    expect(mail.headers.precedence).toBeNull();
  });
});

describe('parseMail: delivery-status notifications (RFC 3464)', () => {
  it('reads recipient, status, diagnostic and the bounced Message-ID from the returned message/rfc822', async () => {
    const mail = await parse('dsn-bounce.eml');
    expect(mail.headers).toMatchObject({ contentType: 'multipart/report', reportType: 'delivery-status', returnPath: '<>', returnPathEmpty: true });
    expect(mail.deliveryReport).toEqual({
      originalMessageId: 'reply-77-3.f81c@gemeente-voorbeeld.nl',
      recipient: 'onbekend@example.nl',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <onbekend@example.nl>: Recipient address rejected: User unknown',
    });
    // The human-readable part is the text; the report itself is not appended to it.
    expect(mail.text).toContain('could not\nbe delivered');
    expect(mail.text).not.toContain('Reporting-MTA');
  });

  it('reads the bounced Message-ID from a text/rfc822-headers part', async () => {
    const mail = await parse('dsn-headers-only.eml');
    expect(mail.deliveryReport).toEqual({
      originalMessageId: 'ack-78.aa01@gemeente-voorbeeld.nl',
      recipient: 'vol@example.com',
      status: '5.2.2',
      diagnostic: '552 5.2.2 Mailbox full',
    });
  });

  it('an ordinary mail has no report', async () => {
    expect((await parse('alternative.eml')).deliveryReport).toBeNull();
  });
});

describe('parseMail: oversize mail', () => {
  it('keeps a stub with the header block only and the size as the reason', async () => {
    const bytes = raw('attachment-inline.eml');
    const mail = await parseMail(bytes, { maxBytes: 500 });
    expect(mail.oversize).toEqual({ bytes: bytes.length });
    expect(mail.messageId).toBe('att-1@example.nl');
    expect(mail.subject).toBe('Bezwaar WOZ-beschikking');
    expect(mail.from).toEqual({ name: 'Anna Bakker', address: 'anna@example.nl' });
    expect(mail.date?.toISOString()).toBe('2026-12-17T09:00:00.000Z');
    expect(mail.headers.contentType).toBe('multipart/mixed');
    expect(mail.text).toBe('');
    expect(mail.html).toBeNull();
    expect(mail.attachments).toEqual([]);
  });

  it('decodes encoded-words in the stub too', async () => {
    const mail = await parse('latin1-qp.eml', 100);
    expect(mail.oversize).not.toBeNull();
    expect(mail.subject).toBe('Aanvraag terrasvergunning Café De Krön');
    expect(mail.from?.name).toBe("Joëlle van 't Hoff");
  });

  it('a mail of exactly maxBytes is parsed in full', async () => {
    const bytes = raw('plain.eml');
    const mail = await parseMail(bytes, { maxBytes: bytes.length });
    expect(mail.oversize).toBeNull();
    expect(mail.text).toContain('paspoort');
  });
});

describe('parseMail: garbage never throws', () => {
  // Deterministic "random" bytes: a hash chain.
  const noise = Buffer.concat(Array.from({ length: 64 }, (_, i) => createHash('sha256').update(`noise ${i}`).digest()));

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['binary noise', noise],
    ['NUL bytes and a lone 0xff', Buffer.from([0, 0, 0, 13, 10, 13, 10, 0xff])],
    ['a multipart whose boundary never closes', Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html; charset=nonsense-9\r\n\r\n<p>hi</p>')],
    ['headers without a blank line', Buffer.from('Subject: only headers\r\nFrom: a@example.nl')],
    ['a base64 part with invalid characters', Buffer.from('Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!%%%***\r\n')],
  ])('%s', async (_case, bytes) => {
    const mail = await parseMail(bytes, { maxBytes: 1_000_000 });
    expect(typeof mail.text).toBe('string');
    expect(Array.isArray(mail.attachments)).toBe(true);
  });

  it('an empty message says so', async () => {
    expect((await parseMail(Buffer.alloc(0), { maxBytes: 10 })).parseError).toBe('empty message');
  });

  it('an unreadable From and Date give null, not a made-up sender or "now"', async () => {
    const mail = await parseMail(Buffer.from('From: <<<>>>\r\nDate: not a date\r\nSubject: =?bogus?Q?x?=\r\n\r\nbody'), { maxBytes: 10_000 });
    expect(mail.from).toBeNull();
    expect(mail.date).toBeNull();
    expect(mail.text).toBe('body');
  });

  it('a date with a trailing zone comment is read', async () => {
    const mail = await parseMail(Buffer.from('Date: Thu, 24 Dec 2026 16:30:00 +0100 (CET)\r\n\r\nx'), { maxBytes: 10_000 });
    expect(mail.date?.toISOString()).toBe('2026-12-24T15:30:00.000Z');
  });

  it('text that is still visible in a broken HTML part', async () => {
    const mail = await parseMail(
      Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html; charset=nonsense-9\r\n\r\n<p>hi <script>x()</script></p>'),
      { maxBytes: 10_000 },
    );
    expect(mail.html).toBe('<p>hi </p>');
    expect(mail.text).toBe('hi');
  });
});
