// Benchmark of the write path (issue 17, item 1) on a real (embedded) PostgreSQL:
//   1. what the derived keys cost per insert — the sort keys, the counts, the search document and
//      the lexicon (triggers of migrations 0006, 0009, 0017) — measured by switching each group of
//      triggers off in turn, on the schema before migration 0017 and after it, in the same run;
//   2. chat messages stored per second at a steady load: citizens on real /widget sockets send
//      `message.send` one after the other (each waits for its acknowledgement), beside the ceiling
//      of the database underneath — the same number of connections INSERTing chat messages bare.
//      Every acknowledged message is checked to be stored exactly once.
// Run: npm run bench:write
//   SEED=…      conversations in each schema before measuring (default 20,000; one in ten open)
//   WRITES=…    measured inserts per configuration (default 600, in alternating blocks of 50)
//   CITIZENS=…  chatting citizens (default 50)   SECONDS=…  how long they chat (default 20)
import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { startBalie } from '../server/balie.ts';
import { loadConfig } from '../server/config.ts';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { createLogger } from '../server/log.ts';
import type { WidgetClientEvents, WidgetServerEvents } from '../server/realtime/events.ts';
import { freePort } from '../test/support/process.ts';

const SEED = Number(process.env.SEED ?? 20_000);
const WRITES = Number(process.env.WRITES ?? 600);
const BLOCK = 50;
const CITIZENS = Number(process.env.CITIZENS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 20);
const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../server/db/migrations');
const log = createLogger('warn');

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** The groups of derived keys, by the triggers that keep them (names as in the migrations). */
const GROUPS: { label: string; triggers: [table: string, trigger: string][] }[] = [
  { label: 'deadline sort keys (milestones → conversation)', triggers: [['milestones', 'inbox_milestones_inserted']] },
  { label: 'counts (conversation changes → inbox_count_deltas)', triggers: [['conversations', 'inbox_counts_inserted'], ['conversations', 'inbox_counts_updated']] },
  {
    label: 'message keys: waiting time, preview, search document, lexicon',
    triggers: [['messages', 'inbox_messages_inserted'], ['messages', 'search_lexemes_messages']],
  },
  { label: 'subject lexicon and contact search text', triggers: [['conversations', 'search_lexemes_conversations'], ['conversations', 'inbox_conversation_contact']] },
];

/** Applies the repository's migrations up to and including `last` (a four-digit number). */
async function migrateUpTo(pool: pg.Pool, last: string): Promise<void> {
  const files = (await fs.readdir(MIGRATIONS)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file) && file.slice(0, 4) <= last).sort();
  for (const file of files) await pool.query(await fs.readFile(path.join(MIGRATIONS, file), 'utf8'));
}

/** SEED conversations of one message each, one in ten open, set-based (the triggers run per statement). */
async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`INSERT INTO contacts (email, name) SELECT 'inwoner' || g || '@example.nl', 'Inwoner ' || g FROM generate_series(1, $1) g`, [SEED]);
  await pool.query(
    `INSERT INTO conversations (reference, channel, subject, contact_id)
     SELECT 'BAL-2025-' || lpad(g::text, 7, '0'), CASE WHEN g % 3 = 0 THEN 'chat' ELSE 'email' END,
            (ARRAY['Paspoort aanvragen', 'Omgevingsvergunning', 'Parkeervergunning', 'Afval niet opgehaald', 'Lantaarnpaal kapot'])[1 + g % 5] || ' ' || g, g
       FROM generate_series(1, $1) g`,
    [SEED],
  );
  await pool.query(
    `INSERT INTO messages (conversation_id, direction, body_text)
     SELECT id, 'in', 'Goedemiddag, ik heb een vraag over ' || subject || '. Met vriendelijke groet, inwoner ' || id FROM conversations`,
  );
  await pool.query(`UPDATE conversations SET status = 'closed', closed_at = now() - (id % 365) * interval '1 day', outcome = 'handled_first_contact' WHERE id % 10 <> 0`);
  await pool.query('VACUUM ANALYZE');
}

/**
 * The writes of one incoming mail (a new conversation, its two milestones, the citizen's message)
 * and of one chat message (a message in an open conversation), each in its own transaction.
 * Returns ms per write.
 */
async function mailWrites(client: pg.PoolClient, count: number, start: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const n = start + i;
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO conversations (reference, channel, subject, contact_id) VALUES ($1, 'email', $2, $3) RETURNING id`,
      [`BAL-2026-${String(n).padStart(7, '0')}`, `Vraag over mijn paspoort ${n}`, 1 + (n % SEED)],
    );
    const id = rows[0]!.id;
    await client.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at)
       SELECT $1, kind, 'vng', 'workingDays', 5, now(), now() + interval '7 days', now() + interval '6 days' FROM unnest(ARRAY['acknowledgement', 'answer']) kind`,
      [id],
    );
    await client.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', $2)`, [
      id,
      `Goedemiddag, ik wil een omgevingsvergunning aanvragen voor een dakkapel (${n}). Met vriendelijke groet`,
    ]);
    await client.query('COMMIT');
  }
  return (performance.now() - started) / count;
}

