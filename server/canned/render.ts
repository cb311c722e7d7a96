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

export type CannedRendering = { ok: true; text: string } | { ok: false; missing: string[] };

/**
 * Replaces {naam}, {referentie} and {termijn}. Any other {word} is left as written: it may be a
 * typo the agent should see, or text that simply contains braces. A variable the conversation has
 * no value for — {termijn} without an open answer deadline — refuses the whole text: a promise
 * with a gap ("U hoort uiterlijk  van ons.") must never reach a citizen (issue 11 §3).
 */
export function renderCanned(body: string, context: CannedContext): CannedRendering {
  // A Map, not an object literal: `{constructor}` must not find Object.prototype's (issue 12.13).
  const values = new Map<string, string | null>([
    ['naam', context.name?.trim() || UNKNOWN_NAME],
    ['referentie', context.reference],
    ['termijn', context.answerDue ? dutchDate(context.answerDue) : null],
  ]);
  const missing = new Set<string>();
  const text = body.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    if (!values.has(name)) return whole;
    const value = values.get(name);
    if (value === null || value === undefined) missing.add(name);
    return value ?? whole;
  });
  return missing.size > 0 ? { ok: false, missing: [...missing] } : { ok: true, text };
}
