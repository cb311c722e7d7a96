// Fills in a canned answer's variables. Pure: no database, tested without I/O.
import { DateTime } from 'luxon';
import { ZONE } from '../deadlines/zone.ts';

export interface CannedContext {
  /** The contact's name; unknown for an anonymous chat or a bare address. */
  name: string | null;
  reference: string;
  /** Due time of the open answer milestone, if there is one. */
  answerDue: Date | null;
}

/** Dutch letters address someone unnamed as "Beste heer/mevrouw". */
export const UNKNOWN_NAME = 'heer/mevrouw';

/** "dinsdag 29 december 2026": the date a citizen can hold the gemeente to, in Amsterdam time. */
export function dutchDate(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: ZONE }).setLocale('nl').toFormat('cccc d LLLL yyyy');
}

/**
 * Replaces {naam}, {referentie} and {termijn}. Any other {word} is left as written: it may be a
 * typo the agent should see, or text that simply contains braces.
 */
export function renderCanned(body: string, context: CannedContext): string {
  const values: Record<string, string> = {
    naam: context.name?.trim() || UNKNOWN_NAME,
    referentie: context.reference,
    termijn: context.answerDue ? dutchDate(context.answerDue) : '',
  };
  return body.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
