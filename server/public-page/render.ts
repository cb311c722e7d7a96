// The public norm page as HTML (pure): plain Dutch or English, tables a screen reader reads
// cell by cell, no script, no inline style (the page's CSP allows neither).
import { DateTime } from 'luxon';
import { describeTerm, type TermKey } from '../deadlines/norms.ts';
import { ZONE } from '../deadlines/zone.ts';
import type { MonthFigure, PromiseFigures, PublicFigures } from './figures.ts';

export type PageLanguage = 'nl' | 'en';
export const PAGE_LANGUAGES: readonly PageLanguage[] = ['nl', 'en'];

const TEXT = {
  nl: {
    title: 'Houden wij ons aan onze beloften?',
    intro: 'De gemeente belooft hoe snel u antwoord krijgt. Hier ziet u per maand, over de laatste 12 maanden, hoe vaak dat lukte.',
    norm: 'Onze servicenorm',
    source: 'Bron',
    target: (percent: string) => `Ons doel: ${percent} van de keren op tijd.`,
    lastMonth: (month: string, kept: number, decided: number, percent: string) => `In ${month} hielden wij ons ${kept} van de ${decided} keer aan deze belofte: ${percent}.`,
    noFigures: (month: string) => `Over ${month} zijn er nog geen cijfers.`,
    caption: (promise: string) => `Per maand: ${promise}`,
    month: 'Maand',
    share: 'Op tijd',
    count: 'Aantal',
    countOf: (kept: number, decided: number) => `${kept} van ${decided}`,
    none: 'geen gegevens',
    current: '(loopt nog)',
    how: 'Hoe wij tellen: een belofte telt mee in de maand waarin de termijn afloopt. Vragen die nog lopen, automatische berichten, spam en vragen die geen antwoord nodig hadden tellen niet mee. Er staan geen persoonsgegevens op deze pagina.',
    updated: (at: string) => `Bijgewerkt: ${at}.`,
    other: { lang: 'en', label: 'English', nav: 'Taal' },
    promises: {
      acknowledgement: (term: string) => `Wij bevestigen uw e-mail ${term}`,
      answer: (term: string) => `Wij beantwoorden uw e-mail ${term}`,
      complexAnswer: (term: string) => `Is uw vraag ingewikkeld, dan krijgt u ${term} antwoord`,
      callback: (term: string) => `Wij bellen u terug ${term}`,
      chatPickup: (term: string) => `Wij reageren op uw chat ${term}`,
    } satisfies Record<TermKey, (term: string) => string>,
  },
  en: {
    title: 'Do we keep our promises?',
    intro: 'The municipality promises how soon you get an answer. Here you see, per month over the last 12 months, how often it did.',
    norm: 'Our service standard',
    source: 'Source',
    target: (percent: string) => `Our goal: ${percent} of the time on time.`,
    lastMonth: (month: string, kept: number, decided: number, percent: string) => `In ${month} we kept this promise ${kept} times out of ${decided}: ${percent}.`,
    noFigures: (month: string) => `There are no figures for ${month} yet.`,
    caption: (promise: string) => `Per month: ${promise}`,
    month: 'Month',
    share: 'On time',
    count: 'Number',
    countOf: (kept: number, decided: number) => `${kept} of ${decided}`,
    none: 'no data',
    current: '(in progress)',
    how: 'How we count: a promise counts in the month its term ends. Questions still in progress, automatic messages, spam and questions that needed no answer are left out. This page holds no personal data.',
    updated: (at: string) => `Updated: ${at}.`,
    other: { lang: 'nl', label: 'Nederlands', nav: 'Language' },
    promises: {
      acknowledgement: (term: string) => `We confirm your e-mail ${term}`,
      answer: (term: string) => `We answer your e-mail ${term}`,
      complexAnswer: (term: string) => `If your question is complex, you get an answer ${term}`,
      callback: (term: string) => `We call you back ${term}`,
      chatPickup: (term: string) => `We respond to your chat ${term}`,
    } satisfies Record<TermKey, (term: string) => string>,
  },
} as const;

