// Benchmark: the CSV export of a year of a large gemeente — a million milestones — over HTTP
// from the real export routes (API token, cursor, CSV, express), its rows/s and the process's
// RSS while it streams, beside the ceiling: PostgreSQL's own `COPY (same query) TO STDOUT`.
// Run: npm run bench:export   (CONVERSATIONS=… to change the size; milestones are twice that).
// Memory: the RSS before and at its peak, and the V8 heap's peak — live JavaScript data, which an
// export that held its rows would fill with the whole year.
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import { createApiToken } from '../server/api-tokens/index.ts';
import { createAgent } from '../server/agents/agents.ts';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { migrate } from '../server/db/migrate.ts';
import { createPool } from '../server/db/pool.ts';
import { datasetQuery, exportRoutes, type Dataset } from '../server/export/index.ts';
import { errorHandler } from '../server/http/errors.ts';
import { createLogger } from '../server/log.ts';

const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 500_000);
const TARGET_ROWS_PER_S = 50_000;
const RSS_BUDGET_MB = 150;
const log = createLogger('warn');
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-export-'));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
const pool = createPool(server.url, log, 4);
const mb = (bytes: number) => Math.round(bytes / 1048576);

/** COPY … TO STDOUT, counting the bytes PostgreSQL sends: what the export could at best reach. */
class CopyOut extends pg.Query {
  bytes = 0;
  handleCopyData(message: { chunk: Buffer }) {
    this.bytes += message.chunk.length;
  }
}

