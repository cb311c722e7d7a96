// Filling in canned answers' variables: pure, no database.
import { describe, expect, it } from 'vitest';
import { dutchDate, renderCanned } from '../../../server/canned/index.ts';

describe('renderCanned', () => {
  const context = { name: 'Fatima el Amrani', reference: 'BAL-2026-000123', answerDue: new Date('2026-12-29T16:00:00Z') };

  it('fills in name, reference and the answer term as a Dutch date', () => {
    expect(renderCanned('Beste {naam}, uw vraag {referentie} beantwoorden wij uiterlijk {termijn}.', context)).toEqual({
      ok: true,
      text: 'Beste Fatima el Amrani, uw vraag BAL-2026-000123 beantwoorden wij uiterlijk dinsdag 29 december 2026.',
    });
  });

  it('says "heer/mevrouw" without a name', () => {
    expect(renderCanned('Beste {naam}', { ...context, name: '   ' })).toEqual({ ok: true, text: 'Beste heer/mevrouw' });
  });

  it('refuses a text whose {termijn} has no value instead of leaving a gap (issue 11)', () => {
    expect(renderCanned('Beste {naam}, u hoort uiterlijk {termijn} van ons.', { ...context, name: null, answerDue: null })).toEqual({ ok: false, missing: ['termijn'] });
    // Without the variable the same conversation is fine.
    expect(renderCanned('Beste {naam}, dank voor uw vraag.', { ...context, answerDue: null })).toEqual({ ok: true, text: 'Beste Fatima el Amrani, dank voor uw vraag.' });
  });

  it('leaves unknown variables and other braces as written, every occurrence replaced', () => {
    expect(renderCanned('{naam} {onbekend} {Naam} { naam } {referentie}{referentie}', context)).toEqual({
      ok: true,
      text: 'Fatima el Amrani {onbekend} {Naam} { naam } BAL-2026-000123BAL-2026-000123',
    });
  });

  it('knows only its own variables: {constructor} and other Object.prototype names stay as written (issue 12.13)', () => {
    const text = '{constructor} {hasownproperty} {naam}';
    expect(renderCanned(text, context)).toEqual({ ok: true, text: '{constructor} {hasownproperty} Fatima el Amrani' });
  });

  it('takes the date in Amsterdam: 23:30 UTC on 31 March is already 1 April there', () => {
    expect(dutchDate(new Date('2027-03-31T23:30:00Z'))).toBe('donderdag 1 april 2027');
  });
});
