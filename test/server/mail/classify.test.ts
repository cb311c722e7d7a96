import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acknowledgementBlocker } from '../../../server/mail/classify.ts';
import { parseMail, type ParsedMail } from '../../../server/mail/parse.ts';

const OWN = { ownAddresses: ['Info@Gemeente-Voorbeeld.nl', 'noreply-balie@gemeente-voorbeeld.nl'] };
const fixture = (name: string) => parseMail(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name)), { maxBytes: 1_000_000 });
/** A citizen's mail with the given extra header lines. */
const mailWith = (headers: string[], from = 'Jan <jan@example.nl>'): Promise<ParsedMail> =>
  parseMail(Buffer.from([`From: ${from}`, 'Subject: vraag', 'Message-ID: <q@example.nl>', ...headers, '', 'Hallo'].join('\r\n')), { maxBytes: 10_000 });

describe('acknowledgementBlocker', () => {
  it.each([
    ['plain.eml', null],
    ['html-only.eml', null],
    ['latin1-qp.eml', null],
    ['auto-reply.eml', 'auto_reply'],
    ['list.eml', 'list'],
    ['noreply.eml', 'system_sender'],
    ['dsn-bounce.eml', 'bounce'],
    ['dsn-headers-only.eml', 'bounce'],
  ])('%s → %s', async (name, expected) => {
    expect(acknowledgementBlocker(await fixture(name), OWN)).toBe(expected);
  });

  it.each([
    [['Auto-Submitted: no'], null],
    [['Auto-Submitted: No (a person wrote this)'], null],
    [['Auto-Submitted: auto-generated'], 'auto_reply'],
    [['Auto-Submitted: Auto-Notified; owner-email="x@y"'], 'auto_reply'],
    [['X-Autoreply: yes'], 'auto_reply'],
    [['X-Autorespond: Ik ben afwezig'], 'auto_reply'],
    [['Precedence: bulk'], 'bulk'],
    [['Precedence: JUNK'], 'bulk'],
    [['Precedence: list'], 'list'],
    [['Precedence: first-class'], null],
    [['List-Id: <buurt.example>'], 'list'],
    [['List-Unsubscribe: <https://example.nl/stop>', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'], 'list'],
    [['Return-Path: <>'], 'bounce'],
    [['Return-Path: < >'], 'bounce'],
    [['Return-Path: <jan@example.nl>'], null],
    [['Content-Type: multipart/report; report-type=disposition-notification; boundary=b'], 'auto_reply'],
  ])('%j → %s', async (headers, expected) => {
    expect(acknowledgementBlocker(await mailWith(headers), OWN)).toBe(expected);
  });

  it.each([
    ['MAILER-DAEMON@mx.example.nl', 'system_sender'],
    ['postmaster@example.nl', 'system_sender'],
    ['no-reply@example.nl', 'system_sender'],
    ['NoReply@example.nl', 'system_sender'],
    ['no_reply+abc@example.nl', 'system_sender'],
    ['donotreply@example.nl', 'system_sender'],
    ['do-not-reply@example.nl', 'system_sender'],
    ['info@gemeente-voorbeeld.nl', 'own_address'],
    ['INFO@gemeente-voorbeeld.nl', 'own_address'],
    ['noreply-balie@gemeente-voorbeeld.nl', 'own_address'],
    ['replyer@example.nl', null],
    ['norepl@example.nl', null],
    ['postmaster.jansen@example.nl', null],
  ])('sender %s → %s', async (address, expected) => {
    expect(acknowledgementBlocker(await mailWith([], `Someone <${address}>`), OWN)).toBe(expected);
  });

  it('no sender, or an unreadable one', async () => {
    expect(acknowledgementBlocker(await parseMail(Buffer.from('Subject: x\r\n\r\nbody'), { maxBytes: 1000 }), OWN)).toBe('no_sender');
    expect(acknowledgementBlocker(await mailWith([], 'Geen adres'), OWN)).toBe('no_sender');
  });

  it('a bounce is reported as a bounce even though it is also auto-submitted and from MAILER-DAEMON', async () => {
    const mail = await fixture('dsn-bounce.eml');
    expect(mail.headers.autoSubmitted).toBe('auto-replied');
    expect(acknowledgementBlocker(mail, OWN)).toBe('bounce');
  });

  it('an oversize stub is still classified from its headers', async () => {
    const mail = await parseMail(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'list.eml')), { maxBytes: 100 });
    expect(mail.oversize).not.toBeNull();
    expect(acknowledgementBlocker(mail, OWN)).toBe('list');
  });
});
