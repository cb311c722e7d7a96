// kill -9 of the embedded PostgreSQL under a running Balie (issue 13.1), while citizens chat and
// mail arrives: Balie restarts its database by itself, /healthz is 200 again within 30 s, the
// LISTEN connections come back, and every acknowledged chat message and every mail is stored
// exactly once.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../../server/db/embedded.ts';
import { createLogger } from '../../../server/log.ts';
import { ADMIN, adminLogin, sessionCookie } from '../../support/balie.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';
import { agentSocket, CHAT_ENV, type CitizenSocket } from '../chat/chat-support.ts';
import { citizenMail, deliver, startMailWorld, type MailWorld } from '../mail/mail-support.ts';

let dataDir: string;
let world: MailWorld;
let balie: BalieProcess | undefined;
let database: EmbeddedDatabase | undefined;
let pool: pg.Pool | undefined;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-pgcrash-'));
  world = await startMailWorld();
});
afterAll(async () => {
  await pool?.end().catch(() => {});
  await database?.stop();
  if (balie && balie.child.exitCode === null && balie.child.signalCode === null) await stopBalie(balie, 'SIGKILL', { group: true }).catch(() => {});
  await world?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

it('kill -9 of the postmaster: healthy again within 30 s by itself, nothing acknowledged lost or doubled', { timeout: 400_000 }, async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  balie = spawnBalie({
    ...CHAT_ENV,
    ...world.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: url,
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  await waitForHealthy(port, balie, 120_000);
  // The test reads Balie's database the way the CLI does: it uses the running server, never stops it.
  database = await openEmbeddedDatabase({ dataDir, log: createLogger('silent'), owner: false });
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => {}); // its idle connections die with the postmaster too
  const db = pool;

  const login = await adminLogin(url, { origin: url });
  expect(login.status).toBe(200);
  const agent = await agentSocket({ url }, sessionCookie(login), { keep: true });

  // ── Citizens: three chats, each sending as a real widget does — a message keeps its clientId
  // and is sent again after an error or a lost connection until the server acknowledges it.
  const chats = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const response = await fetch(`${url}/api/public/chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: randomUUID(), text: `Vraag van burger ${i}` }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { token: string };
    }),
  );
  const acknowledged = new Map<string, number>(); // clientId → message id
  const errors: string[] = [];
  let chatting = true;
  const citizens = chats.map(async ({ token }, i) => {
    const socket: CitizenSocket = connect(`${url}/widget`, { transports: ['websocket'], auth: { token }, reconnectionDelay: 200, reconnectionDelayMax: 1_000, forceNew: true });
    // A refused handshake (the database was away) is not retried by socket.io itself: the widget does.
    socket.on('connect_error', () => setTimeout(() => socket.connect(), 500));
    try {
      for (let n = 0; chatting; n++) {
        const clientId = randomUUID();
        for (;;) {
          if (!socket.connected) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          const reply = await socket.timeout(10_000).emitWithAck('message.send', { clientId, text: `burger ${i} bericht ${n}` }).catch(() => undefined);
          if (reply?.ok) {
            acknowledged.set(clientId, reply.data.message.id);
            break;
          }
          if (reply) errors.push(reply.error.code);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    } finally {
      socket.disconnect();
    }
  });

  // ── Mail: one every 150 ms into Dovecot, before, during and after the crash.
  const delivered: string[] = [];
  let mailing = true;
  const mailer = (async () => {
    for (let n = 0; mailing; n++) {
      const messageId = `crash-${n}@example.nl`;
      await deliver(world.dovecot, citizenMail({ messageId, from: `burger${n % 7}@example.nl`, subject: `Bericht ${n}` }));
      delivered.push(messageId);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  const storedMail = async () =>
    (
      await db.query<{ total: number; distinct: number }>(
        "SELECT count(*)::int AS total, count(DISTINCT e.rfc_message_id)::int AS distinct FROM messages m JOIN email_messages e ON e.message_id = m.id WHERE m.direction = 'in' AND e.rfc_message_id LIKE 'crash-%'",
      )
    ).rows[0]!;

  // Well under way on both channels before the crash.
  await untilDone(async () => acknowledged.size, (count) => count >= 30);
  await untilDone(async () => (await storedMail()).total, (count) => count >= 5);

  const killed = postmasterPid();
  process.kill(killed, 'SIGKILL');
  const crashedAt = Date.now();
  const ackedAtCrash = acknowledged.size;

  // Nobody acts: Balie itself brings the database back.
  let healthyAfterMs = -1;
  let sawUnavailable = false;
  while (Date.now() - crashedAt < 60_000) {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response?.status === 200 && existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')) && postmasterPid() !== killed) {
      healthyAfterMs = Date.now() - crashedAt;
      break;
    }
    if (response?.status === 503) sawUnavailable = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(healthyAfterMs, balie.output().slice(-4000)).toBeGreaterThanOrEqual(0);
  expect(healthyAfterMs).toBeLessThan(30_000);
  expect(balie.child.exitCode).toBeNull();
  expect(balie.output()).toMatch(/embedded PostgreSQL restarted/);

  // Both channels go on after the restart.
  await untilDone(async () => acknowledged.size, (count) => count >= ackedAtCrash + 30);
  const deliveredAfter = delivered.length + 5;
  await untilDone(async () => delivered.length, (count) => count >= deliveredAfter);
  chatting = false;
  mailing = false;
  await Promise.all([...citizens, mailer]);

  // Every connection that LISTENs (or holds the poller's lock) re-established itself.
  const listeners = await untilDone(
    async () =>
      (
        await db.query<{ application_name: string; query: string }>(
          "SELECT application_name, query FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'balie%' ORDER BY 1, 2",
        )
      ).rows.map((row) => `${row.application_name}: ${row.query.replace(/\s+/g, ' ').slice(0, 60)}`),
    (rows) =>
      ['balie-realtime: LISTEN', 'balie-scheduler: LISTEN', 'balie-mail: LISTEN', 'balie-mail: SELECT pg_try_advisory_lock'].every((expected) =>
        rows.some((row) => row.startsWith(expected)),
      ),
    { stallMs: 60_000 },
  );
  expect(listeners.length).toBeGreaterThan(0);

  // Every acknowledged chat message is stored, exactly once, with the id the citizen was told.
  const { rows: messages } = await db.query<{ id: number; idempotency_key: string }>(
    "SELECT id, idempotency_key FROM messages WHERE idempotency_key LIKE 'chat:%' AND direction = 'in'",
  );
  const byClientId = new Map<string, number[]>();
  for (const row of messages) {
    const clientId = row.idempotency_key.slice(row.idempotency_key.lastIndexOf(':') + 1);
    byClientId.set(clientId, [...(byClientId.get(clientId) ?? []), row.id]);
  }
  const missingOrDoubled = [...acknowledged].filter(([clientId, id]) => JSON.stringify(byClientId.get(clientId)) !== JSON.stringify([id]));
  expect(missingOrDoubled).toEqual([]);

  // Every mail delivered is stored exactly once (those whose IMAP checkpoint had passed included).
  const stored = await untilDone(storedMail, (counts) => counts.total >= delivered.length, { stallMs: 90_000 });
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // a doubled mail would come after the last one
  expect(await storedMail()).toEqual({ total: delivered.length, distinct: delivered.length });
  expect(stored.total).toBe(delivered.length);

  agent.disconnect();
  const exit = await stopBalie(balie, 'SIGTERM');
  expect(exit, balie.output().slice(-4000)).toEqual({ code: 0, signal: null });
  expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  // What the operator saw: the outage said in the log; errors to clients only while it lasted.
  const outageLines = balie
    .output()
    .split('\n')
    .filter((line) => /PostgreSQL|database/.test(line));
  console.info(`healthy ${healthyAfterMs} ms after kill -9 (503 seen: ${sawUnavailable}); ${acknowledged.size} chat messages, ${delivered.length} mails; errors to clients: ${errors.length}\n${outageLines.join('\n')}`);
});
