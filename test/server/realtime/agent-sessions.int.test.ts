// Issue 12 §8: an agent's socket lives no longer than their session. It re-checks the session every
// AGENT_SESSION_CHECK_SECONDS (idle expiry, the absolute lifetime), and hears at once when another
// process ends it — also after the connection that listens for that notice was lost.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { updateAgent } from '../../../server/agents/agents.ts';
import { addAgent, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { untilDone } from '../../support/wait.ts';
import { agentSocket, closeSockets, next, startChatBalie } from '../chat/chat-support.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, { AGENT_SESSION_CHECK_SECONDS: '0.5' });
});
afterEach(() => closeSockets());
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function connected(email: string) {
  const agent = await addAgent(db.pool, 'agent', email);
  const socket = await agentSocket(balie, await balie.login(agent.email, agent.password));
  return { agent, socket };
}

describe('an agent socket and its session', () => {
  it('is disconnected once the session expires', async () => {
    const { agent, socket } = await connected('verlopen@gemeente.test');
    const ended = next<{ reason: string }>(socket, 'session.ended', 30_000);
    const gone = next<string>(socket, 'disconnect', 30_000);
    // The idle lifetime (SESSION_HOURS) has passed, as far as the database is concerned.
    await db.pool.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE agent_id = $1", [agent.id]);
    await expect(ended).resolves.toEqual({ reason: 'expired' });
    await expect(gone).resolves.toBe('io server disconnect');
  });

  it('is disconnected at the session’s absolute end, however active it was', async () => {
    const { agent, socket } = await connected('absoluut@gemeente.test');
    // Active all along: the re-checks slide the idle expiry, the absolute one stays.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(socket.connected).toBe(true);
    const ended = next<{ reason: string }>(socket, 'session.ended', 30_000);
    await db.pool.query("UPDATE sessions SET absolute_expires_at = now() - interval '1 second' WHERE agent_id = $1", [agent.id]);
    await expect(ended).resolves.toEqual({ reason: 'expired' });
  });

  it('stays while the session holds and takes a changed role along', async () => {
    const { agent, socket } = await connected('blijft@gemeente.test');
    await updateAgent(db.pool, agent.id, { role: 'supervisor' });
    const roles = await untilDone(
      async () => (await balie.realtime.agents.fetchSockets()).filter((s) => s.data.agent.id === agent.id).map((s) => s.data.agent.role),
      (found) => found[0] === 'supervisor',
    );
    expect(roles).toEqual(['supervisor']);
    expect(socket.connected).toBe(true);
  });
});

describe('the notice that an agent’s sessions ended', () => {
  it('still arrives after the listening connection was lost', async () => {
    const quiet = await startChatBalie(db.url, { AGENT_SESSION_CHECK_SECONDS: '3600' });
    try {
      const agent = await addAgent(db.pool, 'agent', 'opnieuw@gemeente.test');
      const socket = await agentSocket(quiet, await quiet.login(agent.email, agent.password));
      const listeners = () =>
        db.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'balie-agent-sessions' AND datname = current_database()");
      const before = (await untilDone(listeners, (result) => result.rows.length >= 2)).rows.map((row) => row.pid);
      // A database restart, failover or an admin's pg_terminate_backend: both Balies lose it.
      await db.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      await untilDone(listeners, (result) => result.rows.length >= 2 && result.rows.every((row) => !before.includes(row.pid)), { stallMs: 60_000 });
      const ended = next<{ reason: string }>(socket, 'session.ended', 30_000);
      // Another process (the CLI, another instance) disables her: only the notice reaches this socket in time.
      await updateAgent(db.pool, agent.id, { disabled: true });
      await expect(ended).resolves.toEqual({ reason: 'disabled' });
    } finally {
      await quiet.stop();
    }
  });
});
