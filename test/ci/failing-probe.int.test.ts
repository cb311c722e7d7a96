// A test that fails on purpose, to prove the runner reports failure with a non-zero exit status.
// It is an integration test so that the run loads the embedded PostgreSQL (whose exit hook once
// turned every red run into exit status 0). Skipped unless BALIE_FAILING_PROBE=1: `.ci/run` and
// exit-status.int.test.ts set it and require the run to fail; the normal suite skips it.
import { expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.ts';

const probing = process.env.BALIE_FAILING_PROBE === '1';

it.runIf(probing)('fails on purpose (BALIE_FAILING_PROBE=1)', async () => {
  const db = await createTestDatabase();
  try {
    const { rows } = await db.pool.query('SELECT 1 AS one');
    expect(rows[0].one).toBe(2);
  } finally {
    await db.drop();
  }
});
