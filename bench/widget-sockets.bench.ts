// Benchmark of the chat's socket side, with Balie as its own process (as `npm start` runs it) on a
// real (embedded) PostgreSQL, and the citizens' sockets as real socket.io clients in this process:
//   1. Balie's resident memory with 2,000 and with 10,000 connected widget sockets (per 1,000);
//   2. with 2,000 citizens chatting (each sends a message every ~20 s), the time from a citizen's
//      `message.send` to the agent socket's `message.created` (p50, p99) — at 2,000 and at 10,000
//      connected sockets.
// Run: npm run bench:widget-sockets   (SOCKETS=2000,10000  CHATTING=2000  SECONDS=30 to change)
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { createLogger } from '../server/log.ts';
import type { AgentClientEvents, AgentServerEvents, WidgetClientEvents, WidgetServerEvents } from '../server/realtime/events.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy } from '../test/support/process.ts';

const LEVELS = (process.env.SOCKETS ?? '2000,10000').split(',').map(Number);
const CHATTING = Number(process.env.CHATTING ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 30);
const MESSAGE_EVERY_MS = 20_000;
const admin = { email: 'bench@gemeente.test', password: 'bench password 123' };

type CitizenSocket = Socket<WidgetServerEvents, WidgetClientEvents>;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `width` at a time. */
async function inParallel<T>(items: T[], width: number, task: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  }));
}

/** Balie's resident set in MiB, from the kernel (what the machine actually pays). */
async function residentMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-sockets-'));
const database = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log: createLogger('warn') });
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const balie = spawnBalie({
  DATABASE_URL: database.url,
  PORT: String(port),
  PUBLIC_URL: url,
  ADMIN_EMAIL: admin.email,
  ADMIN_PASSWORD: admin.password,
  LOG_LEVEL: 'warn',
  CHAT_HOURS: 'always',
  // One machine plays every citizen from one address: the per-IP limits would (rightly) stop it.
  PUBLIC_RATE_LIMIT: '1000000',
  PUBLIC_SUBMIT_LIMIT: '1000000',
  WIDGET_IP_RATE_LIMIT: '1000000',
  SOCKETS_PER_ADDRESS: '1000000',
  SOCKETS_MAX: '1000000',
});
const citizens: CitizenSocket[] = [];
let agent: Socket<AgentServerEvents, AgentClientEvents> | undefined;

try {
  await waitForHealthy(port, balie);
  const pid = balie.child.pid!;

  // An agent online, so that chat is available; its socket is where latency is measured.
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  agent = io(`${url}/agent`, { transports: ['websocket'], extraHeaders: { cookie, origin: url } });
  await new Promise((resolve) => agent!.once('session.ready', resolve));

  // Every citizen starts a chat as the widget does (POST /api/public/chats) and keeps its token.
  const total = Math.max(...LEVELS);
  const tokens: string[] = new Array(total);
  let started = performance.now();
  await inParallel(tokens, 16, async (_, index) => {
    const response = await fetch(`${url}/api/public/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ clientId: randomUUID(), text: `Vraag van inwoner ${index}` }),
    });
    if (response.status !== 201) throw new Error(`chat ${index} not started: ${response.status} ${await response.text()}`);
    tokens[index] = ((await response.json()) as { token: string }).token;
  });
  console.log(`${total} chats started over HTTP in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  await sleep(2000);
  const baseline = await residentMiB(pid);
  console.log(`Balie RSS with 0 widget sockets: ${baseline.toFixed(0)} MiB`);
  console.log('\n| connected widget sockets | Balie RSS | per 1,000 sockets | chatting | messages | p50 | p99 | max |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');

  for (const level of LEVELS) {
    // Connect up to `level` sockets, 100 at a time, each until its session.ready.
    started = performance.now();
    await inParallel(tokens.slice(citizens.length, level), 100, async (token) => {
      const socket: CitizenSocket = io(`${url}/widget`, { transports: ['websocket'], auth: { token }, extraHeaders: { origin: url }, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('session.ready', () => resolve());
        socket.once('connect_error', reject);
      });
      citizens.push(socket);
    });
    const connectSeconds = (performance.now() - started) / 1000;
    await sleep(5000);
    const rss = await residentMiB(pid);

    // 2,000 of them chat: each sends a message at a random moment in every 20 s.
    const sentAt = new Map<number, number>();
    const arrivedAt = new Map<number, number>();
    const onMessage = (activity: { messageId: number; direction: string }) => {
      if (activity.direction === 'in') arrivedAt.set(activity.messageId, performance.now());
    };
    agent.on('message.created', onMessage);
    const chatting = citizens.slice(0, CHATTING);
    const until = performance.now() + SECONDS * 1000;
    let failures = 0;
    await Promise.all(chatting.map(async (socket, index) => {
      await sleep(Math.random() * MESSAGE_EVERY_MS);
      while (performance.now() < until) {
        const sent = performance.now();
        const reply = await socket.timeout(30_000).emitWithAck('message.send', { clientId: randomUUID(), text: `Bericht ${index} om ${Date.now()}` }).catch(() => undefined);
        if (reply?.ok) sentAt.set(reply.data.message.id, sent);
        else failures++;
        await sleep(MESSAGE_EVERY_MS * (0.5 + Math.random()));
      }
    }));
    await sleep(2000);
    agent.off('message.created', onMessage);
    const latencies = [...sentAt].flatMap(([id, sent]) => {
      const arrived = arrivedAt.get(id);
      return arrived === undefined ? [] : [arrived - sent];
    });
    const missing = sentAt.size - latencies.length;
    console.log(
      `| ${level.toLocaleString('en')} (connected in ${connectSeconds.toFixed(1)} s) | ${rss.toFixed(0)} MiB | ${(((rss - baseline) / level) * 1000).toFixed(1)} MiB | ${chatting.length.toLocaleString('en')} | ${sentAt.size} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 99).toFixed(1)} ms | ${Math.max(...latencies).toFixed(1)} ms |` +
        (missing || failures ? ` ${missing} not seen by the agent, ${failures} refused` : ''),
    );
  }
} finally {
  for (const socket of citizens) socket.disconnect();
  agent?.disconnect();
  await stopBalie(balie).catch(() => undefined);
  await database.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
