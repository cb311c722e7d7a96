// SIGTERM while citizens are chatting: Balie stops accepting, finishes the writes it acknowledged,
// closes its sockets, and only then stops its embedded PostgreSQL — and exits 0 within 10 s.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/log.ts';
import { ADMIN, adminLogin, sessionCookie } from '../support/balie.ts';
import { agentSocket, CHAT_ENV, type CitizenSocket } from './chat/chat-support.ts';
import { freePort, spawnBalie, waitForHealthy } from '../support/process.ts';
import { untilDone } from '../support/wait.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-sigterm-'));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

it('SIGTERM during a chat burst: exit 0 within 10 s, every acknowledged message stored, the database stopped last', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const balie = spawnBalie({ ...CHAT_ENV, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  await waitForHealthy(port, balie, 120_000);
  const url = `http://127.0.0.1:${port}`;
  // Chat is offered only while an agent is online.
  const login = await adminLogin(url);
  expect(login.status).toBe(200);
  const agent = await agentSocket({ url }, sessionCookie(login), { keep: true });

  // Five citizens, each in a chat of their own, sending as fast as their acks come back.
  const chats = await Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const response = await fetch(`${url}/api/public/chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: randomUUID(), text: `Vraag van burger ${i}` }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { token: string };
    }),
  );
  const acknowledged = new Set<number>();
  const refused: string[] = [];
  let sent = 0;
  let stopping = false;
  const bursts = chats.map(async ({ token }) => {
    const socket: CitizenSocket = connect(`${url}/widget`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('session.ready', () => resolve());
      socket.once('connect_error', reject);
    });
    try {
      while (socket.connected) {
        sent += 1;
        const reply = await socket.timeout(15_000).emitWithAck('message.send', { clientId: randomUUID(), text: `bericht ${sent}` }).catch(() => undefined);
        if (!reply) break; // the socket closed before the answer: not acknowledged, so not promised
        if (reply.ok) acknowledged.add(reply.data.message.id);
        else refused.push(reply.error.code);
      }
    } finally {
      socket.disconnect();
    }
    if (!stopping) throw new Error('a burst ended before the signal');
  });

  // The signal falls in the middle of the burst, once it is well under way.
  await untilDone(async () => acknowledged.size, (count) => count >= 100);
  stopping = true;
  const signalled = Date.now();
  balie.child.kill('SIGTERM');
  const exit = await balie.exited;
  const tookMs = Date.now() - signalled;
  await Promise.all(bursts);
  agent.disconnect();

  expect(exit, balie.output()).toEqual({ code: 0, signal: null });
  expect(tookMs).toBeLessThan(10_000);
  // Stopped means stopped: no postmaster left holding the data directory.
  expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  // A command that was answered at all was answered with success, not with a database error.
  expect(refused).toEqual([]);
  expect(balie.stderr()).not.toMatch(/"level":(50|60)/);

  const database = await openEmbeddedDatabase({ dataDir, log: createLogger('silent') });
  try {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM messages WHERE id = ANY($1::bigint[])', [[...acknowledged]]);
      expect(rows.length).toBe(acknowledged.size);
    } finally {
      await client.end();
    }
  } finally {
    await database.stop();
  }
  expect(acknowledged.size).toBeGreaterThanOrEqual(100);
});
