// Benchmark: the agents' inbox list, its counts and its search with 1,000,000 conversations of which
// 100,000 open, on a real (embedded) PostgreSQL, through the same functions the API calls.
// Ceilings (issue 11): the list p95 < 50 ms; a common-word search (a third of open work) p95 < 100 ms.
// Every search is checked against a plain scan of the seeded text (the same first page), and every
// statement it ran is EXPLAINed: the indexes it used are listed, a sequential scan of
// conversations is flagged.
// Run: npm run bench:inbox
//   CONVERSATIONS=…      total conversations (default 1,000,000; one in ten is open)
//   RUNS=…               measured runs per query (default 200, after 20 warm-up runs)
//   BENCH_DATA_DIR=…     keep the seeded database there and reuse it on the next run
//   BENCH_EXPLAIN=1      also print EXPLAIN (ANALYZE, BUFFERS) of every statement
//   BENCH_CASES=…        only the queries whose label matches this regular expression
//   BENCH_WRITES=…       afterwards, store so many messages one by one with and without the lexicon's trigger
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
const WRITES = Number(process.env.BENCH_WRITES ?? 0);
const ONLY = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : undefined;
const AGENTS = 20;

const log = createLogger('warn');
const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-inbox-')));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
const pool = createPool(server.url, log, 4);

// Topic and street are hashed from g, so that no word goes with a channel, a status or a deadline
// (with g % 12 every "aanvraag" was a chat without deadlines, sorted after all e-mail: the worst
// case for a search, now measured on purpose with "chat", see below). "aanvragen" (topics 0, 3, 6
// and 10) is in a third of all work; the compounds of "vergunning" (0, 3, 8, 11) and "lantaarn" (4)
// test matching inside words.
const TOPICS = [
  'Aanvraag parkeervergunning', 'Klacht over afval', 'Vraag over paspoort', 'Vergunningaanvraag evenement', 'Melding lantaarnpaal kapot',
  'Bezwaar WOZ-waarde', 'Aanvraag bijzondere bijstand', 'Vraag over de afvalpas', 'Kapvergunning voor een boom', 'Geluidsoverlast van de buren',
  'Aanvraag rijbewijs', 'Omgevingsvergunning voor een dakkapel',
];
// The closed conversations' messages also carry a compound of two of these and a made-up word, so
// that the lexicon has the size of years of real mail (≈300,000 words), not the few dozen above.
const PARTS = [
  'afval', 'bouw', 'straat', 'park', 'school', 'sport', 'water', 'groen', 'boom', 'fiets', 'auto', 'brug', 'markt', 'haven', 'kerk', 'molen',
  'dijk', 'polder', 'tuin', 'huis', 'zorg', 'jeugd', 'belasting', 'subsidie', 'melding', 'klacht', 'overlast', 'verlichting', 'riool', 'stoep',
];
const STREETS = [
  'Lindelaan', 'Kerkstraat', 'Molenweg', 'Dorpsstraat', 'Stationsplein', 'Beukenlaan', 'Schoolstraat', 'Julianastraat', 'Eikenlaan', 'Marktplein',
  'Parkweg', 'Wilhelminastraat', 'Havenkade', 'Kastanjelaan', 'Nieuwstraat', 'Industrieweg', 'Sportlaan', 'Vijverhof', 'Zuiderpark', 'Tulpstraat',
  'Rozengracht', 'Polderweg', 'Burgemeesterlaan', 'Raadhuisplein', 'Esdoornstraat',
];