async function chatWrites(client: pg.PoolClient, count: number, start: number, open: readonly string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await client.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', $2)`, [
      open[(start + i) % open.length],
      `Ik wacht nog op antwoord over de lantaarnpaal in de Lindelaan (${start + i})`,
    ]);
  }
  return (performance.now() - started) / count;
}

/** ms per write of each kind, for all triggers on and each group off, in alternating blocks. */
async function derivedKeyCosts(pool: pg.Pool): Promise<Map<string, { mail: number[]; chat: number[] }>> {
  const present = new Set(
    (await pool.query<{ name: string }>('SELECT tgrelid::regclass || \'.\' || tgname AS name FROM pg_trigger WHERE NOT tgisinternal')).rows.map((row) => row.name),
  );
  const open = (await pool.query<{ id: string }>(`SELECT id FROM conversations WHERE status <> 'closed' ORDER BY id`)).rows.map((row) => row.id);
  const configurations = [{ label: 'all triggers (as shipped)', triggers: [] as [string, string][] }, ...GROUPS];
  const results = new Map(configurations.map((configuration) => [configuration.label, { mail: [] as number[], chat: [] as number[] }]));
  const client = await pool.connect();
  let n = 1;
  try {
    for (let round = 0; round < Math.ceil(WRITES / BLOCK); round++) {
      for (const configuration of configurations) {
        const off = configuration.triggers.filter(([table, trigger]) => present.has(`${table}.${trigger}`));
        for (const [table, trigger] of off) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
        results.get(configuration.label)!.mail.push(await mailWrites(client, BLOCK, n));
        results.get(configuration.label)!.chat.push(await chatWrites(client, BLOCK, n, open));
        n += BLOCK;
        for (const [table, trigger] of off) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
      }
    }
  } finally {
    client.release();
  }
  return results;
}

