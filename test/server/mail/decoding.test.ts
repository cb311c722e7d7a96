// Issue 13, item 8: mail that a standard decoder (Thunderbird, CPython's email package) reads right
// must not become mojibake — raw 8-bit bytes inside a Q encoded word, and UTF-7 headers and bodies.
// The samples in fixtures/decoding/ are raw RFC 5322 bytes of those shapes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repairEncodedWords } from '../../../server/mail/charsets.ts';
import { parseMail } from '../../../server/mail/parse.ts';

const sample = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'decoding', name));
const parse = (name: string) => parseMail(sample(name), { maxBytes: 1_000_000 });

describe('raw 8-bit bytes inside a Q encoded word are read in the word’s charset', () => {
  it('ISO-8859-1: subject and sender name (was "Frï¿½sche")', async () => {
    const mail = await parse('latin1-raw-8bit-in-q-word.eml');
    // ISO-8859-1 is read as windows-1252 (as Thunderbird and browsers do, WHATWG Encoding): 0x96 is the en dash.
    expect(mail.subject).toBe('Frösche im Teich – und Kröten');
    expect(mail.from).toEqual({ name: 'Jürgen Müller', address: 'juergen@example.de' });
    expect(mail.text).toBe('Sehr geehrte Damen und Herren,\n\nin Ihrem Teich sind Frösche.\n\nGrüße\n');
  });

  it('windows-1252, across a folded pair of words: é, the en dash and the euro sign', async () => {
    const mail = await parse('cp1252-raw-8bit-in-q-word.eml');
    expect(mail.subject).toBe('Café – terras vergunning € 50');
  });

  it('leaves header blocks without such words byte for byte as they were', () => {
    const block = Buffer.from('Subject: =?utf-8?Q?Fr=C3=B6sche?= en =?iso-8859-1?B?S3L2dGVu?=\r\nFrom: a@example.nl\r\n\r\n');
    expect(repairEncodedWords(block)).toBe(block);
  });
});

describe('UTF-7 (RFC 2152) is decoded (was "Fr+APY-sche")', () => {
  it('a text/plain; charset=utf-7 body', async () => {
    const mail = await parse('utf7-body.eml');
    expect(mail.text).toBe('Beste gemeente,\n\nIn de vijver zitten Frösche – of kikkers, dat weet ik niet. Kosten: € 0.\n');
  });

  it('UTF-7 encoded words: the sender’s name, and a subject whose shift sequence runs on into the next word', async () => {
    const mail = await parse('utf7-subject.eml');
    expect(mail.subject).toBe('Frösche im Teich été');
    expect(mail.from).toEqual({ name: 'Renée', address: 'renee@example.nl' });
  });

  it('a UTF-7 HTML part is decoded and then sanitised: the markup it hid is seen and removed', async () => {
    const mail = await parse('utf7-html-alternative.eml');
    expect(mail.html).toBe('<p>Frösche</p>');
    expect(mail.text).toBe('Frösche');
  });
});
