// Service norms: the model, the six presets of domain.md, validation of an admin's own norm, and wording.
import { z } from 'zod';
import { fail, ok, type Result } from './result.ts';

export type TermUnit = 'workingDays' | 'weeks' | 'seconds';
export interface Term {
  readonly unit: TermUnit;
  readonly amount: number;
}

/** Milestones with a calendar deadline. */
export type MilestoneKey = 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback';
export type TermKey = MilestoneKey | 'chatPickup';
export const MILESTONE_KEYS: readonly MilestoneKey[] = ['acknowledgement', 'answer', 'complexAnswer', 'callback'];
export const TERM_KEYS: readonly TermKey[] = [...MILESTONE_KEYS, 'chatPickup'];

export interface NormTerms {
  /** Ontvangstbevestiging. */
  readonly acknowledgement?: Term;
  /** Inhoudelijk antwoord. */
  readonly answer?: Term;
  /** Inhoudelijk antwoord on a difficult or multiple case, after a tussenbericht. */
  readonly complexAnswer?: Term;
  /** Terugbelverzoek. */
  readonly callback?: Term;
  /** Chat picked up, in seconds from being queued within chat hours. */
  readonly chatPickup?: Term;
}

export interface Norm {
  readonly id: string;
  /** Name shown to supervisors and on the public norm page (Dutch). */
  readonly name: string;
  /** Where the norm is published. */
  readonly source: string;
  readonly terms: NormTerms;
  /** Per term the share of contacts (percent, 0–100] that must meet it. */
  readonly targets: { readonly [K in TermKey]?: number };
  /**
   * A tussenbericht within the answer term meets the answer milestone. The substantive answer
   * is then due at complexAnswer when the norm has one (Rotterdam), otherwise at the term the
   * tussenbericht names (Enschede, Zwolle).
   */
  readonly interimAllowed: boolean;
  /**
   * Waiting on the citizen suspends the answer term (opschorting, as Awb art. 4:15 does for
   * decisions): the business time left is kept and runs on from the citizen's reply. Default true.
   */
  readonly suspendWhileWaiting?: boolean;
}

const workingDays = (amount: number): Term => ({ unit: 'workingDays', amount });
const weeks = (amount: number): Term => ({ unit: 'weeks', amount });
const seconds = (amount: number): Term => ({ unit: 'seconds', amount });

// Targets: where a source states no percentage the norm is a promise to every citizen, so 100%.
// Chat pickup terms come from each source's telephone norm (domain.md).
const PRESETS = [
  {
    id: 'vng',
    name: 'VNG-minimumnormen',
    source: 'VNG, minimale branchenormen dienstverlening (2010)',
    terms: { acknowledgement: workingDays(2), chatPickup: seconds(25) },
    targets: { acknowledgement: 100, chatPickup: 100 },
    interimAllowed: false,
  },
  {
    id: 'sturen-op-antwoord',
    name: 'Sturen op antwoord',
    source: 'Sturen op antwoord (2009)',
    // "Acknowledged or handled": a substantive answer inside the term also counts as acknowledgement.
    terms: { acknowledgement: workingDays(1), chatPickup: seconds(30) },
    targets: { acknowledgement: 90, chatPickup: 80 },
    interimAllowed: false,
  },
  {
    id: 'enschede',
    name: 'Gemeente Enschede',
    source: 'Servicenormen gemeente Enschede',
    // Complex questions: a reaction naming the expected handling time meets the term.
    terms: { answer: workingDays(3) },
    targets: { answer: 100 },
    interimAllowed: true,
  },
  {
    id: 'rotterdam',
    name: 'Gemeente Rotterdam',
    source: 'Servicenormen gemeente Rotterdam',
    // Difficult or multiple complaints: 4 weeks; "next working day before 17:00" = 1 working day.
    terms: { answer: workingDays(5), complexAnswer: weeks(4), callback: workingDays(1) },
    targets: { answer: 100, complexAnswer: 100, callback: 100 },
    interimAllowed: true,
  },
  {
    id: 'zwolle',
    name: 'Gemeente Zwolle',
    source: 'Servicenormen gemeente Zwolle',
    // Or within 5 working days a message naming the department handling it and the expected term.
    terms: { answer: workingDays(5) },
    targets: { answer: 100 },
    interimAllowed: true,
  },
  {
    id: 'katwijk',
    name: 'Gemeente Katwijk',
    source: 'Servicenormen gemeente Katwijk',
    terms: { answer: weeks(3), chatPickup: seconds(20) },
    targets: { answer: 100, chatPickup: 100 },
    interimAllowed: false,
  },
] as const satisfies readonly Norm[];

export type PresetId = (typeof PRESETS)[number]['id'];
export const NORM_PRESETS: readonly Norm[] = deepFreeze(PRESETS);

