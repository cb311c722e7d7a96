// Benchmark: the KPI engine (issue 15 §9) over a year of a large gemeente — 1,000,000
// conversations on every channel with their milestones, ratings and repeat contacts, seeded with
// generate_series — on a real (embedded) PostgreSQL, through the functions the API calls.
// Ceiling: a month's KPIs p95 ≤ 200 ms (all splits: channel, team, agent, topic).
// Measures: the rollup job over the whole year (first start after the migration), then per query
// p50/p95: today (computed live), the current month (rollups + today live), last month (rollups
// only) without and with every split, a year, and the month's series.
// Run: npm run bench:kpis
//   CONVERSATIONS=…   total conversations (default 1,000,000, over the 365 days up to now)
//   RUNS=…            measured runs per query (default 100, after 10 warm-up runs)
//   BENCH_DATA_DIR=…  keep the seeded and rolled-up database there and reuse it on the next run
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import type pg from 'pg';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { migrate } from '../server/db/migrate.ts';
import { createPool, MAINTENANCE_LIMITS } from '../server/db/pool.ts';
import { createLogger } from '../server/log.ts';
import type { KpiSplit } from '../server/reports/kpi-types.ts';
import { kpiReport } from '../server/reports/kpis.ts';
import { resolvePeriod, type PeriodInput } from '../server/reports/period.ts';
import { rollUpPass } from '../server/reports/rollups.ts';
import { kpiSeries } from '../server/reports/series.ts';

const TOTAL = Number(process.env.CONVERSATIONS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 100);
const WARM_UP = 10;
const AGENTS = 40;
const TEAMS = 5;
const TOPICS = 25;
const CONTACTS = Math.max(1, Math.round(TOTAL * 0.3));
const CEILING_MS = 200;

const log = createLogger('warn');
const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-kpis-')));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
// Requests' pool as Balie has it; seeding and the rollup job on one without a statement timeout,
// as Balie runs the job on its maintenance pool.
const pool = createPool(server.url, log, 6);
const maintenance = createPool(server.url, log, 2, { limits: MAINTENANCE_LIMITS });

/**
 * Set-based, in a handful of statements. Conversations are spread evenly over the 365 days up to
 * now (so today has its share, computed live); a third each chat, e-mail and phone; 2% still open;
 * outcomes, waits, ratings and assignees hashed from the row number so that no figure goes with
 * another. E-mail has an acknowledgement and an answer, chat a pickup, one in fifty a callback.
 * Contacts: 0.3 per conversation, so a citizen writes about three times a year and repeats occur.
 * A topic is set at a close: of the open conversations only one in ten (reopened ones) has one.
 */
