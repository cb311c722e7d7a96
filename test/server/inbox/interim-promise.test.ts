// The sentence a tussenbericht ends with (issue 11 §3: every promise names its date). Pure.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { interimPromise } from '../../../server/inbox/replies.ts';

describe('interimPromise', () => {
  it('names the date in Dutch and in English, in Amsterdam time', () => {
    // 23:30 UTC on 31 March is already 1 April in Amsterdam.
    const due = DateTime.fromISO('2027-03-31T23:30:00Z');
    expect(interimPromise(due)).toBe('U ontvangt uiterlijk donderdag 1 april 2027 een inhoudelijk antwoord.');
    expect(interimPromise(due, 'en')).toBe('You will receive a full answer by Thursday 1 April 2027 at the latest.');
  });
});
