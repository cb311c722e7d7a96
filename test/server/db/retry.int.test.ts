// The shared retry helper against a real deadlock: PostgreSQL aborts one of two transactions
// that wait on each other (40P01); run again, it succeeds, and nothing is lost or doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inRetriedTransaction, inTransaction, isTransientConflict } from '../../../server/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query('CREATE TABLE tally (id int PRIMARY KEY, n int NOT NULL)');
  await db.pool.query('INSERT INTO tally VALUES (1, 0), (2, 0)');
  // Detect the deadlock quickly rather than after the default second.
  await db.pool.query(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET deadlock_timeout = '50ms'`);
});
afterAll(async () => {
  await db?.drop();
});

/** Two transactions that take rows 1 and 2 in opposite orders, meeting at a barrier in between. */
async function crossed(run: typeof inTransaction): Promise<PromiseSettledResult<void>[]> {
  let arrived = 0;
  let release!: () => void;
  const barrier = new Promise<void>((resolve) => (release = resolve));
  const meet = async () => {
    if (++arrived === 2) release();
    await barrier;
  };
  const tries = { a: 0, b: 0 };
  const side = (name: 'a' | 'b', first: number, second: number) =>
    run(db.pool, async (tx) => {
      tries[name] += 1;
      await tx.query('UPDATE tally SET n = n + 1 WHERE id = $1', [first]);
      // Only the first try waits for the other: a retry runs alone and goes through.
      if (tries[name] === 1) await meet();
      await tx.query('UPDATE tally SET n = n + 1 WHERE id = $1', [second]);
    });
  return Promise.allSettled([side('a', 1, 2), side('b', 2, 1)]);
}

describe('inRetriedTransaction', () => {
  it('without it, one of two crossed transactions fails with 40P01', async () => {
    const results = await crossed(inTransaction);
    const failed = results.filter((result) => result.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(isTransientConflict((failed[0] as PromiseRejectedResult).reason)).toBe(true);
    expect((failed[0] as PromiseRejectedResult).reason.code).toBe('40P01');
  });

  it('with it, both commit: the one PostgreSQL aborted is run again, whole', async () => {
    await db.pool.query('UPDATE tally SET n = 0');
    const results = await crossed(inRetriedTransaction);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    const { rows } = await db.pool.query('SELECT id, n FROM tally ORDER BY id');
    expect(rows).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  it('does not retry other errors', async () => {
    let tries = 0;
    await expect(
      inRetriedTransaction(db.pool, async (tx) => {
        tries += 1;
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(tries).toBe(1);
  });
});
