// Reports beside the deadline engine's compliance report: the supervisor's overview, and the KPI
// engine's figures and series (issue 15; contract in kpi-types.ts). Supervisors and admins only.
import { Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { PresenceTracker } from '../chat/presence.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, validate } from '../http/errors.ts';
import type { KpiSplit, SeriesName } from './kpi-types.ts';
import { kpiReport } from './kpis.ts';
import { overview } from './overview.ts';
import { drillFilter, drillList } from './drill.ts';
import { defaultInterval, resolvePeriod } from './period.ts';
import { kpiSeries } from './series.ts';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((value) => DateTime.fromISO(value).isValid, 'not a calendar date');

/** A comma-separated list of names from `allowed`, each at most once. */
const listOf = <T extends string>(allowed: readonly [T, ...T[]]) =>
  z
    .string()
    .max(200)
    .transform((value) => [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(allowed)));

export const periodQuery = z.object({
  period: z.enum(['today', 'week', 'month', 'custom']).default('today'),
  at: isoDate.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export const kpiQuery = periodQuery.extend({ split: listOf<KpiSplit>(['channel', 'team', 'agent', 'topic']).optional() });
export const seriesQuery = periodQuery.extend({
  interval: z.enum(['day', 'week']).optional(),
  series: listOf<SeriesName>(['compliance', 'volume', 'fcr', 'callbacks', 'chatWait']).optional(),
});

function periodOf(query: z.infer<typeof periodQuery>) {
  const resolved = resolvePeriod(query);
  if (!resolved.ok) throw new HttpError(400, 'validation_failed', `${resolved.field}: ${resolved.message}`, [{ field: resolved.field, message: resolved.message }]);
  return resolved.period;
}

/** Supervisor or admin: GET /overview, /kpis, /series, /drill. Mount at /reports. */
export function overviewRoutes({ pool, presence }: { pool: Pool; presence: PresenceTracker }): Router {
  const router = Router();
  router.get('/overview', requireRole('supervisor'), async (_req, res) => {
    res.json(await overview(pool, presence));
  });
  router.get('/kpis', requireRole('supervisor'), async (req, res) => {
    const query = validate(kpiQuery, req.query);
    res.json(await kpiReport(pool, periodOf(query), query.split ?? []));
  });
  router.get('/series', requireRole('supervisor'), async (req, res) => {
    const query = validate(seriesQuery, req.query);
    const period = periodOf(query);
    res.json(await kpiSeries(pool, period, query.interval ?? defaultInterval(period), query.series ?? ['compliance', 'volume', 'fcr', 'callbacks', 'chatWait']));
  });
  // The conversations behind one KPI segment (drill.ts): the period as above, the segment beside it.
  router.get('/drill', requireRole('supervisor'), async (req, res) => {
    const period = periodOf(validate(periodQuery, req.query));
    res.json(await drillList(pool, period, validate(drillFilter, req.query)));
  });
  return router;
}
