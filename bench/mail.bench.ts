// Benchmark of the e-mail channel against a real Dovecot and a real PostgreSQL (embedded):
//   1. ingest a backlog of 1,000 mails that waited in the mailbox while Balie was down (mails/s);
//   2. the time from an IMAP APPEND to the agent socket's `message.created` with IDLE (p50, p95).
// Run: npm run bench:mail   (BACKLOG=…, SAMPLES=… to change the counts)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { startBalie } from '../server/balie.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { freePort } from '../test/support/process.ts';
import { citizenMail, deliver, startMailWorld } from '../test/server/mail/mail-support.ts';

const BACKLOG = Number(process.env.BACKLOG ?? 1000);
const SAMPLES = Number(process.env.SAMPLES ?? 40);
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-mail-'));
const world = await startMailWorld();
const { dovecot } = world;
const admin = { email: 'bench@gemeente.test', password: 'bench password 123' };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

try {
  // 1. The backlog is in the mailbox before Balie starts.
  const mails = Array.from({ length: BACKLOG }, (_, i) => citizenMail({ messageId: `backlog-${i}@example.nl`, from: `burger${i % 100}@example.nl`, subject: `Vraag ${i}` }));
  for (let i = 0; i < mails.length; i += 100) await deliver(dovecot, ...mails.slice(i, i + 100));

  const port = await freePort();
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...world.env,
  });
  const started = performance.now();
  const balie = await startBalie(config, createLogger('warn'));
  const pool = balie.database.pool;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE direction = 'in'");
    if (rows[0]!.n >= BACKLOG) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`backlog: ${BACKLOG} mails stored in ${seconds.toFixed(2)} s (start-up included) → ${Math.round(BACKLOG / seconds)} mails/s`);

  // 2. APPEND → agent socket, one mail at a time, with the poller in IDLE.
  const login = await fetch(`${balie.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const socket = io(`${balie.url}/agent`, { transports: ['websocket'], extraHeaders: { cookie, origin: `http://127.0.0.1:${port}` } });
  await new Promise((resolve) => socket.once('session.ready', resolve));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const subject = `Latency ${i}`;
    const arrived = new Promise<void>((resolve) => {
      const onMessage = () => {
        socket.off('message.created', onMessage);
        resolve();
      };
      socket.on('message.created', onMessage);
    });
    const sent = performance.now();
    await deliver(dovecot, citizenMail({ messageId: `latency-${i}@example.nl`, from: 'meting@example.nl', subject }));
    await arrived;
    latencies.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  console.log(`APPEND → agent socket (IDLE), ${SAMPLES} mails: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);
  socket.disconnect();
  await balie.stop();
} finally {
  await world.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
