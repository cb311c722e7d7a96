// Benchmark of the chat's socket side, with Balie as its own process (as `npm start` runs it) on a
// real (embedded) PostgreSQL, and the citizens' sockets as real socket.io clients in worker
// processes of this benchmark (several, so that the clients' own CPU does not become the figure):
//   1. Balie's resident memory with 2,000, 10,000 and 20,000 connected widget sockets (per 1,000);
//   2. with 2,000 citizens chatting (each sends a message every ~20 s), the time from a citizen's
//      `message.send` to the agent socket's `message.created` (p50, p99) — at each level.
// Each worker connects from its own loopback address (127.0.0.2, .3, …): 20,000 connections from
// one address to one port would leave few of the ~28,000 ephemeral ports.
// Run: npm run bench:widget-sockets   (SOCKETS=2000,10000,20000  CHATTING=2000  SECONDS=30  WORKERS=4
//      BENCH_NICE=-10 to give the measured processes priority on a shared machine; needs root;
//      HEAP_SNAPSHOTS=<dir> writes a heap snapshot of Balie at 0 sockets and at each level, before chatting,
//      for `node bench/heap-summary.ts <before> <after> <sockets>`)
// Ceilings (issue 17 §4): ≤ 20 MiB per 1,000 sockets and p99 ≤ 25 ms at 20,000 sockets.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { AgentClientEvents, AgentServerEvents, WidgetClientEvents, WidgetServerEvents } from '../server/realtime/events.ts';

const LEVELS = (process.env.SOCKETS ?? '2000,10000,20000').split(',').map(Number);
const CHATTING = Number(process.env.CHATTING ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 30);
const WORKERS = Number(process.env.WORKERS ?? 4);
const MESSAGE_EVERY_MS = 20_000;
const CEILING_MIB_PER_1000 = 20;
const CEILING_P99_MS = 25;
const HEAP_SNAPSHOTS = process.env.HEAP_SNAPSHOTS ? path.resolve(process.env.HEAP_SNAPSHOTS) : undefined;
const PROBE = process.env.BENCH_PROBE === '1';
const admin = { email: 'bench@gemeente.test', password: 'bench password 123' };

type CitizenSocket = Socket<WidgetServerEvents, WidgetClientEvents>;

/** Messages between the benchmark and its citizen workers. */
type ToWorker =
  | { kind: 'connect'; url: string; tokens: { index: number; token: string }[] }
  | { kind: 'chat'; below: number; seconds: number }
  | { kind: 'close' };
type FromWorker =
  | { kind: 'connected'; count: number }
  | { kind: 'chatted'; sent: [id: number, at: number, acked: number][]; failures: number; loop: LoopDelay }
  | { kind: 'failed'; error: string };

/** A process's event loop delay over the chat (max, p99 in ms): a busy client reads its clock late. */
type LoopDelay = { max: number; p99: number };
function loopDelay(): () => LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return () => {
    histogram.disable();
    return { max: histogram.max / 1e6, p99: histogram.percentile(99) / 1e6 };
  };
}

/** A clock that processes on one machine share, in milliseconds with sub-millisecond resolution. */
const now = () => performance.timeOrigin + performance.now();
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

/** A worker: holds its share of the citizens' sockets, all from its own source address. */
async function citizenWorker(localAddress: string) {
  const sockets: { index: number; socket: CitizenSocket }[] = [];
  const reply = (message: FromWorker) => process.send!(message);
  // The benchmark went away (finished or crashed): so do its citizens.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToWorker) => {
    void (async () => {
      if (message.kind === 'connect') {
        await inParallel(message.tokens, 50, async ({ index, token }) => {
          const socket: CitizenSocket = io(`${message.url}/widget`, { transports: ['websocket'], auth: { token }, extraHeaders: { origin: message.url }, forceNew: true, localAddress } as never);
          await new Promise<void>((resolve, reject) => {
            socket.once('session.ready', () => resolve());
            socket.once('connect_error', reject);
          });
          sockets.push({ index, socket });
        });
        reply({ kind: 'connected', count: sockets.length });
      } else if (message.kind === 'chat') {
        // Each chatting citizen sends a message at a random moment in every ~20 s.
        const sent: [number, number, number][] = [];
        let failures = 0;
        const loop = loopDelay();
        const until = now() + message.seconds * 1000;
        await Promise.all(sockets.filter(({ index }) => index < message.below).map(async ({ index, socket }) => {
          await sleep(Math.random() * MESSAGE_EVERY_MS);
          while (now() < until) {
            const at = now();
            const answer = await socket.timeout(30_000).emitWithAck('message.send', { clientId: randomUUID(), text: `Bericht ${index} om ${Date.now()}` }).catch(() => undefined);
            if (answer?.ok) sent.push([answer.data.message.id, at, now()]);
            else failures++;
            await sleep(MESSAGE_EVERY_MS * (0.5 + Math.random()));
          }
        }));
        reply({ kind: 'chatted', sent, failures, loop: loop() });
      } else {
        for (const { socket } of sockets) socket.disconnect();
        process.exit(0);
      }
    })().catch((error: unknown) => reply({ kind: 'failed', error: String(error) }));
  });
}

