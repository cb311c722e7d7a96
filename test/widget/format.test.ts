// The widget's formatting: Dutch and English dates in Europe/Amsterdam with Intl, and links made
// clickable only for http(s), with the text around them kept as text.
import { describe, expect, it } from 'vitest';
import { formatDay, formatMoment, linkify } from '../../widget/lib/format.ts';
import { pickLang, problemText, translator } from '../../widget/lib/i18n/index.ts';
import { isEmailAddress, shapes } from '../../widget/lib/api/shapes.ts';

const now = new Date('2026-11-23T12:00:00Z');

describe('dates for citizens', () => {
  it('says the promised day in Dutch, in Amsterdam time, whatever the server offset', () => {
    expect(formatDay('2026-12-29T17:00:00.000+01:00', 'nl', now)).toBe('dinsdag 29 december');
    // 23:30 UTC on the 28th is already the 29th in Amsterdam.
    expect(formatDay('2026-12-28T23:30:00Z', 'nl', now)).toBe('dinsdag 29 december');
    expect(formatDay('2027-01-05T17:00:00+01:00', 'nl', now)).toBe('dinsdag 5 januari 2027');
    expect(formatDay('2026-12-29T17:00:00+01:00', 'en', now)).toBe('Tuesday 29 December');
  });

  it('says when chat opens next, summer time included', () => {
    expect(formatMoment('2026-11-30T08:30:00+01:00', 'nl', now)).toBe('maandag 30 november om 08:30');
    expect(formatMoment('2026-11-30T07:30:00Z', 'en', now)).toBe('Monday 30 November at 08:30');
    expect(formatMoment('2027-06-01T06:30:00Z', 'nl', new Date('2027-05-01T00:00:00Z'))).toBe('dinsdag 1 juni om 08:30');
  });
});

describe('links in chat messages', () => {
  it('makes http(s) URLs links and leaves trailing punctuation out', () => {
    expect(linkify('Zie https://www.gemeente.nl/afval. Of http://x.nl/a?b=1, toch?')).toEqual([
      { kind: 'text', text: 'Zie ' },
      { kind: 'link', text: 'https://www.gemeente.nl/afval', href: 'https://www.gemeente.nl/afval' },
      { kind: 'text', text: '. Of ' },
      { kind: 'link', text: 'http://x.nl/a?b=1', href: 'http://x.nl/a?b=1' },
      { kind: 'text', text: ', toch?' },
    ]);
  });

  it('never links other schemes, and keeps markup as text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>x</script>', '<a href="javascript:x">klik</a>', 'mailto:jan@example.nl', 'ftp://example.nl/x']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });
});

describe('texts and checks', () => {
  it('picks the language from the script tag first, then the page', () => {
    expect(pickLang('en', 'nl')).toBe('en');
    expect(pickLang(undefined, 'en-GB')).toBe('en');
    expect(pickLang(undefined, '')).toBe('nl');
    expect(pickLang('fr', 'fr')).toBe('nl');
  });

  it('translates server codes into sentences, never showing a code', () => {
    const t = translator('nl');
    expect(t('chat.with', { name: 'Fatima' })).toBe('U chat met Fatima');
    expect(problemText(t, 'message_too_long')).toBe('Uw bericht is te lang (maximaal 5000 tekens).');
    expect(problemText(t, 'something_new')).toBe('Er ging iets mis. Probeer het opnieuw.');
  });

  it('checks e-mail addresses and the shape of what Balie answers', () => {
    expect(['jan@voorbeeld.nl', ' a.b+c@sub.gemeente.nl '].map(isEmailAddress)).toEqual([true, true]);
    expect(['jan@voorbeeld', 'jan voorbeeld.nl', 'jan@@x.nl', `${'a'.repeat(250)}@x.nl`].map(isEmailAddress)).toEqual([false, false, false, false]);
    expect(shapes.questionReceived({ reference: 'BAL-2026-000001', promise: { kind: 'answer', dueAt: '2026-12-29T17:00:00+01:00' } })).toBe(true);
    expect(shapes.questionReceived({ reference: 'BAL-2026-000001', promise: { kind: 'later', dueAt: 'x' } })).toBe(false);
    expect(shapes.storedChat({ token: 't', expiresAt: 'x', outbox: [{ clientId: 'c' }] })).toBe(false);
  });
});
