// Benchmark: deadlinesFor over 1,000,000 (norm, received) pairs across all presets, receipts 2026–2028.
// Run: npx tsx bench/deadlines.bench.ts
import { DateTime } from 'luxon';
import { NORM_PRESETS, WorkingCalendar, deadlinesFor, defaultCalendarData, type Deadlines } from '../server/deadlines/index.ts';

const PAIRS = 1_000_000;
const FROM = DateTime.fromISO('2026-01-01T00:00', { zone: 'Europe/Amsterdam' }).toMillis();
const TO = DateTime.fromISO('2029-01-01T00:00', { zone: 'Europe/Amsterdam' }).toMillis();

// A seeded generator so runs are comparable.
let seed = 0x2026;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x80000000;
};

function run(label: string, calendar: WorkingCalendar, received: readonly DateTime[], norms: readonly number[]): void {
  let checksum = 0;
  const started = performance.now();
  for (let i = 0; i < received.length; i++) {
    const due: Deadlines = deadlinesFor(NORM_PRESETS[norms[i]!]!, received[i]!, calendar);
    checksum += (due.acknowledgement ?? due.answer)?.toMillis() ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(received.length / seconds);
  console.log(`${label}: ${received.length.toLocaleString('en')} in ${seconds.toFixed(3)} s → ${perSecond.toLocaleString('en')} deadlinesFor/s (checksum ${checksum % 1e9})`);
}

const setupStarted = performance.now();
const received: DateTime[] = new Array(PAIRS);
const norms: number[] = new Array(PAIRS);
for (let i = 0; i < PAIRS; i++) {
  // Receipts arrive as instants from the database: luxon DateTimes in Amsterdam.
  received[i] = DateTime.fromMillis(FROM + Math.floor(random() * (TO - FROM)), { zone: 'Europe/Amsterdam' });
  norms[i] = Math.floor(random() * NORM_PRESETS.length);
}
console.log(`setup (1M random DateTimes): ${((performance.now() - setupStarted) / 1000).toFixed(3)} s`);

// Cold: a fresh calendar, caches fill during the run. Warm: the same calendar again.
const calendar = new WorkingCalendar({ ...defaultCalendarData(), closureDays: ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31'] });
run('cold calendar', calendar, received, norms);
run('warm calendar', calendar, received, norms);
