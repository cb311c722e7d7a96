// Benchmark of the e-mail channel against a real Dovecot and a real PostgreSQL (embedded):
//   1. ingest a backlog of 1,000 mails that waited in the mailbox while Balie was down (mails/s),
//      beside the ceiling of the same pipeline in the same run: a bare imapflow + mailparser loop
//      over the same mails (size, envelope and source fetched, each parsed; no database);
//   2. the time from an IMAP APPEND to the agent socket's `message.created` with IDLE (p50, p95).
// Run: npm run bench:mail   (BACKLOG=…, SAMPLES=… to change the counts; SAMPLES=0 skips 2)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
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

/**
 * The ceiling: what imapflow and mailparser alone deliver from this mailbox — UIDs, then size,
 * envelope and source in batches of 100 (as the poller fetches), each mail parsed in turn. mails/s.
 */
async function barePipeline(): Promise<number> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  const started = performance.now();
  let parsed = 0;
  const lock = await client.getMailboxLock('INBOX');
  try {
    const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
    for (let i = 0; i < uids.length; i += 100) {
      for (const message of await client.fetchAll(uids.slice(i, i + 100).join(','), { uid: true, size: true, envelope: true, source: true }, { uid: true })) {
        await simpleParser(message.source!);
        parsed += 1;
      }
    }
  } finally {
    lock.release();
  }
  const seconds = (performance.now() - started) / 1000;
  await client.logout();
  if (parsed !== BACKLOG) throw new Error(`the bare pipeline read ${parsed} mails, not ${BACKLOG}`);
  return BACKLOG / seconds;
}

try {
  // 1. The backlog is in the mailbox before Balie starts.
  const mails = Array.from({ length: BACKLOG }, (_, i) => citizenMail({ messageId: `backlog-${i}@example.nl`, from: `burger${i % 100}@example.nl`, subject: `Vraag ${i}` }));
  for (let i = 0; i < mails.length; i += 100) await deliver(dovecot, ...mails.slice(i, i + 100));
  const ceilingBefore = await barePipeline();

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
  const ready = performance.now();
  const pool = balie.database.pool;
  let first: number | undefined;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE direction = 'in'");
    if (rows[0]!.n > 0) first ??= performance.now();
    if (rows[0]!.n >= BACKLOG) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const done = performance.now();
  const seconds = (done - started) / 1000;
  const stored = await pool.query<{ messages: number; distinct: number }>(
    "SELECT count(*)::int AS messages, count(DISTINCT idempotency_key)::int AS distinct FROM messages WHERE direction = 'in'",
  );
  // The same mails again, now that Balie is idle: the machine is shared, so the ceiling is taken twice.
  const ceilingAfter = await barePipeline();
  const ceiling = (ceilingBefore + ceilingAfter) / 2;
  const ratio = (rate: number) => `${((100 * rate) / ceiling).toFixed(1)}% of the ceiling`;
  const afterStart = BACKLOG / ((done - ready) / 1000);
  console.log(`ceiling: bare imapflow + mailparser over the same ${BACKLOG} mails: ${Math.round(ceilingBefore)} mails/s before Balie, ${Math.round(ceilingAfter)} mails/s after`);
  console.log(
    `backlog: ${BACKLOG} mails stored in ${seconds.toFixed(2)} s with start-up → ${Math.round(BACKLOG / seconds)} mails/s (${ratio(BACKLOG / seconds)}); ` +
      `${((done - ready) / 1000).toFixed(2)} s after start-up → ${Math.round(afterStart)} mails/s (${ratio(afterStart)}); ` +
      `first mail stored ${((first! - ready) / 1000).toFixed(2)} s after start-up; ${stored.rows[0]!.messages} stored, ${stored.rows[0]!.distinct} distinct`,
  );
  if (stored.rows[0]!.messages !== BACKLOG || stored.rows[0]!.distinct !== BACKLOG) process.exitCode = 1;

  // 2. APPEND → agent socket, one mail at a time, with the poller in IDLE.
  if (SAMPLES > 0) await appendLatency(balie, port);
  await balie.stop();
} finally {
  await world.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}

async function appendLatency(balie: Awaited<ReturnType<typeof startBalie>>, port: number): Promise<void> {
  // The first admin has chosen their own password (else the session gets no socket).
  await balie.database.pool.query('UPDATE agents SET password_must_change = false WHERE email = $1', [admin.email]);
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
}
