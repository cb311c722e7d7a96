// Dates and times as KCC agents read them: Dutch (or English), Amsterdam time, short.
import type { Lang } from './i18n/index.svelte.ts';

const ZONE = 'Europe/Amsterdam';

/** "di 29 dec 17:00" — weekday, day, month and time: enough to act on a deadline. */
export function shortDateTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: ZONE,
  })
    .format(new Date(iso))
    .replace(/\./g, '')
    .replace(/,/g, '');
}

/** "14:03" — the clock time in Amsterdam, for "waiting since". */
export function clockTime(iso: string): string {
  return new Intl.DateTimeFormat('nl-NL', { hour: '2-digit', minute: '2-digit', timeZone: ZONE }).format(new Date(iso));
}

/** "dinsdag 29 december 2026" / "Tuesday 29 December 2026": a date promised to a citizen, in Amsterdam. */
export function longDate(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE }).format(new Date(iso));
}