/**
 * Set-based: contacts, conversations (one in ten open, spread over channels, statuses and agents),
 * one message each, and for the open e-mails a met acknowledgement and an answer due between two
 * days ago and eight days ahead. The message trigger and the lexicon's triggers are off while seeding
 * (the preview, waiting time and search document are written with the conversation; the lexicon
 * is rebuilt from the documents afterwards, as migration 0009 does); the milestone trigger runs, as it
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
  await db.query('ALTER TABLE conversations DISABLE TRIGGER search_lexemes_conversations');
  await db.query(
    `INSERT INTO conversations (reference, channel, status, subject, contact_id, assignee_id, created_at, updated_at, last_message_at, closed_at, outcome, preview, waiting_since, messages_document)
     SELECT 'BAL-2026-' || lpad(g::text, 7, '0'), s.channel, s.status, s.subject, g, s.assignee, s.at, s.at, s.at,
            CASE WHEN s.status = 'closed' THEN s.at + interval '1 hour' END,
            CASE WHEN s.status = 'closed' THEN 'handled_first_contact' END,
            left(s.body, 140),
            CASE WHEN s.status IN ('new', 'open') THEN s.at END,
            to_tsvector('dutch', s.body || CASE WHEN s.status = 'closed' THEN ' ' || s.extra ELSE '' END)
       FROM generate_series(1, $1) g
       CROSS JOIN LATERAL (
         SELECT CASE WHEN g % 3 = 0 THEN 'chat' ELSE 'email' END AS channel,
                CASE WHEN g % 10 <> 0 THEN 'closed' WHEN (g / 10) % 7 = 0 THEN 'new' WHEN (g / 10) % 7 IN (1, 2) THEN 'waiting' ELSE 'open' END AS status,
                ($2::text[])[1 + ((hashint4(g)::bigint + 2147483648) % 12)] || ' ' || ($3::text[])[1 + ((hashint4(g + 1000000007)::bigint + 2147483648) % 25)] AS subject,
                CASE WHEN g % 10 <> 0 OR (g / 10) % 3 = 0 OR (g / 10) % 7 = 0 THEN NULL ELSE 1 + (g / 10) % $4 END AS assignee,
                now() - ($1 - g) * interval '20 seconds' AS at,
                'Goedendag, ik heb een vraag' || CASE WHEN g % 3 = 0 THEN ' via de chat' ELSE '' END || ': ' || lower(($2::text[])[1 + ((hashint4(g)::bigint + 2147483648) % 12)]) || ' aan de ' || ($3::text[])[1 + ((hashint4(g + 1000000007)::bigint + 2147483648) % 25)] || ' ' || (1 + g % 200)
                  || CASE WHEN g % 5003 = 0 THEN '. Mijn fietsenstalling is weg' ELSE '' END
                  || '. Met vriendelijke groet, Inwoner ' || g AS body,
                ($5::text[])[1 + g % 30] || ($5::text[])[1 + (g / 30) % 30] || ' ' || translate(left(md5((g % 300000)::text), 10), '0123456789', 'ghijklmnop') AS extra
       ) s`,
    [TOTAL, TOPICS, STREETS, AGENTS, PARTS],
  );
  await db.query('ALTER TABLE conversations ENABLE TRIGGER search_lexemes_conversations');
  step('conversations');
  await db.query('ALTER TABLE messages DISABLE TRIGGER inbox_messages_inserted');
  // Since migration 0017 the lexicon is filled by inbox_messages_inserted as well.
  await db.query(
    `INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, created_at)
     SELECT c.id, CASE WHEN c.waiting_since IS NULL AND c.status <> 'closed' THEN 'out' ELSE 'in' END, 'message', c.contact_id,
            'Goedendag, ik heb een vraag' || CASE WHEN c.id % 3 = 0 THEN ' via de chat' ELSE '' END || ': ' || lower(($1::text[])[1 + ((hashint4(c.id::int)::bigint + 2147483648) % 12)]) || ' aan de ' || ($2::text[])[1 + ((hashint4(c.id::int + 1000000007)::bigint + 2147483648) % 25)] || ' ' || (1 + c.id % 200)
              || CASE WHEN c.id % 5003 = 0 THEN '. Mijn fietsenstalling is weg' ELSE '' END
              || '. Met vriendelijke groet, Inwoner ' || c.id
              || CASE WHEN c.status = 'closed' THEN ' ' || ($3::text[])[1 + c.id % 30] || ($3::text[])[1 + (c.id / 30) % 30] || ' ' || translate(left(md5((c.id % 300000)::text), 10), '0123456789', 'ghijklmnop') ELSE '' END,
            c.last_message_at
       FROM conversations c`,
    [TOPICS, STREETS, PARTS],
  );
  await db.query('ALTER TABLE messages ENABLE TRIGGER inbox_messages_inserted');
  step('messages');
  const lexicon = await db.query<{ added: string }>('SELECT added FROM search_lexemes_rebuild()');
  step(`lexicon: ${Number(lexicon.rows[0]!.added).toLocaleString('en')} words (what migration 0009's backfill costs at this size)`);
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
  for (const table of ['contacts', 'conversations', 'messages', 'milestones', 'search_lexemes']) await db.query(`VACUUM ANALYZE ${table}`);
  step('vacuum analyze');
}

/** A Db that remembers every statement, for EXPLAIN. */
function capturing(db: pg.Pool): { db: Db; statements: { text: string; values: unknown[] }[] } {
  const statements: { text: string; values: unknown[] }[] = [];
  const wrapper = {
    query: (text: string, values?: unknown[]) => {
      statements.push({ text, values: values ?? [] });
      return db.query(text, values);
    },
  } as unknown as Db;
  return { db: wrapper, statements };
}

