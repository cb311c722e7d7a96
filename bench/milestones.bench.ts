// Benchmark: recompute 100,000 open milestones after a calendar change, on a real (embedded) PostgreSQL.
// Run: npm run bench:milestones   (MILESTONES=… to change the count)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inTransaction } from '../server/db/index.ts';
import { openEmbeddedDatabase } from '../server/db/embedded.ts';
import { migrate } from '../server/db/migrate.ts';
import { createPool } from '../server/db/pool.ts';
import { ensureServiceSettings, recomputeOpenMilestones, seededSettings } from '../server/deadlines/index.ts';
import { parseWeeklyHours } from '../server/deadlines/business-hours.ts';
import { updateServiceSettings, type SettingsPatch } from '../server/deadlines/settings.ts';
import { createLogger } from '../server/log.ts';

const COUNT = Number(process.env.MILESTONES ?? 100_000);
const log = createLogger('warn');
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-bench-'));
const server = await openEmbeddedDatabase({ dataDir: dir, database: 'bench', log });
const pool = createPool(server.url, log, 4);

try {
  await migrate(pool, log);
  const defaults = seededSettings();
  await ensureServiceSettings(pool, { normId: 'vng', businessHours: defaults.businessHours, chatHours: defaults.chatHours, closureDays: [], dueSoonHours: 4 });

  // Seed: one e-mail conversation per milestone, received over the coming 60 days (so they are
  // open), under three norms: vng (2 working days), rotterdam (5 working days), katwijk (3 weeks).
  // Due times start wrong on purpose; the first recompute sets them.
  let started = performance.now();
  await pool.query(
    `INSERT INTO conversations (reference, channel) SELECT 'BENCH-' || g, 'email' FROM generate_series(1, $1) g`,
    [COUNT],
  );
  await pool.query(
    `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at)
     SELECT c.id, t.kind, t.norm, t.unit, t.amount, s.at, s.at, s.at
       FROM conversations c
       -- Spread over 60 days (5,184,000 s) by a multiplicative hash: deterministic, and per row.
       CROSS JOIN LATERAL (SELECT now() + ((c.id * 104729) % 5184000) * interval '1 second' AS at) s
       JOIN (VALUES (0, 'acknowledgement', 'vng', 'workingDays', 2), (1, 'answer', 'rotterdam', 'workingDays', 5), (2, 'answer', 'katwijk', 'weeks', 3))
            AS t(n, kind, norm, unit, amount) ON t.n = c.id % 3`,
  );
  await pool.query('ANALYZE milestones');
  console.log(`seeded ${COUNT.toLocaleString('en')} open milestones in ${((performance.now() - started) / 1000).toFixed(2)} s`);

  async function measure(label: string, patch: SettingsPatch | undefined) {
    if (patch) await inTransaction(pool, (tx) => updateServiceSettings(tx, patch, null));
    started = performance.now();
    const result = await recomputeOpenMilestones(pool);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: examined ${result.examined.toLocaleString('en')}, changed ${result.changed.toLocaleString('en')} in ${seconds.toFixed(2)} s` +
        ` → ${Math.round(result.examined / seconds).toLocaleString('en')} milestones/s`,
    );
  }

  await measure('first computation (every due time wrong)', undefined);
  await measure('nothing changed', undefined);
  // A closure day three weeks ahead: only deadlines that run over it move.
  const closure = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
  await measure(`closure day ${closure} added`, { closureDays: [closure] });
  // Business close 16:30 instead of 17:00: every due time and due-soon moment moves.
  const hours = parseWeeklyHours('mon-fri 08:30-16:30');
  if (!hours.ok) throw new Error(hours.error);
  await measure('business hours mon-fri 08:30-16:30', { businessHours: hours.value });
} finally {
  await pool.end();
  await server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
