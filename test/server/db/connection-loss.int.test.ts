// PostgreSQL dropping every connection (a restart, a failover, an admin's pg_terminate_backend)
// must not take Balie down: it reconnects and answers again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('losing every database connection', () => {
  it('keeps Balie running; health and logins work again', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const killed = await db.pool.query(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    // Balie's pool, the scheduler's LISTEN and the Socket.IO adapter's LISTEN at least.
    expect(killed.rows[0].n).toBeGreaterThanOrEqual(3);
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await balie.request('/healthz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(200);
  });
});