/** The indexes a plan reads, and whether it scans conversations sequentially. */
function indexesOf(plan: string): { indexes: string[]; seqScan: boolean } {
  const indexes = new Set<string>();
  for (const match of plan.matchAll(/(?:Index Scan|Index Only Scan|Index Scan Backward|Index Only Scan Backward) using (\S+)|Bitmap Index Scan on (\S+)/g)) {
    indexes.add(match[1] ?? match[2]!);
  }
  return { indexes: [...indexes], seqScan: /Seq Scan on conversations\b/.test(plan) };
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
      count(*) FILTER (WHERE next_due_state = 'due_soon')::int AS "dueSoon", (SELECT count(*)::int FROM search_lexemes) AS lexicon FROM conversations`)).rows[0];
  console.log(`open ${stats.open}, breached ${stats.breached}, due soon ${stats.dueSoon}`);

  const viewer = { id: 1 };
  const firstPage = await listConversations(pool, { limit: 50 }, viewer);
  if (firstPage === 'bad_cursor' || !firstPage.nextCursor) throw new Error('no second page');

  // Searches: each with what it must find, said plainly over the seeded text (`t`: subject and
  // message, lower case), so the check does not share the search's own definition.
  interface Search {
    label: string;
    filter: ListFilter;
    expected: string;
    ceiling: number | null;
  }
  const LIST_CEILING = 50;
  const COMMON_WORD_CEILING = 100;
  const searches: Search[] = [
    { label: 'q=aanvragen (common word: a third of open work; open first)', filter: { limit: 50, q: 'aanvragen' }, expected: `t ~ 'aanvra(ag|gen)'`, ceiling: COMMON_WORD_CEILING },
    { label: 'q=aanvragen, page 2 (cursor)', filter: { limit: 50, q: 'aanvragen' }, expected: `t ~ 'aanvra(ag|gen)'`, ceiling: COMMON_WORD_CEILING },
    { label: 'q=vergunning (inside compounds: omgevings-, parkeer-, kap-, …aanvraag)', filter: { limit: 50, q: 'vergunning' }, expected: `t LIKE '%vergunning%'`, ceiling: COMMON_WORD_CEILING },
    { label: 'q=lantaarn (prefix of lantaarnpaal)', filter: { limit: 50, q: 'lantaarn' }, expected: `t LIKE '%lantaarn%'`, ceiling: LIST_CEILING },
    { label: 'q=Lindelaan (4% of all work)', filter: { limit: 50, q: 'Lindelaan' }, expected: `t LIKE '%lindelaan%'`, ceiling: LIST_CEILING },
    { label: 'q=stalling (rare compound, open and closed)', filter: { limit: 50, q: 'stalling' }, expected: `t LIKE '%stalling%'`, ceiling: LIST_CEILING },
    { label: 'q=paspoort Lindelaan (two words)', filter: { limit: 50, q: 'paspoort Lindelaan' }, expected: `t LIKE '%paspoort%' AND t LIKE '%lindelaan%'`, ceiling: LIST_CEILING },
    { label: 'q=omgevingsvergunning (a twelfth of all work)', filter: { limit: 50, q: 'omgevingsvergunning' }, expected: `t LIKE '%omgevingsvergunning%'`, ceiling: LIST_CEILING },
    { label: 'q=polderdijk (a compound only in the history)', filter: { limit: 50, q: 'polderdijk' }, expected: `t LIKE '%polderdijk%'`, ceiling: LIST_CEILING },
    { label: 'q=chat (worst case: a third of open work, all sorted last)', filter: { limit: 50, q: 'chat' }, expected: `t ~ '\\mchat'`, ceiling: null },
    { label: 'q=BAL-2026-0123451 (reference of a closed one)', filter: { limit: 50, q: 'BAL-2026-0123451' }, expected: `c.reference = 'BAL-2026-0123451'`, ceiling: LIST_CEILING },
    { label: 'q=2026 0123451 (reference read out, spaces)', filter: { limit: 50, q: '2026 0123451' }, expected: `c.reference LIKE '%2026-0123451%'`, ceiling: LIST_CEILING },
    { label: 'q=0123450 (part of a reference)', filter: { limit: 50, q: '0123450' }, expected: `c.reference LIKE '%0123450%'`, ceiling: LIST_CEILING },
    { label: 'q=Inwoner 123451 (name of a closed one)', filter: { limit: 50, q: 'Inwoner 123451' }, expected: `ct.name ILIKE '%inwoner 123451%' OR (t LIKE '%inwoner%' AND t ~ '\\m123451\\M')`, ceiling: LIST_CEILING },
    { label: 'q=inwoner500@example (e-mail address)', filter: { limit: 50, q: 'inwoner500@example' }, expected: `ct.email LIKE '%inwoner500@example%'`, ceiling: LIST_CEILING },
    { label: 'q=aanvragen & status=closed', filter: { limit: 50, q: 'aanvragen', status: 'closed' }, expected: `t ~ 'aanvra(ag|gen)'`, ceiling: COMMON_WORD_CEILING },
    { label: 'q=stalling & status=closed (rare)', filter: { limit: 50, q: 'stalling', status: 'closed' }, expected: `t LIKE '%stalling%'`, ceiling: LIST_CEILING },
    { label: 'q=vergunning & assignee=mine', filter: { limit: 50, q: 'vergunning', assignee: 'mine' }, expected: `t LIKE '%vergunning%'`, ceiling: COMMON_WORD_CEILING },
  ];

  /** The first `limit` ids a search must show (open in working order, then closed newest first), by a plain scan. */
  async function expectedPage(search: Search, cursorAfter?: number): Promise<{ ids: number[]; open: number; all: number }> {
    const f = search.filter;
    const where = [`(${search.expected})`];
    if (f.status === 'closed') where.push(`c.status = 'closed'`);
    if (f.assignee === 'mine') where.push(`c.assignee_id = ${viewer.id}`);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // A plain scan: nothing of the search's indexes takes part.
      await client.query(`SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL work_mem = '512MB'`);
      const { rows } = await client.query<{ id: number; open: boolean }>(
        `SELECT c.id, c.status <> 'closed' AS open FROM conversations c
           LEFT JOIN contacts ct ON ct.id = c.contact_id
           LEFT JOIN (SELECT conversation_id, string_agg(body_text, ' ') AS body FROM messages WHERE kind <> 'system' GROUP BY conversation_id) m ON m.conversation_id = c.id
           CROSS JOIN LATERAL (SELECT lower(coalesce(c.subject, '') || ' ' || coalesce(m.body, '')) AS t) x
          WHERE ${where.join(' AND ')}
          ORDER BY c.status = 'closed', CASE WHEN c.status <> 'closed' THEN row(c.sort_breach, c.sort_due, c.sort_waiting, c.id) END, c.closed_at DESC, c.id DESC`,
      );
      await client.query('COMMIT');
      const offset = cursorAfter ?? 0;
      return { ids: rows.slice(offset, offset + f.limit).map((row) => row.id), open: rows.filter((row) => row.open).length, all: rows.length };
    } finally {
      client.release();
    }
  }

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
  ];
  type Case = { label: string; ceiling: number | null; run: (db: Db) => Promise<unknown>; check?: (result: unknown) => Promise<string> };
  const cases: Case[] = lists.map(([label, filter]) => ({ label, ceiling: LIST_CEILING, run: (db: Db) => listConversations(db, filter, viewer) }));

  // Searches: page 2 of a search follows the cursor of its page 1.
  const problems: string[] = [];
  for (const search of searches.filter((candidate) => !ONLY || ONLY.test(candidate.label))) {
    let filter = search.filter;
    let skip = 0;
    if (search.label.includes('page 2')) {
      const first = await listConversations(pool, filter, viewer);
      if (first === 'bad_cursor' || !first.nextCursor) throw new Error(`${search.label}: no second page`);
      filter = { ...filter, cursor: first.nextCursor };
      skip = filter.limit;
    }
    cases.push({
      label: search.label,
      ceiling: search.ceiling,
      run: (db: Db) => listConversations(db, filter, viewer),
      check: async (result) => {
        const page = result as { items: { id: number }[] };
        const expected = await expectedPage(search, skip);
        const got = page.items.map((item) => item.id);
        if (JSON.stringify(got) !== JSON.stringify(expected.ids)) problems.push(`${search.label}: got ${got.slice(0, 5).join(',')}… (${got.length}), expected ${expected.ids.slice(0, 5).join(',')}… (${expected.ids.length})`);
        if (expected.ids.length === 0) problems.push(`${search.label}: the check expects nothing — not a test`);
        return `${expected.open.toLocaleString('en')} open + ${(expected.all - expected.open).toLocaleString('en')} closed (${((100 * expected.open) / stats.open).toFixed(1)}% of open)`;
      },
    });
  }
  cases.push(
    { label: 'counts', ceiling: LIST_CEILING, run: (db) => inboxCounts(db, {}, viewer) },
    { label: 'counts, channel=email', ceiling: LIST_CEILING, run: (db) => inboxCounts(db, { channel: 'email' }, viewer) },
    { label: 'counts, q=Lindelaan', ceiling: LIST_CEILING, run: (db) => inboxCounts(db, { q: 'Lindelaan' }, viewer) },
    { label: 'counts, q=aanvragen (a third of open work)', ceiling: null, run: (db) => inboxCounts(db, { q: 'aanvragen' }, viewer) },
  );

  const table: string[] = ['| query | p50 ms | p95 ms | ceiling p95 | within | rows | matches (checked by a plain scan) | indexes (EXPLAIN) |', '|---|---:|---:|---:|---|---:|---|---|'];
  for (const { label, ceiling, run, check } of cases.filter((candidate) => !ONLY || ONLY.test(candidate.label))) {
    const probe = capturing(pool);
    const result = (await run(probe.db)) as { items?: unknown[]; counts?: unknown };
    const matches = check ? await check(result) : '';
    const used = new Set<string>();
    for (const { text, values } of probe.statements.filter((statement) => !statement.text.startsWith('EXPLAIN'))) {
      const plan = (await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
      if (EXPLAIN) console.log(`\n── ${label}\n${plan}`);
      const { indexes, seqScan } = indexesOf(plan);
      for (const index of indexes) used.add(index);
      if (seqScan) problems.push(`${label}: a sequential scan of conversations`);
    }
    for (let index = 0; index < WARM_UP; index += 1) await run(pool);
    const times: number[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const started = performance.now();
      await run(pool);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const p95 = percentile(times, 95);
    const within = ceiling === null ? '–' : p95 < ceiling ? 'yes' : '**no**';
    if (ceiling !== null && p95 >= ceiling) problems.push(`${label}: p95 ${p95.toFixed(1)} ms ≥ ${ceiling} ms`);
    const rowsShown = result.items ? String(result.items.length) : '–';
    table.push(`| ${label} | ${percentile(times, 50).toFixed(1)} | ${p95.toFixed(1)} | ${ceiling ?? '–'} | ${within} | ${rowsShown} | ${matches} | ${[...used].join(', ')} (${probe.statements.length} stmt) |`);
    console.log(table.at(-1));
  }
  console.log(`\n${TOTAL.toLocaleString('en')} conversations, ${stats.open.toLocaleString('en')} open, ${stats.lexicon.toLocaleString('en')} words in the lexicon; ${RUNS} runs per query after ${WARM_UP} warm-up runs\n`);
  console.log(table.join('\n'));
  console.log(problems.length === 0 ? '\nall checks passed: every search returned the expected page, no sequential scan of conversations, every p95 within its ceiling' : `\nPROBLEMS:\n${problems.join('\n')}`);
  if (problems.length > 0) process.exitCode = 1;

  if (WRITES) {
    // What the message trigger costs a writer (since migration 0017 it also fills the lexicon):
    // messages stored one statement each (as mail ingest and replies store them), each to another
    // open conversation, in batches of 50 alternately with the trigger and without it (so that
    // neither side gets a warmer cache or a busier machine). Each message has two words the
    // lexicon has never seen, as a name or street would.
    const targets = (await pool.query<{ id: number }>(`SELECT id FROM conversations WHERE status <> 'closed' ORDER BY id DESC LIMIT $1`, [2 * WRITES])).rows.map((row) => row.id);
    const spent = { with: 0, without: 0 };
    // Letters only, as the lexicon takes no words with digits: 12 → "bc".
    const letters = (n: number) => String(n).replace(/\d/g, (digit) => 'abcdefghij'[Number(digit)]!);
    for (let batch = 0; batch * 50 < targets.length; batch += 1) {
      const side = batch % 2 === 0 ? 'with' : 'without';
      if (side === 'without') await pool.query('ALTER TABLE messages DISABLE TRIGGER inbox_messages_inserted');
      const started = performance.now();
      for (let index = batch * 50; index < (batch + 1) * 50 && index < targets.length; index += 1) {
        await pool.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', $2)`, [
          targets[index],
          `Goedemiddag, een vraag over de nieuwstraat${letters(index)}laan en de ${side}vergunning${letters(index)}: wanneer hoor ik iets? Met vriendelijke groet`,
        ]);
      }
      spent[side] += performance.now() - started;
      if (side === 'without') await pool.query('ALTER TABLE messages ENABLE TRIGGER inbox_messages_inserted');
    }
    const each = targets.length / 2;
    console.log(`\nwrite cost: ${each} messages each way, one INSERT each to its own conversation: ${(spent.with / each).toFixed(2)} ms per message with the message trigger (since 0017: waiting time, preview, document and lexicon in one), ${(spent.without / each).toFixed(2)} ms without`);
  }
} finally {
  await pool.end();
  await server.stop();
  if (!keep) await fs.rm(dir, { recursive: true, force: true });
}