const LOCALE: Record<PageLanguage, string> = { nl: 'nl-NL', en: 'en-GB' };

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** The promise in a sentence: "Wij bevestigen uw e-mail binnen 2 werkdagen". */
export function promiseText(promise: Pick<PromiseFigures, 'term' | 'norm' | 'close'>, lang: PageLanguage): string {
  const term = describeTerm(promise.norm.terms[promise.term]!, lang, { kind: promise.term, close: promise.close });
  return TEXT[lang].promises[promise.term](term);
}

export function renderPublicPage(figures: PublicFigures, lang: PageLanguage, paths: { self: string; stylesheet: string }): string {
  const t = TEXT[lang];
  const percent = (value: number) => `${new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 1 }).format(value)}%`;
  const monthName = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).setLocale(LOCALE[lang]).toFormat('LLLL yyyy');
  const row = (month: MonthFigure) => {
    const name = `${escapeHtml(monthName(month.month))}${month.current ? ` <span class="current">${t.current}</span>` : ''}`;
    const share = month.percent === null ? `<span class="none">${t.none}</span>` : percent(month.percent);
    const count = month.decided === 0 ? '' : t.countOf(month.kept, month.decided);
    return `<tr><th scope="row">${name}</th><td>${share}</td><td>${count}</td></tr>`;
  };
  const section = (promise: PromiseFigures, index: number) => {
    const text = promiseText(promise, lang);
    const id = `belofte-${index + 1}`;
    // The last complete month is the headline; the running month can still change.
    const last = promise.months.find((month) => !month.current)!;
    const summary = last.percent === null ? t.noFigures(monthName(last.month)) : t.lastMonth(monthName(last.month), last.kept, last.decided, percent(last.percent));
    return `<section aria-labelledby="${id}">
<h2 id="${id}">${escapeHtml(text)}</h2>
<p class="summary">${escapeHtml(summary)}</p>
${promise.target === null ? '' : `<p>${escapeHtml(t.target(percent(promise.target)))}</p>`}
<table>
<caption>${escapeHtml(t.caption(text))}</caption>
<thead><tr><th scope="col">${t.month}</th><th scope="col">${t.share}</th><th scope="col">${t.count}</th></tr></thead>
<tbody>
${promise.months.map(row).join('\n')}
</tbody>
</table>
</section>`;
  };
  const updated = figures.computedAt.setZone(ZONE).setLocale(LOCALE[lang]).toFormat(lang === 'nl' ? "d LLLL yyyy 'om' HH:mm" : "d LLLL yyyy 'at' HH:mm");
  const other = `${paths.self}?lang=${t.other.lang}`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<link rel="stylesheet" href="${escapeHtml(paths.stylesheet)}">
</head>
<body>
<header>
<nav aria-label="${t.other.nav}"><a href="${escapeHtml(other)}" hreflang="${t.other.lang}" lang="${t.other.lang}">${t.other.label}</a></nav>
</header>
<main>
<h1>${escapeHtml(t.title)}</h1>
<p>${escapeHtml(t.intro)}</p>
<p>${t.norm}: ${escapeHtml(figures.norm.name)}. ${t.source}: ${escapeHtml(figures.norm.source)}.</p>
${figures.promises.map(section).join('\n')}
</main>
<footer>
<p>${escapeHtml(t.how)}</p>
<p>${escapeHtml(t.updated(updated))}</p>
</footer>
</body>
</html>
`;
}

export const PUBLIC_PAGE_CSS = `:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; }
body { margin: 0 auto; padding: 1rem; max-width: 48rem; }
h1 { font-size: 1.75rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; }
header nav { text-align: right; }
a { color: #154273; text-decoration: underline; }
a:focus-visible { outline: 3px solid #154273; outline-offset: 2px; }
.summary { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border-bottom: 1px solid #767676; padding: 0.35rem 0.5rem; text-align: left; }
td { font-variant-numeric: tabular-nums; }
.current, .none { color: #4d4d4d; font-weight: normal; }
footer { margin-top: 2rem; font-size: 0.9rem; color: #333; }
`;
