// Benchmark: the agents' inbox list and counts with 1,000,000 conversations of which 100,000 open,
// on a real (embedded) PostgreSQL, through the same functions the API calls. Target: p95 < 50 ms.
// Run: npm run bench:inbox
//   CONVERSATIONS=…      total conversations (default 1,000,000; one in ten is open)
//   RUNS=…               measured runs per query (default 200, after 20 warm-up runs)
//   BENCH_DATA_DIR=…     keep the seeded database there and reuse it on the next run
//   BENCH_EXPLAIN=1      print EXPLAIN (ANALYZE, BUFFERS) of every query
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { migrate } from '../server/db/migrate.ts';
import { createPool, type Db } from '../server/db/pool.ts';
import { inboxCounts } from '../server/inbox/counts.ts';
import { listConversations, type ListFilter } from '../server/inbox/list.ts';
import { createLogger } from '../server/log.ts';

const TOTAL = Number(process.env.CONVERSATIONS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 200);
const WARM_UP = 20;
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const AGENTS = 20;

const log = createLogger('warn');
const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-inbox-')));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
const pool = createPool(server.url, log, 4);

const TOPICS = [
  'Aanvraag parkeervergunning', 'Klacht over afval', 'Vraag over paspoort', 'Verhuizing doorgeven', 'Melding straatverlichting',
  'Bezwaar WOZ-waarde', 'Aanvraag bijzondere bijstand', 'Vraag over de afvalpas', 'Kapvergunning voor een boom', 'Geluidsoverlast van de buren',
  'Rijbewijs verlengen', 'Hondenbelasting',
];
const STREETS = [
  'Lindelaan', 'Kerkstraat', 'Molenweg', 'Dorpsstraat', 'Stationsplein', 'Beukenlaan', 'Schoolstraat', 'Julianastraat', 'Eikenlaan', 'Marktplein',
  'Parkweg', 'Wilhelminastraat', 'Havenkade', 'Kastanjelaan', 'Nieuwstraat', 'Industrieweg', 'Sportlaan', 'Vijverhof', 'Zuiderpark', 'Tulpstraat',
  'Rozengracht', 'Polderweg', 'Burgemeesterlaan', 'Raadhuisplein', 'Esdoornstraat',
];

/**
 * Set-based: contacts, conversations (one in ten open, spread over channels, statuses and agents),
 * one message each, and for the open e-mails a met acknowledgement and an answer due between two
 * days ago and eight days ahead. The message trigger is off while seeding (the preview, waiting
 * time and search document are written with the conversation); the milestone trigger runs, as it
 * does in production.
 */
