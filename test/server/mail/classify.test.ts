import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acknowledgementBlocker, readHeaderFields } from '../../../server/mail/classify.ts';
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

/** Complete raw mails, one per marker (issue 13, item 3), classified as ingest does: with all their header fields. */
const robotsDir = path.join(import.meta.dirname, 'fixtures', 'robots');
const classifyRaw = async (name: string) => {
  const raw = fs.readFileSync(path.join(robotsDir, name));
  const mail = await parseMail(raw, { maxBytes: 1_000_000 });
  return acknowledgementBlocker({ ...mail, from: mail.replyTo ?? mail.from }, { ...OWN, fields: readHeaderFields(raw) });
};

describe('acknowledgementBlocker: robots, each marker in a mail of its own', () => {
  const expected: Record<string, string | null> = {
    'post-master.eml': 'system_sender',
    'postmaster.eml': 'system_sender',
    'mailer-daemon.eml': 'system_sender',
    'noreply.eml': 'system_sender',
    'no-reply.eml': 'system_sender',
    'do-not-reply.eml': 'system_sender',
    'bounces-verp.eml': 'system_sender',
    'list-subscribe-fml.eml': 'list',
    'list-help.eml': 'list',
    'list-unsubscribe.eml': 'list',
    'list-post.eml': 'list',
    'list-owner.eml': 'list',
    'list-archive.eml': 'list',
    'list-id.eml': 'list',
    'ezmlm-mailing-list.eml': 'list',
    'x-mailing-list.eml': 'list',
    'x-mlserver.eml': 'list',
    'x-ml-name.eml': 'list',
    'icloud-vacation.eml': 'auto_reply',
    'x-autoreply.eml': 'auto_reply',
    'x-autorespond.eml': 'auto_reply',
    'exchange-oof.eml': 'auto_reply',
    'auto-submitted.eml': 'auto_reply',
    'precedence-bulk.eml': 'bulk',
    'precedence-junk.eml': 'bulk',
    'precedence-list.eml': 'list',
    'dsn.eml': 'bounce',
    'hotmail-arf.eml': 'auto_reply',
    'arf-wrapped.eml': 'auto_reply',
    'read-receipt.eml': 'auto_reply',
    // Outlook's usual headers, X-Auto-Response-Suppress included, on mail a person wrote.
    'citizen-outlook.eml': null,
    'citizen-outlook-all.eml': null,
  };

  it('every fixture has an expectation', () => {
    expect(fs.readdirSync(robotsDir).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s → %s', async (name, blocker) => {
    expect(await classifyRaw(name)).toBe(blocker);
  });

  it.each([
    [['X-Auto-Response-Suppress: All'], 'Vraag over parkeren', null],
    [['X-Auto-Response-Suppress: OOF'], 'Afwezigheid van mijn buurman melden', null],
    [['X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply'], 'Automatisch antwoord: Vergunning', 'auto_reply'],
    [['X-Auto-Response-Suppress: RN, NRN'], 'Automatisch antwoord: Vergunning', null],
    [[], 'Automatisch antwoord: Vergunning', null],
    [['X-Apple-Action: VACATION'], 'x', 'auto_reply'],
    [['X-Apple-Action: Reply'], 'x', null],
    [['X-Precedence: bulk'], 'x', 'bulk'],
    [['Precedence: auto_reply'], 'x', 'auto_reply'],
    [['X-Mailman-Version: 2.1.39'], 'x', 'list'],
    [['X-BeenThere: buurt@lists.example.org'], 'x', 'list'],
    [['X-Mailer: Microsoft Outlook 16.0', 'X-MS-Has-Attach: yes'], 'x', null],
    [['X-HmXmrOriginalRecipient: <klaas@hotmail.com>', 'Content-Type: multipart/mixed; boundary=b'], 'complaint about message from 192.0.2.10', 'auto_reply'],
  ])('%j with subject %j → %s', async (headers, subject, expectedBlocker) => {
    const raw = Buffer.from([`From: Jan <jan@example.nl>`, `Subject: ${subject}`, 'Message-ID: <q@example.nl>', ...headers, '', 'Hallo'].join('\r\n'));
    const mail = await parseMail(raw, { maxBytes: 10_000 });
    expect(acknowledgementBlocker(mail, { ...OWN, fields: readHeaderFields(raw) })).toBe(expectedBlocker);
  });

  it.each([
    ['post_master@example.jp', 'system_sender'],
    ['post.master@example.jp', 'system_sender'],
    ['Mailer_Daemon@example.jp', 'system_sender'],
    ['bounce@example.com', 'system_sender'],
    ['bounces+jan=example.nl@lists.example.org', 'system_sender'],
    ['buurt-bounces@lists.example.org', 'system_sender'],
    ['buurt-owner@lists.example.org', 'system_sender'],
    ['fietsers-return-311-info=gemeente.test@lists.example.net', 'system_sender'],
    ['noreply-12@example.com', 'system_sender'],
    ['no-reply-notifications-7@example.com', 'system_sender'],
    ['majordomo@lists.example.org', 'system_sender'],
    ['listserv@lists.example.org', 'system_sender'],
    ['anne-marie@example.nl', null],
    ['bouncer.jansen@example.nl', null],
    ['postmasterij@example.nl', null],
  ])('sender %s → %s', async (address, expectedBlocker) => {
    expect(acknowledgementBlocker(await mailWith([], `Someone <${address}>`), OWN)).toBe(expectedBlocker);
  });
});

describe('readHeaderFields', () => {
  it('unfolds, lowercases names, keeps repeated fields in order, stops at the body', () => {
    const fields = readHeaderFields(Buffer.from('Received: a\r\n\tb\r\nX-ML-Name: wijk\r\nreceived: c\r\n\r\nX-Body: no\r\n'));
    expect([...fields.entries()]).toEqual([
      ['received', ['a b', 'c']],
      ['x-ml-name', ['wijk']],
    ]);
  });
});
