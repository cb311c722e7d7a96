// Dates in the gemeente's time zone and chat text with safe links — Intl only, no date library,
// to keep the widget light (issue 5 §2).
import type { WidgetLang } from './i18n/index.ts';

const ZONE = 'Europe/Amsterdam';
const locale = (lang: WidgetLang) => (lang === 'en' ? 'en-GB' : 'nl-NL');

/** "dinsdag 29 december" (the year only when it is not this year's). */
export function formatDay(iso: string, lang: WidgetLang, now = new Date()): string {
  const date = new Date(iso);
  const yearOf = (d: Date) => new Intl.DateTimeFormat('en', { timeZone: ZONE, year: 'numeric' }).format(d);
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: ZONE,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(yearOf(date) === yearOf(now) ? {} : { year: 'numeric' }),
  }).format(date);
}

/** "08:30" in Europe/Amsterdam. */
export function formatTime(iso: string, lang: WidgetLang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** "maandag 30 november om 08:30" / "Monday 30 November at 08:30". */
export function formatMoment(iso: string, lang: WidgetLang, now = new Date()): string {
  return `${formatDay(iso, lang, now)} ${lang === 'en' ? 'at' : 'om'} ${formatTime(iso, lang)}`;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Trailing punctuation usually ends the sentence, not the URL ("zie https://x.nl/a.").
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]]+$/;

/**
 * Splits a message into text and http(s) links. Rendered as text nodes and <a> elements by the
 * component — never as HTML — so `<img onerror=…>` stays visible text.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, '');
    const start = match.index;
    let href: string;
    try {
      const url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      href = url.href;
    } catch {
      continue;
    }
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