async function seed(db: pg.Pool): Promise<void> {
  let started = performance.now();
  const step = (what: string) => {
    console.log(`  ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
  };
  await db.query(
    `INSERT INTO agents (email, name, role, password_hash)
     SELECT 'medewerker' || g || '@gemeente.test', 'Medewerker ' || g, 'agent', 'not-a-hash' FROM generate_series(1, $1) g`,
    [AGENTS],
  );
  await db.query(
    `INSERT INTO contacts (name, email, phone)
     SELECT 'Inwoner ' || g, 'inwoner' || g || '@example.nl', CASE WHEN g % 4 = 0 THEN '06' || lpad(g::text, 8, '0') END
       FROM generate_series(1, $1) g`,
    [TOTAL],
  );
  step('contacts');
  await db.query(
    `INSERT INTO conversations (reference, channel, status, subject, contact_id, assignee_id, created_at, updated_at, last_message_at, closed_at, outcome, preview, waiting_since, messages_document)
     SELECT 'BAL-2026-' || lpad(g::text, 7, '0'), s.channel, s.status, s.subject, g, s.assignee, s.at, s.at, s.at,
            CASE WHEN s.status = 'closed' THEN s.at + interval '1 hour' END,
            CASE WHEN s.status = 'closed' THEN 'handled_first_contact' END,
            left(s.body, 140),
            CASE WHEN s.status IN ('new', 'open') THEN s.at END,
            to_tsvector('dutch', s.body)
       FROM generate_series(1, $1) g
       CROSS JOIN LATERAL (
         SELECT CASE WHEN g % 3 = 0 THEN 'chat' ELSE 'email' END AS channel,
                CASE WHEN g % 10 <> 0 THEN 'closed' WHEN (g / 10) % 7 = 0 THEN 'new' WHEN (g / 10) % 7 IN (1, 2) THEN 'waiting' ELSE 'open' END AS status,
                ($2::text[])[1 + g % 12] || ' ' || ($3::text[])[1 + (g / 7) % 25] AS subject,
                CASE WHEN g % 10 <> 0 OR (g / 10) % 3 = 0 OR (g / 10) % 7 = 0 THEN NULL ELSE 1 + (g / 10) % $4 END AS assignee,
                now() - ($1 - g) * interval '20 seconds' AS at,
                'Goedendag, ik heb een vraag: ' || lower(($2::text[])[1 + g % 12]) || ' aan de ' || ($3::text[])[1 + (g / 7) % 25] || ' ' || (1 + g % 200)
                  || '. Met vriendelijke groet, Inwoner ' || g AS body
       ) s`,
    [TOTAL, TOPICS, STREETS, AGENTS],
  );
  step('conversations');
  await db.query('ALTER TABLE messages DISABLE TRIGGER inbox_messages_inserted');
  await db.query(
    `INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, created_at)
     SELECT c.id, CASE WHEN c.waiting_since IS NULL AND c.status <> 'closed' THEN 'out' ELSE 'in' END, 'message', c.contact_id,
            'Goedendag, ik heb een vraag: ' || lower(($1::text[])[1 + c.id % 12]) || ' aan de ' || ($2::text[])[1 + (c.id / 7) % 25] || ' ' || (1 + c.id % 200)
              || '. Met vriendelijke groet, Inwoner ' || c.id,
            c.last_message_at
       FROM conversations c`,
    [TOPICS, STREETS],
  );
  await db.query('ALTER TABLE messages ENABLE TRIGGER inbox_messages_inserted');
  step('messages');
  await db.query(
    `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at, met_by)
     SELECT c.id, m.kind, 'vng', 'workingDays', m.amount, c.created_at, d.due, d.due - interval '4 hours',
            CASE WHEN m.kind = 'acknowledgement' THEN 'met' WHEN d.due < now() THEN 'breached' WHEN d.due < now() + interval '4 hours' THEN 'due_soon' ELSE 'open' END,
            CASE WHEN m.kind = 'acknowledgement' THEN c.created_at END,
            CASE WHEN m.kind = 'acknowledgement' THEN 'acknowledgement' END
       FROM conversations c
       CROSS JOIN LATERAL (SELECT now() + (((c.id * 7919) % 864000) - 172800) * interval '1 second' AS due) d
       CROSS JOIN (VALUES ('acknowledgement', 2), ('answer', 5)) AS m(kind, amount)
      WHERE c.status <> 'closed' AND c.channel = 'email'`,
  );
  step('milestones (the trigger set the sort keys)');
  for (const table of ['contacts', 'conversations', 'messages', 'milestones']) await db.query(`VACUUM ANALYZE ${table}`);
  step('vacuum analyze');
}

/** A Db that remembers the last statement, for EXPLAIN. */
function capturing(db: pg.Pool): { db: Db; last: () => { text: string; values: unknown[] } } {
  let last = { text: '', values: [] as unknown[] };
  const wrapper = {
    query: (text: string, values?: unknown[]) => {
      last = { text, values: values ?? [] };
      return db.query(text, values);
    },
  } as unknown as Db;
  return { db: wrapper, last: () => last };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

try {
  await migrate(pool, log);
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
  if (rows[0]!.n === 0) {
    console.log(`seeding ${TOTAL.toLocaleString('en')} conversations (${(TOTAL / 10).toLocaleString('en')} open)…`);
    await seed(pool);
  } else {
    console.log(`reusing ${rows[0]!.n.toLocaleString('en')} seeded conversations in ${dir}`);
  }
  const stats = (await pool.query(`SELECT count(*) FILTER (WHERE status <> 'closed')::int AS open, count(*) FILTER (WHERE breached)::int AS breached,
      count(*) FILTER (WHERE next_due_state = 'due_soon')::int AS "dueSoon" FROM conversations`)).rows[0];
  console.log(`open ${stats.open}, breached ${stats.breached}, due soon ${stats.dueSoon}`);

  const viewer = { id: 1 };
  const firstPage = await listConversations(pool, { limit: 50 }, viewer);
  if (firstPage === 'bad_cursor' || !firstPage.nextCursor) throw new Error('no second page');

  const lists: [string, ListFilter][] = [
    ['default list, page 1 (limit 50)', { limit: 50 }],
    ['default list, page 2 (cursor)', { limit: 50, cursor: firstPage.nextCursor }],
    ['assignee=mine', { limit: 50, assignee: 'mine' }],
    ['assignee=unassigned', { limit: 50, assignee: 'unassigned' }],
    ['due=soon', { limit: 50, due: 'soon' }],
    ['due=breached', { limit: 50, due: 'breached' }],
    ['channel=chat', { limit: 50, channel: 'chat' }],
    ['status=waiting', { limit: 50, status: 'waiting' }],
    ['status=closed (newest closed first)', { limit: 50, status: 'closed' }],
    ['channel=email & assignee=mine & due=soon', { limit: 50, channel: 'email', assignee: 'mine', due: 'soon' }],
    ['q=aanvragen (Dutch FTS; matches a third of open work)', { limit: 50, q: 'aanvragen' }],
    ['q=Lindelaan (FTS in subject and messages, 6% of open)', { limit: 50, q: 'Lindelaan' }],
    ['q=Inwoner 123450 (contact name)', { limit: 50, q: 'Inwoner 123450' }],
    ['q=0123450 (part of a reference)', { limit: 50, q: '0123450' }],
    ['q=inwoner500@example (e-mail address)', { limit: 50, q: 'inwoner500@example' }],
  ];
  const cases: [string, (db: Db) => Promise<unknown>][] = [
    ...lists.map(([label, filter]) => [label, (db: Db) => listConversations(db, filter, viewer)] as [string, (db: Db) => Promise<unknown>]),
    ['counts', (db) => inboxCounts(db, {}, viewer)],
    ['counts, channel=email', (db) => inboxCounts(db, { channel: 'email' }, viewer)],
    ['counts, q=Lindelaan', (db) => inboxCounts(db, { q: 'Lindelaan' }, viewer)],
  ];

  const table: string[] = ['| query | p50 ms | p95 ms | rows |', '|---|---:|---:|---:|'];
  for (const [label, run] of cases) {
    const probe = capturing(pool);
    const result = (await run(probe.db)) as { items?: unknown[]; counts?: unknown };
    if (EXPLAIN) {
      const { text, values } = probe.last();
      const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      console.log(`\n── ${label}\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
    }
    for (let index = 0; index < WARM_UP; index += 1) await run(pool);
    const times: number[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const started = performance.now();
      await run(pool);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const rowsShown = result.items ? String(result.items.length) : '–';
    table.push(`| ${label} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${rowsShown} |`);
  }
  console.log(`\n${TOTAL.toLocaleString('en')} conversations, ${stats.open.toLocaleString('en')} open; ${RUNS} runs per query after ${WARM_UP} warm-up runs\n`);
  console.log(table.join('\n'));
} finally {
  await pool.end();
  await server.stop();
  if (!keep) await fs.rm(dir, { recursive: true, force: true });
}
