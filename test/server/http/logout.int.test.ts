// Logging out ends that browser's live /agent connection; the same agent's other sessions stay.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, sleep } from '../chat/chat-support.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
});
afterEach(() => closeSockets());
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('logging out', () => {
  it('disconnects the sockets of that session only', async () => {
    const laptop = await balie.login(ADMIN.email, ADMIN.password);
    const desktop = await balie.login(ADMIN.email, ADMIN.password);
    const [tabOne, tabTwo, other] = await Promise.all([agentSocket(balie, laptop), agentSocket(balie, laptop), agentSocket(balie, desktop)]);

    const ended = next<{ reason: string }>(tabOne, 'session.ended');
    const gone = Promise.all([tabOne, tabTwo].map((socket) => new Promise((resolve) => socket.once('disconnect', resolve))));
    const response = await balie.request('/api/auth/logout', { method: 'POST', cookie: laptop });
    expect(response.status).toBe(204);
    expect(await ended).toEqual({ reason: 'logged_out' });
    await gone;
    await sleep(200);
    expect(other.connected).toBe(true);
    // The logged-out session cannot come back in.
    await expect(agentSocket(balie, laptop)).rejects.toThrow();
  });
});