export function normPreset(id: string): Norm | undefined {
  return NORM_PRESETS.find((norm) => norm.id === id);
}

// ── Custom norms ───────────────────────────────────────────────────────────

const dayTerm = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('workingDays'), amount: z.int().min(1).max(260) }),
  z.strictObject({ unit: z.literal('weeks'), amount: z.int().min(1).max(52) }),
]);
const secondsTerm = z.strictObject({ unit: z.literal('seconds'), amount: z.int().min(1).max(3600) });
const percentage = z.number().gt(0).max(100);

/** Schema for a norm an admin composes from the same parts as the presets. */
export const normSchema: z.ZodType<Norm> = z
  .strictObject({
    id: z
      .string()
      .max(64)
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens'),
    name: z.string().trim().min(1).max(120),
    source: z.string().trim().min(1).max(500),
    terms: z.strictObject({
      acknowledgement: dayTerm.optional(),
      answer: dayTerm.optional(),
      complexAnswer: dayTerm.optional(),
      callback: dayTerm.optional(),
      chatPickup: secondsTerm.optional(),
    }),
    targets: z.strictObject({
      acknowledgement: percentage.optional(),
      answer: percentage.optional(),
      complexAnswer: percentage.optional(),
      callback: percentage.optional(),
      chatPickup: percentage.optional(),
    }),
    interimAllowed: z.boolean().default(false),
    suspendWhileWaiting: z.boolean().optional(),
  })
  .superRefine((norm, ctx) => {
    if (normPreset(norm.id)) ctx.addIssue({ code: 'custom', path: ['id'], message: `"${norm.id}" is a preset's id` });
    if (TERM_KEYS.every((key) => norm.terms[key] === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['terms'], message: 'a norm needs at least one term' });
    }
    for (const key of TERM_KEYS) {
      const hasTerm = norm.terms[key] !== undefined;
      const hasTarget = norm.targets[key] !== undefined;
      if (hasTerm && !hasTarget) ctx.addIssue({ code: 'custom', path: ['targets', key], message: 'every term needs a target percentage' });
      if (!hasTerm && hasTarget) ctx.addIssue({ code: 'custom', path: ['targets', key], message: 'target for a term the norm does not have' });
    }
    if (norm.terms.complexAnswer && !norm.terms.answer) {
      ctx.addIssue({ code: 'custom', path: ['terms', 'complexAnswer'], message: 'complexAnswer extends answer: give answer too' });
    }
  });

/** Validates an admin's norm; the error lists every problem with its path. */
export function validateNorm(input: unknown): Result<Norm> {
  const parsed = normSchema.safeParse(input);
  return parsed.success ? ok(parsed.data) : fail(z.prettifyError(parsed.error));
}

// ── Wording ────────────────────────────────────────────────────────────────

const WORDS = {
  nl: { within: 'binnen', workingDays: ['werkdag', 'werkdagen'], weeks: ['week', 'weken'], seconds: ['seconde', 'seconden'], nextDay: 'de volgende werkdag vóór' },
  en: { within: 'within', workingDays: ['working day', 'working days'], weeks: ['week', 'weeks'], seconds: ['second', 'seconds'], nextDay: 'the next working day before' },
} as const;

/**
 * Plain wording of a term: "binnen 2 werkdagen", "within 4 weeks". A callback of 1 working day
 * reads as Rotterdam publishes it: "de volgende werkdag vóór 17:00" (close defaults to 17:00).
 */
export function describeTerm(term: Term, lang: 'nl' | 'en', options: { kind?: TermKey; close?: string } = {}): string {
  const words = WORDS[lang];
  if (options.kind === 'callback' && term.unit === 'workingDays' && term.amount === 1) {
    return `${words.nextDay} ${options.close ?? '17:00'}`;
  }
  const [one, many] = words[term.unit];
  return `${words.within} ${term.amount} ${term.amount === 1 ? one : many}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// ── Callback term (issue 14) ───────────────────────────────────────────────

/**
 * The callback term where the norm names none (every preset but Rotterdam): 2 working days, the
 * VNG's minimum term for a reaction — far inside the field's 48 hours that are called too long,
 * and counted on the gemeente's calendar. A gemeente sets its own per norm or per team.
 */
export const DEFAULT_CALLBACK_TERM: Term = Object.freeze({ unit: 'workingDays', amount: 2 });

/** The norm's callback term, or Balie's default when it has none. */
export function callbackTermOf(norm: Norm): { term: Term; source: 'norm' | 'default' } {
  return norm.terms.callback ? { term: norm.terms.callback, source: 'norm' } : { term: DEFAULT_CALLBACK_TERM, source: 'default' };
}
