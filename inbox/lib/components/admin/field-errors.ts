// The server's field problems (code, field path, values) as texts in the inbox's language (issue 16):
// the server never words them for the agent, the client does.
import type { FieldProblem } from '../../../../server/http/errors.ts';
import { ApiError, errorCode } from '../../api/http.ts';
import { i18n, type MessageKey } from '../../i18n/index.svelte.ts';
import { nl } from '../../i18n/nl.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DUTCH_DAYS = ['ma', 'di', 'wo', 'do', 'vr', 'za', 'zo'] as const;

/** One problem in words; `value` fills in what the agent typed where the server gave no value. */
export function problemText(problem: FieldProblem, value?: string): string {
  const params = Object.fromEntries(Object.entries(problem.params ?? {}).map(([key, v]) => [key, String(v)]));
  // The server names days by their English code; the agent reads them in their language.
  if (params.day) params.day = dayName(params.day);
  if (value !== undefined) params.value ??= value;
  let code = problem.code ?? 'invalid';
  if (code === 'too_small' && params.origin === 'string' && params.minimum === '1') code = 'required';
  if (code === 'invalid_format' && params.format === 'email') code = 'email';
  const key = `field.${code}` as MessageKey;
  return i18n.t(key in nl ? key : 'field.invalid', params);
}

function dayName(code: string): string {
  const index = DAYS.indexOf(code as (typeof DAYS)[number]);
  return index >= 0 && i18n.lang === 'nl' ? DUTCH_DAYS[index]! : code;
}

/**
 * The field problems of a refused request by form field ("closureDays.2" shows at "closureDays");
 * `values` gives, per form field, what was sent, so a text can name the wrong item.
 */
export function fieldProblems(error: unknown, values: Record<string, readonly string[]> = {}): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const problems = (error.details.fields ?? []) as FieldProblem[];
  const byField: Record<string, string> = {};
  for (const problem of problems) {
    const [field, index] = problem.field.split('.');
    if (!field || byField[field]) continue;
    const sent = index === undefined ? undefined : values[field]?.[Number(index)];
    byField[field] = problemText(problem, sent);
  }
  return byField;
}

/** The hours as the server writes them (`mon-fri 08:30-17:00`) in the agent's language (`ma-vr …`). */
export function hoursInLanguage(text: string): string {
  if (i18n.lang !== 'nl') return text;
  return text.replace(/\b(mon|tue|wed|thu|fri|sat|sun|always|never)\b/g, (word) =>
    word === 'always' ? 'altijd' : word === 'never' ? 'nooit' : DUTCH_DAYS[DAYS.indexOf(word as (typeof DAYS)[number])]!,
  );
}

/** A refused save as a form shows it: the problems by field, and the line under the button. */
export function refusalOf(error: unknown, values: Record<string, readonly string[]> = {}): { errors: Record<string, string>; problem: string } {
  const errors = fieldProblems(error, values);
  return { errors, problem: Object.keys(errors).length > 0 ? i18n.t('error.form_invalid') : i18n.error(errorCode(error)) };
}

/** A field's aria-describedby: its error (`{prefix}{field}-error`, when shown) and its hint. */
export function describedBy(errors: Record<string, string>, prefix: string, field: string, hint?: string): string | undefined {
  return [errors[field] ? `${prefix}${field}-error` : '', hint ?? ''].filter(Boolean).join(' ') || undefined;
}
