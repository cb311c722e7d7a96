// The poison-mail guard's bookkeeping on a real PostgreSQL: each PoisonMailGuard stands for one
// Balie process (its own reader), so a note left by another guard is what a dead process leaves.
// The whole path — real kills of a real Balie on a real Dovecot — is poison-mail.int.test.ts.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../../../server/log.ts';
import { PoisonMailGuard } from '../../../server/mail/poison-guard.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
const log = createLogger('silent');
const MAILBOX = 'INBOX';
const VALIDITY = '1700000000';

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('DELETE FROM mail_reading');
  await db.pool.query('DELETE FROM mail_read_crashes');
});

const crashes = async () =>
  (await db.pool.query('SELECT uid, crashes FROM mail_read_crashes ORDER BY uid')).rows.map((row) => ({ uid: Number(row.uid), crashes: row.crashes }));
const uids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

it('nothing noted: every mail may be read in a batch, none is poisoned', async () => {
  const plan = await new PoisonMailGuard(db.pool, log).plan(MAILBOX, VALIDITY, 0);
  expect(uids(1, 5).map((uid) => [plan.alone(uid), plan.poisoned(uid)])).toEqual(uids(1, 5).map(() => [false, undefined]));
});

it("a dead reader's unfinished batch is read one mail at a time, and counts against no mail", async () => {
  const dead = new PoisonMailGuard(db.pool, log);
  await dead.reading(db.pool, MAILBOX, VALIDITY, 10, 59);
  const plan = await new PoisonMailGuard(db.pool, log).plan(MAILBOX, VALIDITY, 20);
  expect([21, 40, 59, 60].map((uid) => plan.alone(uid))).toEqual([true, true, true, false]);
  expect(await crashes()).toEqual([]);
});

it('one mail counts a crash per dead reader, never twice for one, and is poisoned at the setting', async () => {
  const first = new PoisonMailGuard(db.pool, log);
  await first.reading(db.pool, MAILBOX, VALIDITY, 30, 30);
  const second = new PoisonMailGuard(db.pool, log);
  const once = await second.plan(MAILBOX, VALIDITY, 29);
  expect(await crashes()).toEqual([{ uid: 30, crashes: 1 }]);
  expect([once.alone(30), once.poisoned(30), once.alone(31)]).toEqual([true, undefined, false]);
  // The same process syncs again (a reconnect): the note is its own now, nothing more is counted.
  await second.plan(MAILBOX, VALIDITY, 29);
  expect(await crashes()).toEqual([{ uid: 30, crashes: 1 }]);
  // It dies reading the mail again (it noted it, as the poller does): the next process counts 2.
  await second.reading(db.pool, MAILBOX, VALIDITY, 30, 30);
  const twice = await new PoisonMailGuard(db.pool, log).plan(MAILBOX, VALIDITY, 29);
  expect(await crashes()).toEqual([{ uid: 30, crashes: 2 }]);
  expect(twice.poisoned(30)).toBe(2);
  // A third death; with MAIL_CRASH_QUARANTINE_AFTER=4 three are not enough.
  await db.pool.query('UPDATE mail_reading SET reader = $1', ['gone:1:x']);
  const patient = await new PoisonMailGuard(db.pool, log, 4).plan(MAILBOX, VALIDITY, 29);
  expect(await crashes()).toEqual([{ uid: 30, crashes: 3 }]);
  expect([patient.poisoned(30), patient.alone(30)]).toEqual([undefined, true]);
});

it('a note the checkpoint passed is finished work: no crash, and old counts are dropped', async () => {
  await db.pool.query("INSERT INTO mail_read_crashes (mailbox, uid_validity, uid, crashes) VALUES ($1, $2, 7, 1), ($1, 'old', 9, 1)", [MAILBOX, VALIDITY]);
  await new PoisonMailGuard(db.pool, log).reading(db.pool, MAILBOX, VALIDITY, 30, 30);
  const plan = await new PoisonMailGuard(db.pool, log).plan(MAILBOX, VALIDITY, 30);
  expect(await crashes()).toEqual([]);
  expect(plan.alone(31)).toBe(false);
});

it('a clean stop removes its note (the next start counts nothing); a stopping guard notes nothing', async () => {
  const stopping = new PoisonMailGuard(db.pool, log);
  await stopping.reading(db.pool, MAILBOX, VALIDITY, 30, 30);
  stopping.stopNoting();
  expect(await stopping.reading(db.pool, MAILBOX, VALIDITY, 31, 31)).toBe(false);
  await stopping.close();
  expect((await db.pool.query('SELECT * FROM mail_reading')).rows).toEqual([]);
  await new PoisonMailGuard(db.pool, log).plan(MAILBOX, VALIDITY, 29);
  expect(await crashes()).toEqual([]);
});
