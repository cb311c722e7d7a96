// Issue 12, item 1: one large HTML e-mail must not freeze Balie for everyone. A Balie running as its
// own process reads a 24 MB text/html mail from a real Dovecot into a real PostgreSQL; meanwhile
// /healthz and a citizen's chat message are each answered within 200 ms, and the mail is stored.
import { createHash, randomUUID } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, adminLogin, sessionCookie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';
import { agentSocket, CHAT_ENV, type AgentSocket, type CitizenSocket } from '../chat/chat-support.ts';
import { deliver, startMailWorld, type MailWorld } from './mail-support.ts';

/** What issue 12 demands of every answer while the mail is read. */
const ANSWER_MS = 200;
const MESSAGE_ID = 'groot-html@example.nl';

let db: TestDatabase;
let world: MailWorld;
let balie: BalieProcess | undefined;
let url: string;
let agent: AgentSocket | undefined;
let citizen: CitizenSocket | undefined;
let cookie: string;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  balie = spawnBalie({
    ...CHAT_ENV,
    ...world.env,
    DATABASE_URL: db.url,
    PORT: String(port),
    PUBLIC_URL: url,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    // To see what blocks: e.g. BALIE_LATENCY_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' (docs/benchmarks.md).
    ...(process.env.BALIE_LATENCY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BALIE_LATENCY_NODE_OPTIONS } : {}),
  });
  await waitForHealthy(port, balie, 120_000);
  // Chat is offered while an agent is online.
  const login = await adminLogin(url);
  expect(login.status).toBe(200);
  cookie = sessionCookie(login);
  agent = await agentSocket({ url }, cookie, { keep: true });
  const chat = await fetch(`${url}/api/public/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: randomUUID(), text: 'Ik wacht op antwoord' }) });
  expect(chat.status).toBe(201);
  const { token } = (await chat.json()) as { token: string };
  const socket: CitizenSocket = connect(`${url}/widget`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  citizen = socket;
  await new Promise<void>((resolve, reject) => {
    socket.once('session.ready', () => resolve());
    socket.once('connect_error', reject);
  });
}, 180_000);

afterAll(async () => {
  citizen?.disconnect();
  agent?.disconnect();
  if (balie && balie.child.exitCode === null && balie.child.signalCode === null) await stopBalie(balie);
  await world?.close();
  await db?.drop();
});

/** A 24 MB HTML-only mail of the kind a newsletter tool or an attacker sends: many small elements. */
function largeHtmlMail(): { raw: string; htmlBytes: number } {
  const unit =
    '<div><p>Beste gemeente, <b>mijn</b> vraag gaat over <a href="https://www.example.nl/vergunning?id=1">de vergunning</a> &amp; de <i>kosten</i>.</p>' +
    '<table><tr><td>leges</td><td>€ 12,50</td></tr></table><img src="https://tracker.example/p.gif" alt="logo"></div>\n';
  const html = `<html><body>${unit.repeat(Math.ceil((24 * 1024 * 1024) / unit.length))}</body></html>`;
  const head = [
    'From: Nieuwsbrief <nieuws@example.nl>',
    'To: info@gemeente.test',
    'Subject: Een heel grote HTML-mail',
    'Date: Thu, 24 Dec 2026 16:30:00 +0100',
    `Message-ID: <${MESSAGE_ID}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ].join('\n');
  return { raw: `${head}\n\n${html}\n`, htmlBytes: Buffer.byteLength(`${html}\n`) };
}

async function storedMail() {
  const { rows } = await db.pool.query<{ id: number; body_html: string | null; body_text: string }>(
    'SELECT m.id, m.body_html, m.body_text FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = $1',
    [MESSAGE_ID],
  );
  return rows[0];
}

