// The period an export covers, [from, to): dates are Amsterdam midnights, instants carry an offset.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ZONE } from '../deadlines/zone.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OFFSET = /(?:z|[+-]\d{2}(?::?\d{2})?)$/i;

/** `2026-01-01` (midnight in Amsterdam) or `2026-01-01T00:00:00+01:00`; years 1900–2999 as the reports take. */
export const boundary = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const instant = DATE.test(text) ? DateTime.fromISO(text, { zone: ZONE }) : OFFSET.test(text) ? DateTime.fromISO(text, { setZone: true }) : undefined;
    if (!instant?.isValid || instant.year < 1900 || instant.year > 2999) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a date (2026-01-01) or a date and time with offset (2026-01-01T00:00:00+01:00)` });
      return z.NEVER;
    }
    return instant.setZone(ZONE);
  });

export interface Period {
  from: DateTime;
  to: DateTime;
}

/** Without from and to: the current month in Amsterdam, as the compliance report defaults. */
export function periodOf(query: { from?: DateTime; to?: DateTime }, now = DateTime.now()): Period | 'empty' {
  const month = now.setZone(ZONE).startOf('month');
  const from = query.from ?? month;
  const to = query.to ?? (query.from ? from.plus({ months: 1 }) : month.plus({ months: 1 }));
  return to <= from ? 'empty' : { from, to };
}
