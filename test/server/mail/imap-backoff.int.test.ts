// The IMAP reconnect backoff (issue 13, item 9) with a real Balie and a real Dovecot restarted
// several times: failed attempts back off, and once a session has been healthy the next drop is
// retried after the minimum wait again — not 16, 32, 60 s as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { eventually, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
});
afterAll(async () => {
  await world?.close();
  await db?.drop();
});

interface EmailHealth {
  imap: string;
  failures: number;
  retryInMs: number | null;
  healthySince: string | null;
}

// The poller's own account of its state, as /healthz shows it to logged-in staff. Undefined when
// the probe answered without details (its session check has a deadline of its own).
const health = async (balie: TestBalie, cookie: string): Promise<EmailHealth | undefined> => (await (await balie.request('/healthz', { cookie })).json()).details?.email;

const MIN_MS = 1_000;
// The poller doubles its wait after each failed attempt, from MIN_MS.
const waitAfter = (failures: number) => MIN_MS * 2 ** (failures - 1);

describe('IMAP reconnect backoff', () => {
  it('backs off while Dovecot is away and starts from the minimum again after a healthy session', { timeout: 240_000 }, async () => {
    // A session counts as healthy after 1 s instead of 10 s: the same rule, four rounds sooner.
    const balie = await startTestBalie(db.url, { ...world.env, IMAP_HEALTHY_AFTER_SECONDS: '1' });
    try {
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      const healthy = () => eventually(() => health(balie, cookie), (email) => email?.imap === 'connected' && email.healthySince !== null && email.failures === 0, 60_000);
      await healthy();

      // A long outage: the waits grow with every failed attempt (1, 2, 4 s …).
      await world.dovecot.stop();
      const seen = new Map<number, number>();
      await eventually(
        async () => {
          const email = await health(balie, cookie);
          if (email?.retryInMs != null) seen.set(email.failures, email.retryInMs);
          return email;
        },
        (email) => (email?.failures ?? 0) >= 3 && email?.retryInMs != null,
        60_000,
      );
      for (const [failures, retryInMs] of seen) expect(retryInMs, `wait after ${failures} failed attempts`).toBe(waitAfter(failures));
      expect(Math.max(...seen.values())).toBeGreaterThanOrEqual(4 * MIN_MS);

      // Several restarts, each after a healthy session: the first wait after the drop is the minimum.
      for (let round = 1; round <= 3; round += 1) {
        await world.dovecot.restart();
        await healthy();
        await world.dovecot.stop();
        const dropped = await eventually(() => health(balie, cookie), (email) => email?.imap === 'error' && email.retryInMs !== null, 30_000);
        // Normally 1 failure and the minimum wait; a slow probe may see a later attempt, whose wait
        // still follows from the minimum (the old code waited 8 s, 16 s … here).
        expect(dropped!.failures, `round ${round}`).toBeLessThanOrEqual(3);
        expect(dropped!.retryInMs, `round ${round}: wait after ${dropped!.failures} failed attempts`).toBe(waitAfter(dropped!.failures));
      }
      await world.dovecot.restart();
      await eventually(() => health(balie, cookie), (email) => email?.imap === 'connected', 30_000);
    } finally {
      await balie.stop();
    }
  });
});
