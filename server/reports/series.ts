// Time series for the dashboard's charts (issue 15 §3): compliance per milestone kind against its
// target, volume per channel, FCR against 80%, callbacks within/late/never — per day or ISO week —
// and the chat wait distribution over the period. Summed from the same day rows as the KPIs.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import { Params } from '../inbox/list.ts';
import { KPI_KINDS } from './facts.ts';
import { CHAT_WAIT_BOUNDS, type ChatWaitBucket, type KpiPeriod, type KpiSeries, type SeriesInterval, type SeriesName } from './kpi-types.ts';
import { figuresOf, FCR_TARGET } from './kpis.ts';
import { daysOf, intervalStart } from './period.ts';
import { dayRowsSql, daySources, reportQuery, SUMS_SQL, type CountRow, type DaySources } from './rows.ts';
import { loadServiceSettings, allNorms } from '../deadlines/settings.ts';

type DayRow = CountRow & { day: string; key: string };

async function channelDays(db: Db, sources: DaySources): Promise<DayRow[]> {
  const params = new Params();
  return reportQuery<DayRow>(db, `WITH r AS (${dayRowsSql(sources, params, ['channel'])}) SELECT day::text AS day, key, ${SUMS_SQL} FROM r GROUP BY 1, 2`, params.values);
}

async function chatWaits(db: Db, sources: DaySources): Promise<ChatWaitBucket[]> {
  const params = new Params();
  const rows = dayRowsSql(sources, params, ['channel']);
  const bounds = params.add(CHAT_WAIT_BOUNDS.slice(1));
  const { rows: counted } = await db.query<{ bucket: number; picked: number; abandoned: number }>(
    `WITH r AS (${rows}),
          w AS (SELECT unnest(pu_waits) AS wait, true AS picked FROM r UNION ALL SELECT unnest(ab_waits), false FROM r)
     SELECT width_bucket(wait, ${bounds}::real[]) AS bucket, count(*) FILTER (WHERE picked)::int AS picked, count(*) FILTER (WHERE NOT picked)::int AS abandoned
       FROM w GROUP BY 1`,
    params.values,
  );
  return CHAT_WAIT_BOUNDS.map((fromSeconds, index) => {
    const found = counted.find((row) => row.bucket === index);
    return { fromSeconds, toSeconds: CHAT_WAIT_BOUNDS[index + 1] ?? null, pickedUp: found?.picked ?? 0, abandoned: found?.abandoned ?? 0 };
  });
}

/** Adds the counts of `row` into `into`. */
function add(into: CountRow, row: CountRow): void {
  for (const [column, value] of Object.entries(row)) if (typeof value === 'number') into[column] = (into[column] ?? 0) + value;
}

export async function kpiSeries(db: Db, period: KpiPeriod, interval: SeriesInterval, wanted: readonly SeriesName[], now = new Date()): Promise<KpiSeries> {
  const sources = await daySources(db, period.from, period.to);
  const [days, waits, settings, norms] = await Promise.all([
    wanted.some((name) => name !== 'chatWait') ? channelDays(db, sources) : Promise.resolve([]),
    wanted.includes('chatWait') ? chatWaits(db, sources) : Promise.resolve(undefined),
    loadServiceSettings(db),
    allNorms(db),
  ]);
  const norm = norms.get(settings.activeNormId);
  // Every interval of the period, also those without work: a chart's axis has no gaps.
  const starts = [...new Set(daysOf(period.from, period.to).map((day) => intervalStart(day, interval)))];
  const totals = new Map<string, CountRow>(starts.map((start) => [start, {}]));
  const perChannel = new Map<string, Record<string, number>>(starts.map((start) => [start, { chat: 0, email: 0, phone: 0 }]));
  for (const row of days) {
    const start = intervalStart(row.day, interval);
    const { day: _day, key, ...counts } = row;
    add(totals.get(start)!, counts as CountRow);
    const channels = perChannel.get(start)!;
    channels[key] = (channels[key] ?? 0) + (row['created'] ?? 0);
  }
  const figures = new Map(starts.map((start) => [start, figuresOf(totals.get(start), [], undefined, norm, new Map())]));
  const series: KpiSeries = { period, interval, generatedAt: DateTime.fromJSDate(now, { zone: ZONE }).toISO()! };
  if (wanted.includes('compliance')) {
    series.compliance = starts.flatMap((start) =>
      KPI_KINDS.map((kind) => {
        const line = figures.get(start)!.milestones[kind];
        return { start, kind, metOnTime: line.metOnTime, metLate: line.metLate, breached: line.breached, open: line.open, notApplicable: line.notApplicable, percentOnTime: line.percentOnTime, target: line.target };
      }),
    );
  }
  if (wanted.includes('volume')) {
    series.volume = starts.map((start) => {
      const channels = perChannel.get(start)!;
      const chat = channels['chat'] ?? 0;
      const email = channels['email'] ?? 0;
      const phone = channels['phone'] ?? 0;
      return { start, chat, email, phone, total: chat + email + phone };
    });
  }
  if (wanted.includes('fcr')) {
    series.fcr = starts.map((start) => {
      const fcr = figures.get(start)!.fcr;
      return { start, closed: fcr.closed, firstContactResolved: fcr.firstContactResolved, percent: fcr.percent, target: FCR_TARGET };
    });
  }
  if (wanted.includes('callbacks')) {
    series.callbacks = starts.map((start) => {
      const callbacks = figures.get(start)!.callbacks;
      return { start, withinTerm: callbacks.withinTerm, late: callbacks.late, never: callbacks.never, open: callbacks.open };
    });
  }
  if (waits) series.chatWait = waits;
  return series;
}