/** The benchmark's side of one worker: a request, and the worker's answer to it. */
function workerHandle(child: ChildProcess) {
  return (message: ToWorker) =>
    new Promise<FromWorker>((resolve, reject) => {
      child.once('message', (answer: FromWorker) => (answer.kind === 'failed' ? reject(new Error(answer.error)) : resolve(answer)));
      child.send(message);
    });
}

/** The highest number of descriptors this process (and so Balie, its child) may open. */
async function descriptorLimit(): Promise<number> {
  const limits = await fs.readFile('/proc/self/limits', 'utf8');
  return Number(/Max open files\s+(\d+)/.exec(limits)![1]);
}

/**
 * Gives this process and everything it started (Balie, PostgreSQL and its backends, the workers;
 * every thread of each) the nice value `nice`, for the measured phase only: on a machine shared
 * with other work (BENCH_NICE=-10) the figures then describe Balie rather than its neighbours.
 */
async function reniceTree(nice: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = /\) \S (\d+)/.exec(stat)?.[1];
    if (parent) parents.set(Number(entry), Number(parent));
  }
  const tree = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) if (tree.has(parent) && !tree.has(pid)) grew = !!tree.add(pid);
  }
  let threads = 0;
  for (const pid of tree) {
    for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
      try {
        os.setPriority(Number(tid), nice);
        threads++;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return threads;
}

/** Has Balie (started with --heapsnapshot-signal) write a heap snapshot; resolves with its path once written. */
async function heapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(await fs.readdir(dir));
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    await sleep(1000);
    const file = (await fs.readdir(dir)).find((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
    if (!file) continue;
    // Written in one go by the main thread: complete once its size stops changing.
    const size = (await fs.stat(path.join(dir, file))).size;
    await sleep(2000);
    if ((await fs.stat(path.join(dir, file))).size === size && size > 0) return path.join(dir, file);
  }
}

/** Balie's resident set in MiB, from the kernel (what the machine actually pays). */
async function residentMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};

/** What bench/balie-probe.ts recorded in Balie between `from` and `until`. */
async function summariseProbe(file: string, from: number, until: number) {
  type Stat = { n: number; total: number; max: number };
  type Line = { at: number; loopMaxMs: number; loopP99Ms: number; gc: Record<string, Stat>; queries: Record<string, Stat> };
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line).filter((line) => line.at > from && line.at <= until + 1000);
  const merge = (pick: (line: Line) => Record<string, Stat>) => {
    const into: Record<string, Stat> = {};
    for (const line of lines) {
      for (const [key, stat] of Object.entries(pick(line))) {
        const sum = (into[key] ??= { n: 0, total: 0, max: 0 });
        sum.n += stat.n;
        sum.total += stat.total;
        sum.max = Math.max(sum.max, stat.max);
      }
    }
    return Object.entries(into).sort(([, a], [, b]) => b.total - a.total);
  };
  const seconds = lines.length;
  const loopMax = lines.map((line) => line.loopMaxMs).sort((a, b) => b - a);
  console.log(`  Balie over ${seconds} s: event loop delay per second max ${loopMax[0]?.toFixed(0)} ms, seconds with a stall > 25 ms: ${loopMax.filter((ms) => ms > 25).length}, the five worst: ${loopMax.slice(0, 5).map((ms) => ms.toFixed(0)).join(', ')} ms`);
  for (const [kind, stat] of merge((line) => line.gc)) console.log(`  GC ${kind}: ${stat.n}×, ${stat.total.toFixed(0)} ms in all, longest ${stat.max.toFixed(1)} ms`);
  console.log('  queries (by total time): count, mean, max');
  for (const [text, stat] of merge((line) => line.queries).slice(0, 15)) console.log(`    ${stat.n}× ${(stat.total / stat.n).toFixed(2)} ms, max ${stat.max.toFixed(1)} ms  ${text}`);
}

