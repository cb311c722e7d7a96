import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { formatAddress, headerSafe, MAX_REFERENCES, newMessageId, referencesChain, replySubject, writableMessageId } from '../../../server/mail/compose.ts';
import { parseMail } from '../../../server/mail/parse.ts';

const REF = 'BAL-2026-000123';

describe('replySubject', () => {
  it.each([
    ['Paspoort', `Re: Paspoort [${REF}]`],
    ['Re: Paspoort', `Re: Paspoort [${REF}]`],
    ['RE: Re: re:Paspoort', `Re: Paspoort [${REF}]`],
    ['Antw: AW: Fwd: Paspoort', `Re: Paspoort [${REF}]`],
    ['Re[2]: RE(3): Paspoort', `Re: Paspoort [${REF}]`],
    ['FW: Doorst: WG: Paspoort', `Re: Paspoort [${REF}]`],
    [`Re: Paspoort [${REF}]`, `Re: Paspoort [${REF}]`],
    [`Re: Paspoort (bal-2026-000123)`, `Re: Paspoort (bal-2026-000123)`],
    ['Paspoort [BAL-2025-000009]', `Re: Paspoort [BAL-2025-000009] [${REF}]`],
    ['Reparatie lantaarnpaal', `Re: Reparatie lantaarnpaal [${REF}]`],
    ['Antwoorden op mijn vragen', `Re: Antwoorden op mijn vragen [${REF}]`],
    ['', `Uw bericht [${REF}]`],
    ['   ', `Uw bericht [${REF}]`],
    ['Re:', `Uw bericht [${REF}]`],
  ])('%j → %j', (subject, expected) => {
    expect(replySubject(subject, REF)).toBe(expected);
  });

  it('English fallback', () => {
    expect(replySubject('', REF, 'en')).toBe(`Your message [${REF}]`);
  });

  it('CR/LF in a subject cannot start a new header', () => {
    const subject = replySubject('Vraag\r\nBcc: attacker@evil.example\r\n\r\n<script>', REF);
    expect(subject).toBe(`Re: Vraag Bcc: attacker@evil.example <script> [${REF}]`);
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('a very long subject is cut before the reference is added', () => {
    const subject = replySubject('ä'.repeat(500), REF);
    expect(subject.startsWith(`Re: ${'ä'.repeat(199)}… [`)).toBe(true);
    expect(subject.endsWith(`[${REF}]`)).toBe(true);
  });
});

describe('headerSafe', () => {
  it.each([
    ['Jan\r\nBcc: x@y', 'Jan Bcc: x@y'],
    ['a\rb\nc', 'a b c'],
    ['a\u2028b\u2029c\u0085d', 'a b c d'],
    ['nul\u0000bel\u0007del\u007f', 'nulbeldel'],
    ['\u202egnp.exe', 'gnp.exe'],
    ['  veel   ruimte\t', 'veel ruimte'],
    ['Jöelle “quotes” 😀', 'Jöelle “quotes” 😀'],
  ])('%j → %j', (input, expected) => {
    expect(headerSafe(input)).toBe(expected);
  });
});

describe('formatAddress', () => {
  it.each([
    [null, 'jan@example.nl', 'jan@example.nl'],
    ['', 'jan@example.nl', 'jan@example.nl'],
    ['Jan Jansen', 'jan@example.nl', '"Jan Jansen" <jan@example.nl>'],
    ['Jansen, Jan', 'jan@example.nl', '"Jansen, Jan" <jan@example.nl>'],
    ['Jan "de Bouwer"', 'jan@example.nl', '"Jan \\"de Bouwer\\"" <jan@example.nl>'],
    ['back\\slash', 'jan@example.nl', '"back\\\\slash" <jan@example.nl>'],
    ['Jan\r\nBcc: attacker@evil.example', 'jan@example.nl', '"Jan Bcc: attacker@evil.example" <jan@example.nl>'],
  ])('%j, %j → %j', (name, address, expected) => {
    expect(formatAddress(name, address)).toBe(expected);
  });

  it.each(['', 'geen-adres', 'a@b, c@d', 'a@b>\r\nBcc: c@d', '<a@b>', 'a b@c', 'a@b;c@d', '"x"@y'])('refuses %j', (address) => {
    expect(() => formatAddress('Jan', address)).toThrow(RangeError);
  });
});

describe('newMessageId', () => {
  it('is <unique@domain>', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newMessageId('Gemeente-Voorbeeld.nl')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^<[0-9a-z]+\.[0-9a-f]{24}@gemeente-voorbeeld\.nl>$/);
  });

  it.each(['', 'a b.nl', 'x.nl>\r\nBcc: y', '-bad.nl', 'a@b.nl'])('refuses the domain %j', (domain) => {
    expect(() => newMessageId(domain)).toThrow(RangeError);
  });
});