async function seed(db: pg.Pool): Promise<void> {
  let started = performance.now();
  const step = (what: string) => {
    console.log(`  ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
  };
  await db.query(`INSERT INTO agents (email, name, role, password_hash) SELECT 'kcc' || g || '@gemeente.test', 'Medewerker ' || g, 'agent', 'x' FROM generate_series(1, $1) g`, [AGENTS]);
  await db.query(`INSERT INTO teams (name) SELECT 'Team ' || g FROM generate_series(1, $1) g`, [TEAMS]);
  await db.query(`INSERT INTO team_members (team_id, agent_id) SELECT t.id, a.id FROM teams t JOIN agents a ON a.id % $1 = t.id % $1`, [TEAMS]);
  await db.query(`INSERT INTO topics (name) SELECT 'Onderwerp ' || g FROM generate_series(1, $1) g`, [TOPICS]);
  await db.query(
    `INSERT INTO contacts (email, phone) SELECT CASE WHEN g % 3 <> 0 THEN 'inwoner' || g || '@example.nl' END, CASE WHEN g % 3 <> 1 THEN '+316' || lpad(g::text, 8, '0') END
       FROM generate_series(1, $1) g`,
    [CONTACTS],
  );
  step(`${CONTACTS.toLocaleString('en')} contacts, agents, teams, topics`);
  await db.query('ALTER TABLE conversations DISABLE TRIGGER search_lexemes_conversations');
  await db.query(
    `INSERT INTO conversations (reference, channel, status, contact_id, assignee_id, topic_id, created_at, updated_at, last_message_at, closed_at, outcome, outcome_reason, picked_up_at, csat_score, csat_at)
     SELECT 'BAL-B-' || g, s.channel, CASE WHEN s.open THEN 'open' ELSE 'closed' END,
            (SELECT min(id) FROM contacts) + (g::bigint * 7919) % $2, CASE WHEN g % 50 = 0 THEN NULL ELSE (SELECT min(id) FROM agents) + g % $3 END,
            CASE WHEN g % 26 = 0 OR (g % 50 = 1 AND g % 500 <> 1) THEN NULL ELSE (SELECT min(id) FROM topics) + g % $4 END,
            s.at, s.at, s.at,
            CASE WHEN NOT s.open THEN s.at + interval '20 minutes' END,
            CASE WHEN s.open THEN NULL WHEN s.channel = 'chat' AND s.h % 20 = 0 THEN 'abandoned'
                 WHEN s.h % 10 < 7 THEN 'handled_first_contact' WHEN s.h % 10 = 7 THEN 'back_office' WHEN s.h % 10 = 8 THEN 'callback_requested' ELSE 'no_answer_needed' END,
            CASE WHEN NOT s.open AND s.h % 10 = 9 AND NOT (s.channel = 'chat' AND s.h % 20 = 0) THEN 'spam' END,
            CASE WHEN s.channel = 'chat' AND s.h % 20 <> 0 THEN s.at + make_interval(secs => s.h % 90) END,
            CASE WHEN s.channel = 'chat' AND s.h % 4 = 0 AND NOT s.open THEN 1 + s.h % 5 END,
            CASE WHEN s.channel = 'chat' AND s.h % 4 = 0 AND NOT s.open THEN s.at + interval '21 minutes' END
       FROM (SELECT g, abs(hashint4(g)) AS h, (ARRAY['chat', 'email', 'phone'])[1 + g % 3] AS channel, g % 50 = 1 AS open,
                    now() - interval '365 days' + (g::float8 / $1) * interval '365 days' AS at
               FROM generate_series(1, $1) g) s`,
    [TOTAL, CONTACTS, AGENTS, TOPICS],
  );
  await db.query('ALTER TABLE conversations ENABLE TRIGGER search_lexemes_conversations');
  step(`${TOTAL.toLocaleString('en')} conversations`);
  // Milestones: states from the same hash; due two working days (here: 2 days) after receipt.
  await db.query(
    `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at, met_by, ended_at, ended_reason, breached_at)
     SELECT c.id, k.kind, 'vng', CASE WHEN k.kind = 'pickup' THEN 'seconds' ELSE 'workingDays' END, CASE WHEN k.kind = 'pickup' THEN 25 ELSE 2 END,
            c.created_at, c.created_at + k.term, c.created_at + k.term,
            x.state, CASE WHEN x.state IN ('met', 'met_late') THEN x.met_at END, CASE WHEN x.state IN ('met', 'met_late') THEN k.met_by END,
            CASE WHEN x.state = 'not_applicable' THEN c.closed_at END, CASE WHEN x.state = 'not_applicable' THEN x.reason END,
            CASE WHEN x.state = 'breached' THEN c.created_at + k.term END
       FROM conversations c
       JOIN LATERAL (VALUES ('acknowledgement', interval '2 days', 'reply'), ('answer', interval '5 days', 'answer'), ('pickup', interval '25 seconds', 'pickup'), ('callback', interval '1 day', 'callback'))
            AS k(kind, term, met_by)
         ON (c.channel = 'email' AND k.kind IN ('acknowledgement', 'answer')) OR (c.channel = 'chat' AND k.kind = 'pickup') OR (c.outcome = 'callback_requested' AND k.kind = 'callback')
       CROSS JOIN LATERAL (SELECT abs(hashint4(c.id::int + length(k.kind))) AS h) hh
       CROSS JOIN LATERAL (SELECT
            CASE WHEN c.outcome = 'abandoned' AND k.kind = 'pickup' THEN 'not_applicable'
                 WHEN c.outcome_reason = 'spam' AND k.kind <> 'callback' THEN 'not_applicable'
                 WHEN k.kind = 'pickup' AND c.picked_up_at IS NULL THEN 'breached'
                 WHEN k.kind = 'pickup' THEN CASE WHEN c.picked_up_at <= c.created_at + k.term THEN 'met' ELSE 'met_late' END
                 WHEN c.created_at + k.term > now() THEN 'open'
                 WHEN hh.h % 10 < 7 THEN 'met' WHEN hh.h % 10 < 9 THEN 'met_late' ELSE 'breached' END AS state,
            CASE WHEN k.kind = 'pickup' THEN c.picked_up_at WHEN hh.h % 10 < 7 THEN c.created_at + k.term / 2 ELSE c.created_at + k.term * 1.5 END AS met_at,
            CASE WHEN c.outcome = 'abandoned' THEN 'abandoned' ELSE 'spam' END AS reason) x`,
  );
  step('milestones');
  await db.query('ANALYZE');
  step('ANALYZE');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(label: string, run: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number }> {
  for (let i = 0; i < WARM_UP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { label, p50: percentile(times, 50), p95: percentile(times, 95) };
}

try {
  await migrate(pool, log);
  const seeded = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations')).rows[0]!.n;
  if (seeded === 0) {
    console.log(`seeding ${TOTAL.toLocaleString('en')} conversations`);
    await seed(maintenance);
  }
  const stats = (
    await pool.query<{ conversations: number; milestones: number; open: number }>(
      `SELECT (SELECT count(*)::int FROM conversations) AS conversations, (SELECT count(*)::int FROM milestones) AS milestones,
              (SELECT count(*)::int FROM conversations WHERE status <> 'closed') AS open`,
    )
  ).rows[0]!;

  // The rollup job as on the first start after the migration: every past day, in passes of 62 days.
  let rolled = 0;
  const started = performance.now();
  for (;;) {
    const pass = await rollUpPass(maintenance, { maxMissing: 62 });
    if (pass.days === 0) break;
    rolled += pass.days;
  }
  const rollupMs = performance.now() - started;
  const rows = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM report_daily')).rows[0]!.n;
  console.log(`rollups: ${rolled} days in ${(rollupMs / 1000).toFixed(1)} s (${rolled ? (rollupMs / rolled).toFixed(0) : '–'} ms per day), ${rows.toLocaleString('en')} rows`);
  // One day again, as the job does for a dirty day.
  const yesterday = DateTime.now().setZone('Europe/Amsterdam').minus({ days: 1 }).toISODate()!;
  const oneDay = await measure('rollup of one day (a dirty day)', async () => {
    await pool.query('INSERT INTO report_dirty_days (day) VALUES ($1) ON CONFLICT DO NOTHING', [yesterday]);
    await rollUpPass(maintenance);
  });

  const ALL: KpiSplit[] = ['channel', 'team', 'agent', 'topic'];
  const lastMonth = DateTime.now().setZone('Europe/Amsterdam').minus({ months: 1 }).toISODate()!;
  const period = (input: PeriodInput) => {
    const resolved = resolvePeriod(input);
    if (!resolved.ok) throw new Error(resolved.message);
    return resolved.period;
  };
  const yearAgo = DateTime.now().setZone('Europe/Amsterdam').minus({ days: 364 }).toISODate()!;
  const tomorrow = DateTime.now().setZone('Europe/Amsterdam').plus({ days: 1 }).toISODate()!;
  const cases: [string, () => Promise<unknown>, number | null][] = [
    ['today (live), all splits', () => kpiReport(pool, period({ period: 'today' }), ALL), CEILING_MS],
    ['this month (rollups + today live), no split', () => kpiReport(pool, period({ period: 'month' }), []), CEILING_MS],
    ['this month (rollups + today live), all splits', () => kpiReport(pool, period({ period: 'month' }), ALL), CEILING_MS],
    ['last month (rollups), no split', () => kpiReport(pool, period({ period: 'month', at: lastMonth }), []), CEILING_MS],
    ['last month (rollups), all splits', () => kpiReport(pool, period({ period: 'month', at: lastMonth }), ALL), CEILING_MS],
    ['a year (custom), all splits', () => kpiReport(pool, period({ period: 'custom', from: yearAgo, to: tomorrow }), ALL), null],
    ['last month series (per day, all)', () => kpiSeries(pool, period({ period: 'month', at: lastMonth }), 'day', ['compliance', 'volume', 'fcr', 'callbacks', 'chatWait']), CEILING_MS],
  ];
  const results = [oneDay];
  const problems: string[] = [];
  for (const [label, run, ceiling] of cases) {
    const result = await measure(label, run);
    results.push(result);
    if (ceiling !== null && result.p95 > ceiling) problems.push(`${label}: p95 ${result.p95.toFixed(1)} ms > ${ceiling} ms`);
    console.log(`| ${label} | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${ceiling ?? '–'} |`);
  }
  console.log(`\n${stats.conversations.toLocaleString('en')} conversations (${stats.open.toLocaleString('en')} open), ${stats.milestones.toLocaleString('en')} milestones; ${RUNS} runs per query after ${WARM_UP} warm-up runs; load ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}\n`);
  console.log('| query | p50 ms | p95 ms | ceiling |\n|---|---|---|---|');
  for (const result of results) console.log(`| ${result.label} | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${cases.find(([label]) => label === result.label)?.[2] ?? '–'} |`);
  console.log(problems.length === 0 ? '\nevery p95 within its ceiling' : `\nPROBLEMS:\n${problems.join('\n')}`);
  if (problems.length > 0) process.exitCode = 1;
} finally {
  await pool.end();
  await maintenance.end();
  await server.stop();
  if (!keep) await fs.rm(dir, { recursive: true, force: true });
}
