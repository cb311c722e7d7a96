// HTTP routes of the deadlines feature: the public norms and deadlines API, the service settings, the compliance report.
import { Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inRetriedTransaction, type Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { limiter } from '../http/rate-limit.ts';
import type { Logger } from '../log.ts';
import { complianceReport } from './compliance.ts';
import { deadlinesFor } from './due.ts';
import { describeTerm, normPreset, normSchema, TERM_KEYS, type Norm } from './norms.ts';
import type { CalendarRecompute } from './calendar-recompute.ts';
import { allNorms, findNorm, loadServiceContext, saveCustomNorm, settingsBeyondRole, settingsPatchSchema, settingsView, updateServiceSettings } from './settings.ts';
import { ZONE } from './zone.ts';

const fieldError = (field: string, message: string) => new HttpError(400, 'validation_failed', `${field}: ${message}`, [{ field, message }]);

const OFFSET = /(?:z|[+-]\d{2}(?::?\d{2})?)$/i;

// The years the API computes for. The holiday rules hold for Gregorian years 1583–9999, but a term
// that starts near either end runs off the calendar; a citizen's question and a report period live
// in these centuries. Out of range is the caller's mistake: a 400, never a 500 (issue 12.12).
export const FIRST_API_YEAR = 1900;
export const LAST_API_YEAR = 2999;

/** An instant from ISO 8601 text that carries its offset (or Z); a 400 naming the field otherwise. */
function parseInstant(field: string, text: string): DateTime {
  const instant = DateTime.fromISO(text, { setZone: true });
  if (!instant.isValid) return failInstant(field, `"${text}" is not an ISO 8601 date and time, e.g. 2026-12-24T16:30:00+01:00`);
  if (!OFFSET.test(text)) return failInstant(field, `"${text}" has no offset; add one, e.g. +01:00 or Z`);
  return inSupportedYears(field, text, instant.setZone(ZONE));
}

function inSupportedYears(field: string, text: string, instant: DateTime): DateTime {
  if (instant.year < FIRST_API_YEAR || instant.year > LAST_API_YEAR) {
    return failInstant(field, `"${text}" is out of range: the year must be between ${FIRST_API_YEAR} and ${LAST_API_YEAR}`);
  }
  return instant;
}

function failInstant(field: string, message: string): never {
  throw fieldError(field, message);
}

/** A date (Amsterdam midnight) or an instant with offset, for report periods. */
function parseBoundary(field: string, text: string): DateTime {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = DateTime.fromISO(text, { zone: ZONE });
    if (!day.isValid) failInstant(field, `"${text}" is not a date`);
    return inSupportedYears(field, text, day);
  }
  return parseInstant(field, text);
}

const iso = (instant: DateTime | null): string | null => instant?.setZone(ZONE).toISO() ?? null;

/** A norm as the public page shows it: its terms in plain Dutch with their targets. */
function normView(norm: Norm, activeNormId: string, close: string) {
  return {
    id: norm.id,
    name: norm.name,
    source: norm.source,
    custom: normPreset(norm.id) === undefined,
    active: norm.id === activeNormId,
    interimAllowed: norm.interimAllowed,
    terms: TERM_KEYS.flatMap((key) => {
      const term = norm.terms[key];
      return term ? [{ kind: key, unit: term.unit, amount: term.amount, description: describeTerm(term, 'nl', { kind: key, close }), target: norm.targets[key] ?? null }] : [];
    }),
  };
}

export const deadlinesQuery = z.strictObject({ norm: z.string().min(1).max(64).optional(), received: z.string().min(1).max(64).optional() });

/** Public, no login, rate-limited: GET /norms and GET /deadlines. Mount before requireAgent. */
export function publicDeadlineRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  // Citizens' browsers and gemeente web pages call these; generous, but not a free calculator farm.
  router.use(['/norms', '/deadlines'], limiter({ windowMs: 60_000, limit: 120 }));

  router.get('/norms', async (_req, res) => {
    const context = await loadServiceContext(pool);
    const close = context.calendar.businessClose(DateTime.now().setZone(ZONE).toISODate()!).toFormat('HH:mm');
    res.json({ activeNormId: context.settings.activeNormId, norms: [...context.norms.values()].map((norm) => normView(norm, context.settings.activeNormId, close)) });
  });

  router.get('/deadlines', async (req, res) => {
    const query = validate(deadlinesQuery, req.query);
    const received = query.received === undefined ? DateTime.now().setZone(ZONE) : parseInstant('received', query.received);
    const context = await loadServiceContext(pool);
    const norm = query.norm === undefined ? context.activeNorm : context.norms.get(query.norm);
    if (!norm) throw httpErrors.notFound('norm');
    const due = deadlinesFor(norm, received, context.calendar);
    res.json({
      norm: norm.id,
      received: iso(received),
      due: { acknowledgement: iso(due.acknowledgement), answer: iso(due.answer), complexAnswer: iso(due.complexAnswer), callback: iso(due.callback) },
    });
  });
  return router;
}