async function copyCeiling(dataset: Dataset, from: string, to: string) {
  const sql = datasetQuery(dataset).sql.replace('$1', `'${from}'::timestamptz`).replace('$2', `'${to}'::timestamptz`);
  const client = await pool.connect();
  try {
    await client.query("SET TIME ZONE 'Europe/Amsterdam'");
    await client.query('SET statement_timeout = 0');
    const started = performance.now();
    const copy = new CopyOut(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`);
    await new Promise<void>((resolve, reject) => {
      (copy as unknown as { callback: (error?: Error) => void }).callback = (error) => (error ? reject(error) : resolve());
      client.query(copy);
    });
    return { seconds: (performance.now() - started) / 1000, bytes: copy.bytes };
  } finally {
    client.release();
  }
}

try {
  await migrate(pool, log);
  let started = performance.now();
  // A year (2026) of e-mail: one contact and one conversation each, spread over the year, with an
  // acknowledgement and an answer milestone each — met, late, breached or not applicable. Triggers
  // off while seeding (the inbox's derived columns play no part in the export).
  const seed = await pool.connect();
  try {
    await seed.query("SET session_replication_role = 'replica'");
    await seed.query('SET statement_timeout = 0');
    await seed.query(`INSERT INTO contacts (name, email, phone) SELECT 'Inwoner ' || g, 'inwoner' || g || '@example.nl', '+3161' || lpad(g::text, 7, '0') FROM generate_series(1, $1) g`, [CONVERSATIONS]);
    await seed.query(
      `INSERT INTO conversations (reference, channel, status, outcome, contact_id, created_at, closed_at)
       SELECT 'BAL-2026-' || lpad(g::text, 7, '0'), 'email', 'closed', 'handled_first_contact', g,
              timestamptz '2026-01-01 00:00+01' + ((g - 1)::float8 / $1) * interval '358 days',
              timestamptz '2026-01-01 00:00+01' + ((g - 1)::float8 / $1) * interval '358 days' + interval '3 days'
         FROM generate_series(1, $1) g`,
      [CONVERSATIONS],
    );
    await seed.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at, met_by, ended_at, ended_reason)
       SELECT c.id, k.kind, 'rotterdam', 'workingDays', k.days, c.created_at, c.created_at + k.days * interval '1 day', c.created_at + interval '1 day', s.state,
              CASE WHEN s.state IN ('met', 'met_late') THEN c.created_at + interval '2 days' END, CASE WHEN s.state IN ('met', 'met_late') THEN 'answer' END,
              CASE WHEN s.state = 'not_applicable' THEN c.created_at + interval '1 hour' END, CASE WHEN s.state = 'not_applicable' THEN 'spam' END
         FROM conversations c
        CROSS JOIN (VALUES ('acknowledgement', 2), ('answer', 5)) AS k(kind, days)
        CROSS JOIN LATERAL (SELECT (ARRAY['met', 'met', 'met', 'met_late', 'breached', 'not_applicable'])[1 + (c.id * 7 + k.days) % 6] AS state) s`,
    );
    await seed.query('VACUUM ANALYZE contacts, conversations, milestones');
  } finally {
    seed.release();
  }
  console.log(`seeded ${CONVERSATIONS.toLocaleString('en')} conversations and contacts, ${(CONVERSATIONS * 2).toLocaleString('en')} milestones in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // The real export routes behind a real HTTP server, reached with an API token as a BI tool would.
  const agent = await createAgent(pool, { email: 'bench@example.nl', name: 'Bench', role: 'admin', password: 'a bench password' });
  if (agent === 'email_taken') throw new Error('agent exists');
  const { secret } = await createApiToken(pool, { name: 'bench', scopes: ['export:read'], createdBy: agent.id });
  const app = express();
  app.use('/api/export', exportRoutes({ pool, log }));
  app.use(errorHandler(log));
  const httpServer = http.createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as { port: number }).port;

  async function exportOver(dataset: Dataset, from: string, to: string) {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let heapPeak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      peak = Math.max(peak, memory.rss);
      heapPeak = Math.max(heapPeak, memory.heapUsed);
    }, 20);
    const cpu = process.cpuUsage();
    started = performance.now();
    const { bytes, lines } = await new Promise<{ bytes: number; lines: number }>((resolve, reject) => {
      const query = new URLSearchParams({ from, to });
      http
        .get({ host: '127.0.0.1', port, path: `/api/export/${dataset}.csv?${query}`, headers: { authorization: `Bearer ${secret}` } }, (response) => {
          if (response.statusCode !== 200) reject(new Error(`${dataset}: HTTP ${response.statusCode}`));
          let bytes = 0;
          let lines = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
          });
          response.on('end', () => resolve({ bytes, lines }));
          response.on('error', reject);
        })
        .on('error', reject);
    });
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const rows = lines - 1;
    return { rows, bytes, seconds, rowsPerSecond: Math.round(rows / seconds), rowsPerCpuSecond: Math.round(rows / cpuSeconds), rssBaseline: baseline, rssPeak: peak, heapPeak };
  }

  const YEAR = ['2026-01-01T00:00:00+01:00', '2027-01-01T00:00:00+01:00'] as const;
  // A first, smaller export warms the JIT and the heap, so the year's RSS shows what it adds.
  const warm = await exportOver('milestones', '2026-01-01T00:00:00+01:00', '2026-02-01T00:00:00+01:00');
  console.log(`warm-up: a month of milestones, ${warm.rows.toLocaleString('en')} rows, RSS ${mb(warm.rssBaseline)} → ${mb(warm.rssPeak)} MB`);
  let failed = false;
  console.log('\ndataset        rows        MB     s     rows/s  rows/CPU-s (Balie)  RSS before → peak (MB)   COPY ceiling: s, rows/s');
  for (const dataset of ['milestones', 'conversations', 'contacts'] as const) {
    const run = await exportOver(dataset, ...YEAR);
    const ceiling = await copyCeiling(dataset, ...YEAR);
    const growth = mb(run.rssPeak - run.rssBaseline);
    console.log(
      `${dataset.padEnd(13)} ${run.rows.toLocaleString('en').padStart(9)} ${String(mb(run.bytes)).padStart(6)} ${run.seconds.toFixed(1).padStart(5)} ${run.rowsPerSecond.toLocaleString('en').padStart(10)} ${run.rowsPerCpuSecond.toLocaleString('en').padStart(12)}` +
        `    ${mb(run.rssBaseline)} → ${mb(run.rssPeak)} (+${growth}), heap ≤ ${mb(run.heapPeak)}`.padEnd(38) +
        `   ${ceiling.seconds.toFixed(1)} s, ${Math.round(run.rows / ceiling.seconds).toLocaleString('en')} rows/s (${mb(ceiling.bytes)} MB)`,
    );
    if (run.rowsPerSecond < TARGET_ROWS_PER_S || growth > RSS_BUDGET_MB) failed = true;
  }
  console.log(`\ntarget: ≥ ${TARGET_ROWS_PER_S.toLocaleString('en')} rows/s, RSS growth ≤ ${RSS_BUDGET_MB} MB per export — ${failed ? 'FAIL' : 'PASS'}`);
  // The machine is shared: with a load above its 2 cores, wall-clock figures measure the others too.
  console.log(`load average: ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  process.exitCode = failed ? 1 : 0;
} finally {
  await pool.end();
  await server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
