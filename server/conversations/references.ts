// Reference numbers citizens quote on the phone and in mail subjects: PREFIX-YEAR-NNNNNN.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';

/** Matches a reference anywhere in a text, e.g. a mail subject "Re: Paspoort [BAL-2026-000123]". */
export function referencePattern(prefix: string): RegExp {
  return new RegExp(`\\b${prefix}-(\\d{4})-(\\d{6,})\\b`);
}

export function formatReference(prefix: string, year: number, sequence: number): string {
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}

/**
 * The next reference of the year (Amsterdam time). Call inside the transaction that creates the
 * conversation: the counter row stays locked until commit, so numbers are unique, sequential and,
 * because a rolled-back transaction also rolls back its number, without gaps.
 */
export async function nextReference(tx: Db, prefix: string, now: Date = new Date()): Promise<string> {
  const year = DateTime.fromJSDate(now, { zone: 'Europe/Amsterdam' }).year;
  const { rows } = await tx.query<{ last_value: number }>(
    `INSERT INTO reference_counters (year, last_value) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + 1
     RETURNING last_value`,
    [year],
  );
  return formatReference(prefix, year, rows[0]!.last_value);
}
