// The adapter between Balie's instances (server/realtime/adapter.ts): a broadcast reaches this
// instance's sockets without waiting for PostgreSQL (issue 17 §4), and still reaches the other
// instances' sockets, in the order it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalFirstAdapter } from '../../../server/realtime/adapter.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { waitUntil } from '../chat/chat-support.ts';

interface Instance {
  io: Server;
  /** The adapter's own pool, as Balie gives it: two connections, one held for LISTEN. */
  pool: pg.Pool;
  client: Socket;
}

let db: TestDatabase;
const instances: Instance[] = [];
const errors: Error[] = [];

async function startInstance(): Promise<Instance> {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const server = http.createServer();
  const io = new Server(server);
  io.adapter(createLocalFirstAdapter(pool, { errorHandler: (error) => errors.push(error) }) as never);
  io.on('connection', (socket) => void socket.join('kcc'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  const instance = { io, pool, client };
  instances.push(instance);
  return instance;
}

/** Every `event` payload the socket receives. */
function received(socket: Socket, event: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(event, (payload: unknown) => seen.push(payload));
  return seen;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await startInstance();
  await startInstance();
  // Each instance knows the other once a heartbeat came through LISTEN (the adapter's own INITIAL_HEARTBEAT).
  await waitUntil(async () => (await instances[0]!.io.of('/').adapter.serverCount()) === 2 && (await instances[1]!.io.of('/').adapter.serverCount()) === 2, 15_000, 'both instances to know each other');
});
afterAll(async () => {
  for (const { io, client, pool } of instances) {
    client.disconnect();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await pool.end();
  }
  await db?.drop();
});

it('delivers to its own sockets while PostgreSQL has not sent the NOTIFY yet', async () => {
  const [here, there] = instances as [Instance, Instance];
  const seenHere = received(here.client, 'held');
  const seenThere = received(there.client, 'held');
  // The adapter pool's one free connection is busy (as behind a queue of earlier NOTIFYs).
  const held = await here.pool.connect();
  try {
    here.io.to('kcc').emit('held', 1);
    await waitUntil(() => seenHere.length === 1, 15_000, 'the local socket to get the broadcast');
    expect(seenThere).toEqual([]);
  } finally {
    held.release();
  }
  await waitUntil(() => seenThere.length === 1, 15_000, 'the other instance to get the broadcast');
  expect(seenHere).toEqual([1]);
  expect(seenThere).toEqual([1]);
});

it('reaches every instance once, in the order it was sent', async () => {
  const [here, there] = instances as [Instance, Instance];
  const seenHere = received(here.client, 'ordered');
  const seenThere = received(there.client, 'ordered');
  const sent = Array.from({ length: 30 }, (_, i) => i);
  for (const n of sent) here.io.to('kcc').emit('ordered', n);
  // A payload past the adapter's NOTIFY threshold travels as an attachment row: still in order.
  here.io.to('kcc').emit('ordered', 'x'.repeat(10_000));
  await waitUntil(() => seenThere.length === sent.length + 1 && seenHere.length === sent.length + 1, 15_000, 'every broadcast on both instances');
  expect(seenHere.slice(0, -1)).toEqual(sent);
  expect(seenThere.slice(0, -1)).toEqual(sent);
  expect(seenThere.at(-1)).toHaveLength(10_000);
  expect(errors).toEqual([]);
});
