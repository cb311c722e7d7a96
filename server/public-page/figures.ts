// The public page's figures: per month of the last 12, per promise of the active norm, how many
// milestones kept it — counted exactly as the compliance report counts (by due month; open and
// not-applicable ones, robots' mail among them, left out). Aggregates only: no personal data.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { complianceReport } from '../deadlines/compliance.ts';
import { type Norm, type TermKey, TERM_KEYS } from '../deadlines/norms.ts';
import { type MilestoneKind, targetOf } from '../deadlines/schedule.ts';
import { loadServiceContext } from '../deadlines/settings.ts';
import { ZONE } from '../deadlines/zone.ts';

export const MONTHS_SHOWN = 12;

export interface MonthFigure {
  /** First day of the month, ISO date in Amsterdam. */
  month: string;
  /** The month has not ended: its figures can still change. */
  current: boolean;
  kept: number;
  /** Milestones whose outcome is known (kept, late or breached). */
  decided: number;
  /** kept / decided in percent with one decimal, null without any. */
  percent: number | null;
}

export interface PromiseFigures {
  term: TermKey;
  kind: MilestoneKind;
  norm: Norm;
  /** Business close, for "de volgende werkdag vóór 17:00". */
  close: string;
  target: number | null;
  /** Newest month first. */
  months: MonthFigure[];
}

export interface PublicFigures {
  norm: Norm;
  promises: PromiseFigures[];
  computedAt: DateTime;
}

const KIND_OF: Record<TermKey, MilestoneKind> = { acknowledgement: 'acknowledgement', answer: 'answer', complexAnswer: 'complexAnswer', callback: 'callback', chatPickup: 'pickup' };

// Months are read a few at a time: twelve reports at once would take most of the request pool.
const MONTHS_AT_ONCE = 3;

export async function publicFigures(db: Db, now = DateTime.now()): Promise<PublicFigures> {
  const context = await loadServiceContext(db);
  const norm = context.activeNorm;
  const thisMonth = now.setZone(ZONE).startOf('month');
  const starts = Array.from({ length: MONTHS_SHOWN }, (_, i) => thisMonth.minus({ months: i }));
  const reports: Awaited<ReturnType<typeof complianceReport>>[] = [];
  for (let i = 0; i < starts.length; i += MONTHS_AT_ONCE) {
    const batch = starts.slice(i, i + MONTHS_AT_ONCE);
    reports.push(...(await Promise.all(batch.map((start) => complianceReport(db, start.toJSDate(), start.plus({ months: 1 }).toJSDate())))));
  }
  const close = context.calendar.businessClose(now.setZone(ZONE).toISODate()!).toFormat('HH:mm');
  const promises = TERM_KEYS.filter((term) => norm.terms[term] !== undefined).map((term): PromiseFigures => {
    const kind = KIND_OF[term];
    return {
      term,
      kind,
      norm,
      close,
      target: targetOf(norm, kind),
      months: starts.map((start, i) => {
        // Only the active norm's milestones: a month under another norm promised something else.
        const line = reports[i]!.find((candidate) => candidate.kind === kind && candidate.normId === norm.id);
        const decided = line ? line.total - line.open : 0;
        return { month: start.toISODate()!, current: i === 0, kept: line?.metOnTime ?? 0, decided, percent: line?.percentOnTime ?? null };
      }),
    };
  });
  return { norm, promises, computedAt: now };
}