describe('referencesChain', () => {
  it('leaves out ids too long for one header line (RFC 5322 §2.1.1), stored whole since issue 13.7', () => {
    const long = `${'x'.repeat(10_000)}@example.nl`;
    expect(writableMessageId(long)).toBeNull();
    expect(writableMessageId('kort@example.nl')).toBe('kort@example.nl');
    expect(referencesChain([`<${long}>`, '<a@x>'], `<${long}>`)).toEqual(['a@x']);
    expect(referencesChain(['<a@x>'], '<b@x>')).toEqual(['a@x', 'b@x']);
  });
  it('the parent References followed by the parent, brackets stripped, no duplicates', () => {
    expect(referencesChain(['<a@x>', 'b@x', '<a@x>'], '<c@x>')).toEqual(['a@x', 'b@x', 'c@x']);
  });

  it('the parent moves to the end when it was already in the chain', () => {
    expect(referencesChain(['a@x', 'c@x', 'b@x'], 'c@x')).toEqual(['a@x', 'b@x', 'c@x']);
  });

  it('without a parent the chain is what it was', () => {
    expect(referencesChain(['a@x'], null)).toEqual(['a@x']);
    expect(referencesChain([], null)).toEqual([]);
  });

  it(`a long chain keeps the root and the newest ${MAX_REFERENCES - 1}`, () => {
    const previous = Array.from({ length: 60 }, (_, i) => `m${i}@x`);
    const chain = referencesChain(previous, 'parent@x');
    expect(chain).toHaveLength(MAX_REFERENCES);
    expect(chain[0]).toBe('m0@x');
    expect(chain[1]).toBe(`m${60 - (MAX_REFERENCES - 2)}@x`);
    expect(chain.at(-1)).toBe('parent@x');
  });
});

describe('through nodemailer: nothing a citizen wrote adds a header', () => {
  it('a hostile name and subject end up as text in one From/To and one Subject line', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const citizen = 'Jan\r\nBcc: attacker@evil.example\r\nX-Injected: yes';
    const info = await transport.sendMail({
      from: formatAddress('Gemeente Voorbeeld', 'info@gemeente-voorbeeld.nl'),
      to: formatAddress(citizen, 'jan@example.nl'),
      subject: replySubject('Paspoort\r\nX-Injected: yes', REF),
      messageId: newMessageId('gemeente-voorbeeld.nl'),
      inReplyTo: '<c@example.nl>',
      references: referencesChain(['<a@example.nl>', 'b@example.nl'], 'c@example.nl'),
      text: 'Antwoord',
    });
    const raw = info.message as Buffer;
    const head = raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^(bcc|x-injected):/im);
    const mail = await parseMail(raw, { maxBytes: 100_000 });
    expect(mail.to).toEqual([{ name: 'Jan Bcc: attacker@evil.example X-Injected: yes', address: 'jan@example.nl' }]);
    expect(mail.subject).toBe(`Re: Paspoort X-Injected: yes [${REF}]`);
    expect(mail.references).toEqual(['a@example.nl', 'b@example.nl', 'c@example.nl']);
    expect(mail.inReplyTo).toEqual(['c@example.nl']);
    expect(mail.messageId).toMatch(/@gemeente-voorbeeld\.nl$/);
  });
});