/** Chat at a steady load through Balie, and the bare INSERT ceiling beside it. */
async function chatThroughput(): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-write-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: url,
    ADMIN_EMAIL: 'bench@gemeente.test',
    ADMIN_PASSWORD: 'bench password 123',
    CHAT_HOURS: 'always',
    PUBLIC_RATE_LIMIT: '1000000',
    PUBLIC_SUBMIT_LIMIT: '1000000',
    WIDGET_IP_RATE_LIMIT: '1000000',
    SOCKETS_PER_ADDRESS: '1000000',
  });
  const balie = await startBalie(config, log);
  const sockets: Socket<WidgetServerEvents, WidgetClientEvents>[] = [];
  let agent: Socket | undefined;
  try {
    const pool = balie.database.pool;
    // The first admin has chosen their own password (else the session reaches nothing but that).
    await pool.query("UPDATE agents SET password_must_change = false WHERE email = 'bench@gemeente.test'");
    // An agent online, so that chat is available (as in bench/widget-sockets.bench.ts).
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ email: 'bench@gemeente.test', password: 'bench password 123' }),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    agent = io(`${url}/agent`, { transports: ['websocket'], extraHeaders: { cookie, origin: url } });
    await new Promise((resolve) => agent!.once('session.ready', resolve));
    for (let index = 0; index < CITIZENS; index++) {
      const response = await fetch(`${url}/api/public/chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ clientId: randomUUID(), text: `Goedemiddag, ik heb een vraag (${index})`, name: `Inwoner ${index}` }),
      });
      if (!response.ok) throw new Error(`chat not started: ${response.status} ${await response.text()}`);
      const { token } = (await response.json()) as { token: string };
      const socket: Socket<WidgetServerEvents, WidgetClientEvents> = io(`${url}/widget`, { transports: ['websocket'], auth: { token }, extraHeaders: { origin: url }, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('session.ready', () => resolve());
        socket.once('connect_error', reject);
      });
      sockets.push(socket);
    }
    const before = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE direction = 'in'`)).rows[0]!.n;
    const acked: number[] = [];
    const latencies: number[] = [];
    let refused = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      sockets.map(async (socket, index) => {
        for (let k = 0; performance.now() < until; k++) {
          const sent = performance.now();
          const answer = await socket.timeout(30_000).emitWithAck('message.send', { clientId: randomUUID(), text: `Bericht ${k} van inwoner ${index}` }).catch(() => undefined);
          if (answer?.ok) {
            acked.push(answer.data.message.id);
            latencies.push(performance.now() - sent);
          } else refused++;
        }
      }),
    );
    const seconds = SECONDS;
    const stored = await pool.query<{ total: number; distinct: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct FROM messages WHERE id = ANY($1::bigint[])`,
      [acked],
    );
    const after = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE direction = 'in'`)).rows[0]!.n;
    const exactlyOnce = stored.rows[0]!.total === acked.length && after - before === acked.length;
    console.log(
      `chat: ${CITIZENS} citizens on /widget, each sending when its last message was acknowledged, ${seconds} s: ${acked.length} messages → ${Math.round(acked.length / seconds)} stored/s; ` +
        `acknowledgement p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; refused ${refused}; ` +
        `every acknowledged message stored exactly once: ${exactlyOnce ? 'yes' : `NO (${stored.rows[0]!.total} of ${acked.length} found, ${after - before} new rows)`}`,
    );
    if (!exactlyOnce) process.exitCode = 1;

    // The ceiling: as many connections, each INSERTing a chat message into its own conversation
    // (its own transaction, the same triggers), for as long: what PostgreSQL itself stores.
    const conversations = (await pool.query<{ id: string }>(`SELECT id FROM conversations WHERE channel = 'chat' ORDER BY id`)).rows.map((row) => row.id);
    const direct = new pg.Pool({ connectionString: balie.database.connectionStringFor('bench'), max: Math.min(CITIZENS, 20) });
    let inserted = 0;
    const bareUntil = performance.now() + SECONDS * 1000;
    await Promise.all(
      conversations.slice(0, Math.min(CITIZENS, 20)).map(async (id, index) => {
        while (performance.now() < bareUntil) {
          await direct.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', $2)`, [id, `Bericht ${inserted} van inwoner ${index}`]);
          inserted++;
        }
      }),
    );
    await direct.end();
    console.log(`chat ceiling: ${Math.min(CITIZENS, 20)} connections INSERTing bare, ${SECONDS} s: ${inserted} messages → ${Math.round(inserted / SECONDS)} stored/s (Balie: ${((100 * acked.length) / inserted).toFixed(0)}% of it)`);
  } finally {
    for (const socket of sockets) socket.disconnect();
    agent?.disconnect();
    await balie.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-derived-'));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
try {
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  const schemas = [
    { label: 'before 0017 (migrations 0001–0016)', database: 'before_0017', last: '0016' },
    { label: 'after 0017 (migrations 0001–0017)', database: 'after_0017', last: '0017' },
  ];
  const pools = new Map<string, pg.Pool>();
  for (const schema of schemas) {
    await admin.query(`CREATE DATABASE ${schema.database}`);
    const target = new URL(server.url);
    target.pathname = `/${schema.database}`;
    const pool = new pg.Pool({ connectionString: target.toString(), max: 2 });
    await migrateUpTo(pool, schema.last);
    const seeded = performance.now();
    await seed(pool);
    // A new version of an open conversation goes into every index whose predicate it meets.
    const indexes = (
      await pool.query<{ all: number; open: number }>(
        `SELECT count(*)::int AS all,
                count(*) FILTER (WHERE indpred IS NULL OR pg_get_expr(indpred, indrelid) NOT LIKE '%status = ''closed''%')::int AS open
           FROM pg_index WHERE indrelid = 'conversations'::regclass`,
      )
    ).rows[0]!;
    console.log(
      `${schema.label}: ${SEED} conversations seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s; conversations has ${indexes.all} indexes, ${indexes.open} of which an open conversation's row is in (one of them only while due soon)`,
    );
    pools.set(schema.label, pool);
  }
  await admin.end();
  for (const schema of schemas) {
    const costs = await derivedKeyCosts(pools.get(schema.label)!);
    const median = (values: number[]) => percentile(values, 50);
    const all = costs.get('all triggers (as shipped)')!;
    console.log(`\n${schema.label}: ms per write (median of ${Math.ceil(WRITES / BLOCK)} blocks of ${BLOCK}); the cost of a group is "all" minus "without it"`);
    console.log('| configuration | mail (conversation + 2 milestones + message) | cost | chat message | cost |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [label, value] of costs) {
      const own = label === 'all triggers (as shipped)';
      console.log(
        `| ${own ? label : `without ${label}`} | ${median(value.mail).toFixed(2)} | ${own ? '' : (median(all.mail) - median(value.mail)).toFixed(2)} | ${median(value.chat).toFixed(2)} | ${own ? '' : (median(all.chat) - median(value.chat)).toFixed(2)} |`,
      );
    }
  }
  for (const pool of pools.values()) await pool.end();
} finally {
  await server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
await chatThroughput();