it('while a 24 MB HTML mail is read, /healthz and a chat message are each answered within 200 ms; the mail is stored', { timeout: 600_000 }, async () => {
  const { raw, htmlBytes } = largeHtmlMail();
  expect(Buffer.byteLength(raw)).toBeGreaterThan(24 * 1024 * 1024);
  expect(Buffer.byteLength(raw)).toBeLessThan(25 * 1024 * 1024); // under MAIL_MAX_BYTES: read whole
  const received = new Set<number>();
  agent!.on('message.created', ({ messageId }) => received.add(messageId));

  const sent: string[] = [];
  const stored: number[] = [];
  const failures: string[] = [];
  /** Sends probes on a fixed beat until `until` settles; each probe's time from sending to its answer. */
  async function probeUntil<T>(until: Promise<T>): Promise<{ result: T; health: number[]; chat: number[] }> {
    const health: number[] = [];
    const chat: number[] = [];
    const inFlight: Promise<void>[] = [];
    const probeHealth = async () => {
      const started = performance.now();
      const response = await fetch(`${url}/healthz`).catch((error: unknown) => error as Error);
      health.push(performance.now() - started);
      if (response instanceof Error || response.status !== 200) failures.push(`healthz: ${response instanceof Error ? response.message : response.status}`);
    };
    const probeChat = async () => {
      const text = `Nog steeds hier ${sent.length + 1}`;
      sent.push(text);
      const started = performance.now();
      const reply = await citizen!.timeout(120_000).emitWithAck('message.send', { clientId: randomUUID(), text }).catch((error: unknown) => error as Error);
      chat.push(performance.now() - started);
      if (reply instanceof Error || !reply.ok) failures.push(`message.send: ${reply instanceof Error ? reply.message : reply.error.code}`);
      else stored.push(reply.data.message.id);
    };
    // Probes go out whether or not the previous ones were answered, so that a blocked event loop
    // shows as the time each waited, not as probes that were never sent.
    let beat = 0;
    const timer = setInterval(() => {
      beat += 1;
      inFlight.push(probeHealth());
      if (beat % 2 === 0) inFlight.push(probeChat());
    }, 50);
    try {
      return { result: await until, health, chat };
    } finally {
      clearInterval(timer);
      await Promise.all(inFlight);
    }
  }
  const max = (times: number[]) => Math.round(Math.max(...times));

  // The same probes for 3 s with no mail coming in: what this machine gives anyway, shown beside
  // the figures below when they fail.
  const quiet = await probeUntil(new Promise((resolve) => setTimeout(resolve, 3_000)));
  const baseline = `with no mail coming in the slowest /healthz took ${max(quiet.health)} ms, the slowest chat message ${max(quiet.chat)} ms`;

  // The mail is in the mailbox first: the test's own IMAP upload does not delay its probes. Balie
  // hears of it by IDLE about 0.5 s later and only then fetches and reads it.
  await deliver(world.dovecot, raw);
  const { result: mail, health, chat } = await probeUntil(untilDone(storedMail, (row) => row !== undefined, { stallMs: 300_000, everyMs: 250 }));

  // Reading the mail took a while (seconds, not one beat): the probes saw it happen.
  expect(health.length).toBeGreaterThanOrEqual(20);
  expect(chat.length).toBeGreaterThanOrEqual(10);
  const slow = (times: number[]) => times.map(Math.round).filter((ms) => ms > ANSWER_MS).join(', ');
  console.info(`slowest /healthz ${max(health)} ms, slowest chat message ${max(chat)} ms while the mail was read (${health.length} and ${chat.length} probes); ${baseline}; chat messages in order: ${chat.map(Math.round).join(' ')}`);
  // Soft: when they fail, the rest (stored, delivered, a clean stop) is still checked and reported.
  expect.soft(max(health), `slowest of ${health.length} /healthz (over ${ANSWER_MS} ms: ${slow(health)}); ${baseline}`).toBeLessThanOrEqual(ANSWER_MS);
  expect.soft(max(chat), `slowest of ${chat.length} chat messages (over ${ANSWER_MS} ms: ${slow(chat)}); ${baseline}`).toBeLessThanOrEqual(ANSWER_MS);

  expect([...new Set(failures)]).toEqual([]);

  // Every chat message was stored and reached the agent.
  await untilDone(async () => stored.filter((id) => received.has(id)).length, (n) => n === sent.length);
  const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE body_text LIKE 'Nog steeds hier %'");
  expect(rows[0]!.n).toBe(sent.length);

  // The mail: too much markup to show, so its text is shown and the whole HTML is an attachment.
  expect(mail!.body_html).toBeNull();
  expect(mail!.body_text).toMatch(/^Beste gemeente, mijn vraag gaat over de vergunning & de kosten\.\s+leges\s+€ 12,50/);
  const attachments = await db.pool.query<{ filename: string; content_type: string; size_bytes: number }>(
    'SELECT filename, content_type, size_bytes FROM attachments WHERE message_id = $1',
    [mail!.id],
  );
  expect(attachments.rows).toEqual([{ filename: 'bericht.html', content_type: 'text/html', size_bytes: htmlBytes }]);
  // Whole: the agent downloads exactly the bytes that were stored (in pieces, migration 0016).
  const { rows: [kept] } = await db.pool.query<{ id: number; sha256: Buffer }>('SELECT id, sha256 FROM attachments WHERE message_id = $1', [mail!.id]);
  const download = await fetch(`${url}/api/attachments/${kept!.id}`, { headers: { cookie } });
  expect(download.status).toBe(200);
  expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="?bericht\.html"?$/);
  expect(download.headers.get('content-type')).toBe('application/octet-stream');
  const html = Buffer.from(await download.arrayBuffer());
  expect(html.byteLength).toBe(htmlBytes);
  expect(createHash('sha256').update(html).digest().equals(kept!.sha256)).toBe(true);
  expect(html.subarray(0, 17).toString()).toBe('<html><body><div>');

  // And Balie still stops cleanly: the parse workers do not keep it alive.
  const exit = await stopBalie(balie!);
  expect(exit).toEqual({ code: 0, signal: null });
});
