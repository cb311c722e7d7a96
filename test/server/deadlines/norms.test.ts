import { describe, expect, it } from 'vitest';
import { NORM_PRESETS, describeTerm, normPreset, validateNorm, type Term } from '../../../server/deadlines/norms.ts';

describe('presets', () => {
  it('ships the six norms of domain.md with their terms', () => {
    expect(Object.fromEntries(NORM_PRESETS.map((n) => [n.id, n.terms]))).toEqual({
      vng: { acknowledgement: { unit: 'workingDays', amount: 2 }, chatPickup: { unit: 'seconds', amount: 25 } },
      'sturen-op-antwoord': { acknowledgement: { unit: 'workingDays', amount: 1 }, chatPickup: { unit: 'seconds', amount: 30 } },
      enschede: { answer: { unit: 'workingDays', amount: 3 } },
      rotterdam: {
        answer: { unit: 'workingDays', amount: 5 },
        complexAnswer: { unit: 'weeks', amount: 4 },
        callback: { unit: 'workingDays', amount: 1 },
      },
      zwolle: { answer: { unit: 'workingDays', amount: 5 } },
      katwijk: { answer: { unit: 'weeks', amount: 3 }, chatPickup: { unit: 'seconds', amount: 20 } },
    });
  });

  it('has a target for every term, Sturen op antwoord at 90% and 80%', () => {
    expect(normPreset('sturen-op-antwoord')?.targets).toEqual({ acknowledgement: 90, chatPickup: 80 });
    for (const norm of NORM_PRESETS) {
      expect(Object.keys(norm.targets).sort()).toEqual(Object.keys(norm.terms).sort());
    }
  });

  it('allows a tussenbericht where the source does', () => {
    expect(NORM_PRESETS.filter((n) => n.interimAllowed).map((n) => n.id)).toEqual(['enschede', 'rotterdam', 'zwolle']);
  });

  it('every preset is itself a valid norm shape (apart from its reserved id)', () => {
    for (const norm of NORM_PRESETS) expect(validateNorm({ ...norm, id: `eigen-${norm.id}` }).ok).toBe(true);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(normPreset('vng')?.terms.acknowledgement)).toBe(true);
  });
});

describe('validateNorm', () => {
  const valid = {
    id: 'gemeente-x',
    name: 'Gemeente X',
    source: 'Raadsbesluit dienstverlening 2026',
    terms: { acknowledgement: { unit: 'workingDays', amount: 1 }, answer: { unit: 'weeks', amount: 2 } },
    targets: { acknowledgement: 95, answer: 90 },
  };

  it('accepts a custom norm and defaults interimAllowed to false', () => {
    expect(validateNorm(valid)).toEqual({ ok: true, value: { ...valid, interimAllowed: false } });
  });

  it.each([
    ['a preset id', { ...valid, id: 'vng' }, '"vng" is a preset\'s id'],
    ['a bad id', { ...valid, id: 'Gemeente X' }, 'use lowercase letters, digits and single hyphens'],
    ['no terms', { ...valid, terms: {}, targets: {} }, 'a norm needs at least one term'],
    ['a term without target', { ...valid, targets: { acknowledgement: 95 } }, 'every term needs a target percentage'],
    ['a target without term', { ...valid, targets: { ...valid.targets, callback: 90 } }, 'target for a term the norm does not have'],
    ['a target above 100%', { ...valid, targets: { acknowledgement: 101, answer: 90 } }, 'targets.acknowledgement'],
    ['chat pickup in working days', { ...valid, terms: { chatPickup: { unit: 'workingDays', amount: 1 } }, targets: { chatPickup: 80 } }, 'terms.chatPickup.unit'],
    ['an answer in seconds', { ...valid, terms: { answer: { unit: 'seconds', amount: 30 } }, targets: { answer: 80 } }, 'terms.answer.unit'],
    ['a fractional amount', { ...valid, terms: { answer: { unit: 'workingDays', amount: 1.5 } }, targets: { answer: 80 } }, 'terms.answer.amount'],
    ['complexAnswer without answer', { ...valid, terms: { complexAnswer: { unit: 'weeks', amount: 4 } }, targets: { complexAnswer: 100 } }, 'complexAnswer extends answer'],
    ['an unknown term', { ...valid, terms: { ...valid.terms, reply: { unit: 'weeks', amount: 1 } } }, 'reply'],
  ])('rejects %s', (_case, input, message) => {
    const result = validateNorm(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});

describe('describeTerm', () => {
  const t = (unit: Term['unit'], amount: number): Term => ({ unit, amount });
  it.each([
    [t('workingDays', 2), 'nl', undefined, 'binnen 2 werkdagen'],
    [t('workingDays', 1), 'nl', undefined, 'binnen 1 werkdag'],
    [t('weeks', 4), 'nl', undefined, 'binnen 4 weken'],
    [t('weeks', 1), 'nl', undefined, 'binnen 1 week'],
    [t('seconds', 25), 'nl', undefined, 'binnen 25 seconden'],
    [t('workingDays', 1), 'nl', 'callback', 'de volgende werkdag vóór 17:00'],
    [t('workingDays', 2), 'nl', 'callback', 'binnen 2 werkdagen'],
    [t('workingDays', 2), 'en', undefined, 'within 2 working days'],
    [t('weeks', 3), 'en', undefined, 'within 3 weeks'],
    [t('seconds', 1), 'en', undefined, 'within 1 second'],
    [t('workingDays', 1), 'en', 'callback', 'the next working day before 17:00'],
  ] as const)('%o in %s (%s) reads "%s"', (term, lang, kind, expected) => {
    expect(describeTerm(term, lang, kind ? { kind } : {})).toBe(expected);
  });

  it('names another business close for the callback when given', () => {
    expect(describeTerm(t('workingDays', 1), 'nl', { kind: 'callback', close: '16:00' })).toBe('de volgende werkdag vóór 16:00');
  });
});
