// Benchmark (issue 16 §10): live updates with 50 agent sockets and 20 changes a second. Before: every
// inbox re-reads its list page and counts after a trailing 250 ms debounce (the old client); after:
// the realtime layer reads the changed rows and the counts once per batch (server/inbox/live.ts)
// and every inbox patches its list with the client's own logic (inbox/lib/state/list-patch.ts).
// Measured, both in the same run: database queries caused by live updates per change (a counting
// pool wrapper), and the time from a change being announced until every agent's list shows it.
// Real Socket.IO server and socket.io-client sockets over WebSocket; embedded PostgreSQL.
// Run: npm run bench:live-updates   (AGENTS=50 RATE=20 DURATION=60 CONVERSATIONS=2000)
import http from 'node:http';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import type { ConversationSummary, ListFilter as ClientFilter } from '../inbox/lib/api/conversations.ts';
import { patchList } from '../inbox/lib/state/list-patch.ts';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { migrate } from '../server/db/migrate.ts';
import { createPool, type Db } from '../server/db/pool.ts';
import { DomainEvents } from '../server/domain-events.ts';
import { inboxCounts } from '../server/inbox/counts.ts';
import { listConversations } from '../server/inbox/list.ts';
import { listenLive, type ConversationsChanged } from '../server/inbox/live.ts';
import { createLogger } from '../server/log.ts';

const AGENTS = Number(process.env.AGENTS ?? 50);
const RATE = Number(process.env.RATE ?? 20);
const DURATION = Number(process.env.DURATION ?? 60);
const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 2000);
const PAGE = 50;

const log = createLogger('warn');
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-live-'));
const database = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
const pool = createPool(database.url, log, 8);
await migrate(pool, log);
await pool.query(`INSERT INTO agents (email, name, role, password_hash) SELECT 'medewerker' || g || '@gemeente.test', 'Medewerker ' || g, 'agent', 'x' FROM generate_series(1, $1) g`, [AGENTS]);
await pool.query(
  `INSERT INTO conversations (reference, channel, status, subject, created_at, updated_at, last_message_at, preview)
   SELECT 'BAL-2026-' || lpad(g::text, 7, '0'), 'email', 'open', 'Vraag ' || g, now(), now(), now(), 'vraag ' || g FROM generate_series(1, $1) g`,
  [CONVERSATIONS],
);
const targets = (await pool.query<{ id: number }>('SELECT id::int FROM conversations ORDER BY id LIMIT $1', [PAGE])).rows.map((row) => row.id);

/** Counts every statement the live-update path sends. */
let queries = 0;
const counted = { query: (...args: unknown[]) => { queries++; return (pool.query as (...a: unknown[]) => unknown)(...args); } } as unknown as Db;

const filter: ClientFilter = { channel: '', status: '', assignee: 'all', due: '', q: '' };

interface Client {
  socket: Socket;
  items: ConversationSummary[];
  /** change number → when this client's list first showed it */
  seen: Map<number, number>;
}

function noteSeen(client: Client, items: readonly ConversationSummary[], mode: string) {
  const now = performance.now();
  for (const item of items) {
    const change = new RegExp(`^${mode} change (\\d+)$`).exec(item.preview);
    if (change && !client.seen.has(Number(change[1]))) client.seen.set(Number(change[1]), now);
  }
}

async function run(mode: 'before' | 'after'): Promise<void> {
  const server = http.createServer();
  const io = new Server(server, { serveClient: false });
  const agents = io.of('/agent');
  agents.on('connection', (socket) => void socket.join('kcc'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const events = new DomainEvents();
  const live = mode === 'after'
    ? listenLive({ events, db: counted, log, changed: (change) => agents.to('kcc').emit('conversations.changed', change), notify: () => {} })
    : undefined;
  if (mode === 'before') events.on('message.created', (activity) => agents.to('kcc').emit('message.created', activity));

  const first = await listConversations(pool, { limit: PAGE }, { id: 1 });
  if (first === 'bad_cursor') throw new Error('bad cursor');
  const clients: Client[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const socket = connect(`http://127.0.0.1:${port}/agent`, { transports: ['websocket'] });
    const client: Client = { socket, items: first.items as unknown as ConversationSummary[], seen: new Map() };
    const viewer = i + 1;
    if (mode === 'after') {
      socket.on('conversations.changed', (change: ConversationsChanged) => {
        const result = patchList(client.items, { rows: change.rows as unknown as ConversationSummary[], gone: change.gone }, filter, viewer, true);
        if (result !== 'refetch') client.items = result.items;
        noteSeen(client, client.items, mode);
      });
    } else {
      // The old client: a trailing debounce, then the list page and the counts.
      let burst: ReturnType<typeof setTimeout> | undefined;
      socket.on('message.created', () => {
        clearTimeout(burst);
        burst = setTimeout(async () => {
          const [page] = await Promise.all([listConversations(counted, { limit: PAGE }, { id: viewer }), inboxCounts(counted, {}, { id: viewer })]);
          if (page !== 'bad_cursor') client.items = page.items as unknown as ConversationSummary[];
          noteSeen(client, client.items, mode);
        }, 250);
      });
    }
    clients.push(client);
  }
  await Promise.all(clients.map((client) => new Promise<void>((resolve) => (client.socket.connected ? resolve() : client.socket.once('connect', () => resolve())))));

  queries = 0;
  const announced = new Map<number, number>();
  const total = RATE * DURATION;
  const started = performance.now();
  for (let n = 1; n <= total; n++) {
    const wait = started + (n * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = targets[n % targets.length]!;
    // The change itself (a citizen's message) is not a live-update query: it is made on `pool`.
    await pool.query(`UPDATE conversations SET preview = $2, last_message_at = now(), updated_at = now() WHERE id = $1`, [id, `${mode} change ${n}`]);
    announced.set(n, performance.now());
    events.emit('message.created', { conversationId: id, reference: `BAL-${id}`, channel: 'email', messageId: n, direction: 'in', kind: 'message' });
  }
  // Let the last changes arrive (the old client's debounce fires once the stream stops).
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const perEvent = queries / total;

  // A change counts as shown to an agent when that change or a later one of the same row is in its
  // list; "every agent" is the slowest agent per change.
  const latencies: number[] = [];
  let never = 0;
  for (let n = 1; n <= total; n++) {
    let slowest = 0;
    let missing = false;
    for (const client of clients) {
      let at: number | undefined;
      for (let later = n; later <= total; later += targets.length) {
        const seen = client.seen.get(later);
        if (seen !== undefined) at = at === undefined ? seen : Math.min(at, seen);
      }
      if (at === undefined) missing = true;
      else slowest = Math.max(slowest, at - announced.get(n)!);
    }
    if (missing) never++;
    else latencies.push(slowest);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0) : '–');
  console.log(
    `${mode.padEnd(6)} ${total} changes, ${AGENTS} agents: ${perEvent.toFixed(2)} queries per change; every agent's list shows the change: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms; ` +
      `${never} of the changes never shown`,
  );
  live?.stop();
  for (const client of clients) client.socket.disconnect();
  await new Promise<void>((resolve) => void io.close(() => resolve()));
}

console.log(`live updates: ${AGENTS} agent sockets, ${RATE} changes/s for ${DURATION} s over ${CONVERSATIONS} open conversations (load average ${os.loadavg()[0]!.toFixed(2)})`);
await run('before');
await run('after');
await pool.end();
await database.stop();
await fs.rm(dir, { recursive: true, force: true });
