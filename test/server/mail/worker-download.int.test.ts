// Issue 12, item 1: a large mail is downloaded on a parse worker, on an IMAP connection of its own,
// straight into the shared memory the poller leased; the worker tells a vanished UID, another
// UIDVALIDITY and a connection problem apart (the poller downloads the mail itself on the last).
import fs from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ImapConnectionSettings } from '../../../server/mail/imap-options.ts';
import { MailParsePool } from '../../../server/mail/parse-pool.ts';
import { freePort } from '../../support/process.ts';
import { startDovecot, type Dovecot } from '../../support/dovecot.ts';
import { deliver, eventually } from './mail-support.ts';

let dovecot: Dovecot;
let imap: ImapConnectionSettings;
let pool: MailParsePool;
const MESSAGE_ID = 'groot-download@example.nl';

beforeAll(async () => {
  dovecot = await startDovecot();
  imap = { host: dovecot.host, port: dovecot.imapPort, secure: false, user: dovecot.user, password: dovecot.password };
  pool = new MailParsePool({ threads: 1, timeoutMs: 300_000, htmlMaxBytes: 2 * 1024 * 1024, maxHeapMb: 1024 });
}, 120_000);

afterAll(async () => {
  await pool?.close();
  await dovecot?.close();
});

/** The INBOX's UIDVALIDITY, and the UID, size and exact source of its newest mail. */
async function newest(): Promise<{ uidValidity: string; uid: number; source: Buffer }> {
  const client = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const message = await client.fetchOne('*', { uid: true, source: true });
      if (!message) throw new Error('no mail');
      return { uidValidity: String(client.mailbox && client.mailbox.uidValidity), uid: message.uid, source: message.source! };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

it('downloads a large mail into leased shared memory, byte for byte; a vanished UID, another UIDVALIDITY and an unreachable server are told apart', { timeout: 300_000 }, async () => {
  const body = 'Beste gemeente, dit is een lange vraag over de vergunning.\n'.repeat(Math.ceil((3 * 1024 * 1024) / 60));
  await deliver(dovecot, `From: a@example.nl\nTo: info@gemeente.test\nSubject: groot\nMessage-ID: <${MESSAGE_ID}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n${body}`);
  const { uidValidity, uid, source } = await newest();
  expect(source.byteLength).toBeGreaterThan(3 * 1024 * 1024);

  const lease = await pool.leaseMemory(source.byteLength);
  const stored = await pool.download({ imap, mailbox: 'INBOX', uidValidity, uid }, lease);
  expect(stored).toEqual({ status: 'stored', length: source.byteLength });
  expect(Buffer.compare(lease.bytes.subarray(0, source.byteLength), source)).toBe(0);
  // What was downloaded parses on the worker in place, as the poller then does.
  const parsed = await pool.parse(lease.bytes, { maxBytes: 25 * 1024 * 1024 });
  expect(parsed.messageId).toBe(MESSAGE_ID);
  lease.release();

  const again = await pool.leaseMemory(source.byteLength);
  try {
    expect(await pool.download({ imap, mailbox: 'INBOX', uidValidity, uid: uid + 1000 }, again)).toEqual({ status: 'vanished' });
    expect(await pool.download({ imap, mailbox: 'INBOX', uidValidity: String(Number(uidValidity) + 1), uid }, again)).toEqual({ status: 'uidvalidity', now: uidValidity });
    // Nothing listens there: a connection problem, for which the poller downloads the mail itself.
    const unreachable = await pool.download({ imap: { ...imap, port: await freePort() }, mailbox: 'INBOX', uidValidity, uid }, again);
    expect(unreachable.status).toBe('failed');
    // Wrong password: failed too (the poller's own session then reports the login problem).
    expect((await pool.download({ imap: { ...imap, password: 'fout' }, mailbox: 'INBOX', uidValidity, uid }, again)).status).toBe('failed');
    // And with the right settings again, the worker connects anew.
    expect(await pool.download({ imap, mailbox: 'INBOX', uidValidity, uid }, again)).toEqual({ status: 'stored', length: source.byteLength });
  } finally {
    again.release();
  }
});

it('a mail larger than the memory for it is not cut short: failed, so the poller downloads it itself', { timeout: 300_000 }, async () => {
  const { uidValidity, uid, source } = await newest();
  // A pool of its own: the first one would lend its spare memory, which fits the mail.
  const fresh = new MailParsePool(pool.settings);
  const small = await fresh.leaseMemory(1024);
  try {
    const result = await fresh.download({ imap, mailbox: 'INBOX', uidValidity, uid }, small);
    expect(result.status).toBe('failed');
    expect(source.byteLength).toBeGreaterThan(small.bytes.buffer.byteLength);
  } finally {
    small.release();
    await fresh.close();
  }
});

/** Dovecot's log lines of IMAP sessions that ended: by LOGOUT, or by a connection just dropped. */
async function endedSessions(): Promise<{ loggedOut: number; dropped: number }> {
  const log = await fs.readFile(path.join(dovecot.dir, 'dovecot.log'), 'utf8').catch(() => '');
  const ended = log.split('\n').filter((line) => /imap\(/.test(line) && /Disconnected/.test(line));
  return { loggedOut: ended.filter((line) => /Logged out/.test(line)).length, dropped: ended.filter((line) => !/Logged out/.test(line)).length };
}

it('the worker logs out when the pool closes (Balie stopping), and when it has been idle a moment', { timeout: 300_000 }, async () => {
  const { uidValidity, uid } = await newest();
  for (const closeAtOnce of [true, false]) {
    const before = await endedSessions();
    const own = new MailParsePool(pool.settings);
    const lease = await own.leaseMemory(8 * 1024 * 1024);
    expect((await own.download({ imap, mailbox: 'INBOX', uidValidity, uid }, lease)).status).toBe('stored');
    lease.release();
    if (closeAtOnce) await own.close();
    // Idle: the worker stays (it is kept for the next mail), its IMAP connection does not.
    const after = await eventually(endedSessions, (ended) => ended.loggedOut > before.loggedOut, 30_000);
    expect(after.dropped).toBe(before.dropped);
    if (!closeAtOnce) await own.close();
  }
});