const CALENDAR_FIELDS = ['businessHours', 'chatHours', 'closureDays', 'gelijkgesteldeDagen', 'dueSoonHours'] as const;

/**
 * With a session: GET /service (any agent); PUT /service and PUT /norms/:id (admin). Mount at
 * /settings. A change is committed with its new settings version first; the answer then waits
 * for the durable recompute to bring open milestones to that version. Should the recompute fail,
 * the change stands and the answer says `pending`: start-up and the scheduler resume it.
 */
export function settingsRoutes({ pool, log, recompute }: { pool: Pool; log: Logger; recompute: CalendarRecompute }): Router {
  const router = Router();

  async function applyToOpenMilestones(reason: string) {
    try {
      const result = await recompute.catchUp();
      return { ...result, pending: false };
    } catch (error) {
      log.error({ err: error, reason }, 'recompute after a settings change failed; it will be resumed');
      recompute.resume();
      return { examined: 0, changed: 0, pending: true };
    }
  }

  router.get('/service', async (_req, res) => {
    const [context, status] = await Promise.all([loadServiceContext(pool), recompute.status()]);
    res.json({
      settings: settingsView(context.settings),
      customNorms: [...context.norms.values()].filter((norm) => !normPreset(norm.id)),
      recompute: status,
    });
  });

  // Teamleiders change the hours and closure days, admins everything (issue 16); a body that
  // touches more than the role may is refused whole, before anything is validated.
  router.put('/service', requireRole('supervisor'), async (req, res) => {
    if (settingsBeyondRole(req.body, req.agent!.role).length > 0) throw httpErrors.forbidden();
    const patch = validate(settingsPatchSchema, req.body);
    const { before, after } = await inRetriedTransaction(pool, async (tx) => {
      if (patch.activeNormId !== undefined && !(await findNorm(tx, patch.activeNormId))) {
        throw fieldError('activeNormId', `there is no norm "${patch.activeNormId}"`);
      }
      const before = settingsView((await loadServiceContext(tx)).settings);
      const after = settingsView(await updateServiceSettings(tx, patch, req.agent!.id));
      const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
      await auditRequest(tx, req, {
        action: 'settings.service_updated',
        subjectType: 'settings',
        subjectId: 'service',
        details: { changed, before: pick(before, changed), after: pick(after, changed) },
        before: pick(before, changed),
        after: pick(after, changed),
      });
      return { before, after };
    });
    // Open milestones follow the new calendar at once (a closure day added today moves tomorrow's
    // deadlines); switching the active norm only affects contacts received from now on, but bumps
    // the version too — the pass then finds nothing to change.
    const calendarChanged = CALENDAR_FIELDS.some((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    const recomputed = await applyToOpenMilestones(calendarChanged ? 'service settings changed' : 'service settings saved');
    res.json({ settings: after, recomputed });
  });

  router.put('/norms/:id', requireRole('admin'), async (req, res) => {
    const body = typeof req.body === 'object' && req.body !== null ? req.body : {};
    if (body.id !== undefined && body.id !== req.params.id) throw fieldError('id', 'must match the id in the path');
    const norm = validate(normSchema, { ...body, id: req.params.id });
    const outcome = await inRetriedTransaction(pool, async (tx) => {
      const before = await findNorm(tx, norm.id);
      const outcome = await saveCustomNorm(tx, norm);
      await auditRequest(tx, req, { action: `settings.norm_${outcome}`, subjectType: 'norm', subjectId: norm.id, details: { norm }, before: before ?? null, after: norm });
      return outcome;
    });
    // Open milestones of this norm take its new terms.
    const recomputed = outcome === 'updated' ? await applyToOpenMilestones(`norm ${norm.id} changed`) : { examined: 0, changed: 0, pending: false };
    res.status(outcome === 'created' ? 201 : 200).json({ norm, recomputed });
  });

  return router;
}

function pick(view: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, view[key]]));
}

export const reportQuery = z.strictObject({ from: z.string().max(64).optional(), to: z.string().max(64).optional() });

/** Supervisor or admin: GET /compliance?from&to. Mount at /reports. */
export function reportRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.get('/compliance', requireRole('supervisor'), async (req, res) => {
    const query = validate(reportQuery, req.query);
    // Default: the current calendar month in Amsterdam.
    const month = DateTime.now().setZone(ZONE).startOf('month');
    const from = query.from === undefined ? month : parseBoundary('from', query.from);
    const to = query.to === undefined ? month.plus({ months: 1 }) : parseBoundary('to', query.to);
    if (to <= from) throw fieldError('to', 'must be after from');
    const [lines, norms] = await Promise.all([complianceReport(pool, from.toJSDate(), to.toJSDate()), allNorms(pool)]);
    res.json({
      from: iso(from),
      to: iso(to),
      counting: 'milestones due in [from, to)',
      norms: Object.fromEntries([...new Set(lines.map((line) => line.normId))].map((id) => [id, norms.get(id)?.name ?? id])),
      lines,
    });
  });
  return router;
}