async function main() {
  const { openEmbeddedDatabase } = await import('../server/db/embedded.ts');
  const { createLogger } = await import('../server/log.ts');
  const { freePort, spawnBalie, stopBalie, waitForHealthy } = await import('../test/support/process.ts');

  // Every widget socket is a descriptor in Balie; it also needs some for PostgreSQL, logs, listeners.
  const limit = await descriptorLimit();
  const levels = LEVELS.map((level) => Math.min(level, limit - 100));
  if (levels.some((level, i) => level !== LEVELS[i])) {
    console.log(`Descriptor limit ${limit} (ulimit -n): the highest level is ${Math.max(...levels)} sockets; raise ulimit -Hn to measure ${Math.max(...LEVELS)}.`);
  }

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-sockets-'));
  const database = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log: createLogger('warn') });
  const port = await freePort();
  const probeFile = path.join(dir, 'probe.jsonl');
  const nodeOptions = [
    ...(HEAP_SNAPSHOTS ? [`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${HEAP_SNAPSHOTS}`] : []),
    ...(PROBE ? [`--import=${path.join(import.meta.dirname, 'balie-probe.ts')}`] : []),
  ];
  const url = `http://127.0.0.1:${port}`;
  const balie = spawnBalie({
    DATABASE_URL: database.url,
    PORT: String(port),
    PUBLIC_URL: url,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: 'warn',
    CHAT_HOURS: 'always',
    // One machine plays every citizen from a few addresses: the per-IP limits would (rightly) stop it.
    PUBLIC_RATE_LIMIT: '1000000',
    PUBLIC_SUBMIT_LIMIT: '1000000',
    WIDGET_IP_RATE_LIMIT: '1000000',
    SOCKETS_PER_ADDRESS: '1000000',
    SOCKETS_MAX: '1000000',
    ...(nodeOptions.length ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}),
    ...(PROBE ? { BALIE_PROBE_FILE: probeFile } : {}),
  });
  const workers = Array.from({ length: WORKERS }, (_, k) =>
    fork(import.meta.filename, [], { env: { ...process.env, BENCH_CITIZENS_FROM: `127.0.0.${k + 2}` }, execArgv: ['--import', 'tsx'] }),
  );
  const ask = workers.map(workerHandle);
  let agent: Socket<AgentServerEvents, AgentClientEvents> | undefined;

  try {
    await waitForHealthy(port, balie);
    const pid = balie.child.pid!;

    // An agent online, so that chat is available; its socket is where latency is measured.
    // ADMIN_PASSWORD is a password somebody else chose: the admin chooses her own first, as she must
    // before her socket is let in, and connects on the session that gives her.
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
    const changed = await fetch(`${url}/api/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url, cookie: login.headers.getSetCookie()[0]!.split(';')[0]! },
      body: JSON.stringify({ currentPassword: admin.password, newPassword: `${admin.password} of her own` }),
    });
    if (changed.status !== 200) throw new Error(`the admin could not choose her password: ${changed.status} ${await changed.text()}`);
    const cookie = changed.headers.getSetCookie()[0]!.split(';')[0]!;
    agent = io(`${url}/agent`, { transports: ['websocket'], extraHeaders: { cookie, origin: url } });
    await new Promise((resolve, reject) => {
      agent!.once('session.ready', resolve);
      agent!.once('connect_error', reject);
    });

    // Every citizen starts a chat as the widget does (POST /api/public/chats) and keeps its token.
    const total = Math.max(...levels);
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
    console.log(`${total} chats started over HTTP in ${((performance.now() - started) / 1000).toFixed(1)} s; ${WORKERS} client processes`);

    await sleep(2000);
    const baseline = await residentMiB(pid);
    console.log(`Balie RSS with 0 widget sockets: ${baseline.toFixed(0)} MiB`);
    if (HEAP_SNAPSHOTS) console.log(`Heap snapshot with 0 widget sockets: ${await heapSnapshot(pid, HEAP_SNAPSHOTS)}`);
    if (process.env.BENCH_NICE) {
      const threads = await reniceTree(Number(process.env.BENCH_NICE));
      console.log(`Measured at nice ${process.env.BENCH_NICE} (${threads} threads of the benchmark, Balie, PostgreSQL and the workers); load average before: ${os.loadavg()[0]!.toFixed(1)}`);
    } else {
      console.log(`Load average before measuring: ${os.loadavg()[0]!.toFixed(1)} (on a shared machine, BENCH_NICE=-10 measures Balie rather than its neighbours)`);
    }

    console.log(`Ceilings: ≤ ${CEILING_MIB_PER_1000} MiB per 1,000 sockets, p99 ≤ ${CEILING_P99_MS} ms`);
    console.log('\n| connected widget sockets | Balie RSS | per 1,000 sockets | chatting | messages | p50 | p99 | max |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');

    let connected = 0;
    for (const level of levels) {
      // Connect up to `level` sockets, spread over the workers, each until its session.ready.
      started = performance.now();
      const next = tokens.slice(connected, level).map((token, i) => ({ index: connected + i, token }));
      await Promise.all(ask.map((send, k) => send({ kind: 'connect', url, tokens: next.filter(({ index }) => index % WORKERS === k) })));
      connected = Math.max(connected, level);
      const connectSeconds = (performance.now() - started) / 1000;
      await sleep(5000);
      const rss = await residentMiB(pid);
      if (HEAP_SNAPSHOTS) console.log(`Heap snapshot with ${level} widget sockets: ${await heapSnapshot(pid, HEAP_SNAPSHOTS)}`);

      const arrivedAt = new Map<number, number>();
      const onMessage = (activity: { messageId: number; direction: string }) => {
        if (activity.direction === 'in') arrivedAt.set(activity.messageId, now());
      };
      agent.on('message.created', onMessage);
      const chatFrom = now();
      const agentLoop = loopDelay();
      const answers = await Promise.all(ask.map((send) => send({ kind: 'chat', below: CHATTING, seconds: SECONDS })));
      await sleep(2000);
      agent.off('message.created', onMessage);
      const chatUntil = now();
      const agentLoopDelay = agentLoop();
      const sent = answers.flatMap((answer) => (answer.kind === 'chatted' ? answer.sent : []));
      const failures = answers.reduce((sum, answer) => sum + (answer.kind === 'chatted' ? answer.failures : 0), 0);
      const latencies = sent.flatMap(([id, at]) => {
        const arrived = arrivedAt.get(id);
        return arrived === undefined ? [] : [arrived - at];
      });
      const missing = sent.length - latencies.length;
      console.log(
        `| ${level.toLocaleString('en')} (connected in ${connectSeconds.toFixed(1)} s) | ${rss.toFixed(0)} MiB | ${(((rss - baseline) / level) * 1000).toFixed(1)} MiB | ${Math.min(CHATTING, level).toLocaleString('en')} | ${sent.length} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 99).toFixed(1)} ms | ${percentile(latencies, 100).toFixed(1)} ms |` +
          (missing || failures ? ` ${missing} not seen by the agent, ${failures} refused` : ''),
      );
      if (PROBE) {
        const acks = sent.map(([, at, acked]) => acked - at);
        const loops = answers.map((answer) => (answer.kind === 'chatted' ? answer.loop : { max: NaN, p99: NaN }));
        console.log(`  citizen send→ack: p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms, max ${percentile(acks, 100).toFixed(1)} ms`);
        console.log(`  event loop delay of the citizen processes (max/p99): ${loops.map((loop) => `${loop.max.toFixed(0)}/${loop.p99.toFixed(0)}`).join(', ')} ms; of the agent's process: ${agentLoopDelay.max.toFixed(0)}/${agentLoopDelay.p99.toFixed(0)} ms`);
        await summariseProbe(probeFile, chatFrom, chatUntil);
      }
    }
  } finally {
    for (const worker of workers) {
      if (worker.connected) worker.send({ kind: 'close' } satisfies ToWorker);
    }
    await Promise.all(workers.map((worker) => (worker.exitCode === null ? new Promise((resolve) => worker.once('exit', resolve)) : undefined)));
    agent?.disconnect();
    await stopBalie(balie).catch(() => undefined);
    await database.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_CITIZENS_FROM) await citizenWorker(process.env.BENCH_CITIZENS_FROM);
else await main();
