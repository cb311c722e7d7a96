import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseWeeklyHours } from '../../../server/deadlines/business-hours.ts';
import { WorkingCalendar } from '../../../server/deadlines/calendar.ts';
import { deadlinesFor } from '../../../server/deadlines/due.ts';
import { normPreset, type Norm } from '../../../server/deadlines/norms.ts';
import { defaultCalendarData } from '../../../server/deadlines/seed.ts';
import { acknowledgementMail, type AcknowledgementInput } from '../../../server/mail/acknowledgement.ts';

const calendar = new WorkingCalendar(defaultCalendarData());
// domain.md: received Thu 24 Dec 2026 16:30 (+01:00).
const CHRISTMAS_EVE = DateTime.fromISO('2026-12-24T16:30+01:00', { setZone: true });

function preset(id: string): Norm {
  const norm = normPreset(id);
  if (!norm) throw new Error(`no preset ${id}`);
  return norm;
}

function input(norm: Norm, overrides: Partial<AcknowledgementInput> = {}): AcknowledgementInput {
  return {
    reference: 'BAL-2026-000123',
    citizenName: 'Jan Jansen',
    subject: 'Paspoort verlengen',
    receivedAt: CHRISTMAS_EVE,
    due: deadlinesFor(norm, overrides.receivedAt ?? CHRISTMAS_EVE, calendar),
    norm,
    gemeenteName: 'Gemeente Voorbeeld',
    ...overrides,
  };
}

/** A gemeente's own norm: an answer within 2 working days, as domain.md's example term. */
const twoDays: Norm = {
  id: 'twee-werkdagen',
  name: 'Eigen norm',
  source: 'test',
  terms: { answer: { unit: 'workingDays', amount: 2 } },
  targets: { answer: 100 },
  interimAllowed: false,
};

describe('acknowledgementMail (nl)', () => {
  it('the domain.md example: "U ontvangt uiterlijk dinsdag 29 december 2026 een inhoudelijk antwoord."', () => {
    const mail = acknowledgementMail(input(twoDays));
    expect(mail.text).toContain('U ontvangt uiterlijk dinsdag 29 december 2026 een inhoudelijk antwoord.');
    expect(mail.text).toContain('Dat is onze servicenorm: binnen 2 werkdagen een antwoord (Eigen norm).');
    expect(mail.text).not.toContain('meer tijd nodig');
  });

  it('the whole text: greeting, receipt time, reference to quote, answer date, how to add something, signature', () => {
    expect(acknowledgementMail(input(twoDays)).text).toBe(
      [
        'Beste Jan Jansen,',
        'Bedankt voor uw e-mail. Wij hebben uw bericht ontvangen op donderdag 24 december 2026 om 16:30 uur.',
        'Uw bericht heeft het nummer BAL-2026-000123. Wilt u dit nummer noemen als u contact met ons opneemt?',
        'U ontvangt uiterlijk dinsdag 29 december 2026 een inhoudelijk antwoord.',
        'Dat is onze servicenorm: binnen 2 werkdagen een antwoord (Eigen norm).',
        'Wilt u nog iets aanvullen? Beantwoord dan deze e-mail en laat het nummer in de onderwerpregel staan.',
        'Dit bericht is automatisch verstuurd.',
        'Met vriendelijke groet,\n\nKlantcontactcentrum\nGemeente Voorbeeld',
      ].join('\n\n') + '\n',
    );
  });

  it('VNG: acknowledgement due Tue 29 Dec 17:00, but the norm promises no answer date, so the mail names none', () => {
    const vng = preset('vng');
    const due = deadlinesFor(vng, CHRISTMAS_EVE, calendar);
    expect(due.acknowledgement?.toISO()).toBe('2026-12-29T17:00:00.000+01:00');
    expect(due.answer).toBeNull();
    const mail = acknowledgementMail(input(vng));
    expect(mail.text).toContain('Wij beantwoorden uw bericht zo snel mogelijk.');
    expect(mail.text).not.toContain('uiterlijk');
    expect(mail.text).not.toContain('29 december');
    expect(mail.text).toContain('ontvangen op donderdag 24 december 2026 om 16:30 uur');
  });

  it('Rotterdam: answer in 5 working days over Christmas and New Year, and the interim message with the 4-week date', () => {
    const rotterdam = preset('rotterdam');
    const mail = acknowledgementMail(input(rotterdam));
    // 28, 29, 30, 31 Dec; 1 Jan is a holiday; 4 Jan is the fifth working day. 24 Dec + 4 weeks = Thu 21 Jan.
    expect(mail.text).toContain('U ontvangt uiterlijk maandag 4 januari 2027 een inhoudelijk antwoord.');
    expect(mail.text).toContain('Dat is onze servicenorm: binnen 5 werkdagen een antwoord (Gemeente Rotterdam).');
    expect(mail.text).toContain(
      'Hebben wij meer tijd nodig, bijvoorbeeld omdat uw vraag ingewikkeld is? Dan krijgt u uiterlijk op die dag een bericht. ' +
        'Daarin staat wie uw vraag behandelt en wanneer u antwoord krijgt. Dat is uiterlijk donderdag 21 januari 2027.',
    );
  });

  it('Zwolle: interim allowed without a fixed later term, so no second date', () => {
    const mail = acknowledgementMail(input(preset('zwolle')));
    expect(mail.text).toContain('U ontvangt uiterlijk maandag 4 januari 2027 een inhoudelijk antwoord.');
    expect(mail.text).toContain('Daarin staat wie uw vraag behandelt en wanneer u antwoord krijgt.\n');
    expect(mail.text).not.toContain('Dat is uiterlijk');
  });

  it('Katwijk: 3 weeks, no interim message promised', () => {
    const mail = acknowledgementMail(input(preset('katwijk')));
    expect(mail.text).toContain('U ontvangt uiterlijk donderdag 14 januari 2027 een inhoudelijk antwoord.');
    expect(mail.text).toContain('binnen 3 weken een antwoord');
    expect(mail.text).not.toContain('meer tijd nodig');
  });

  it('names the time when the office closes before 17:00 on the due day', () => {
    const hours = parseWeeklyHours('mon-thu 08:30-17:00; fri 08:30-12:00');
    if (!hours.ok) throw new Error(hours.error);
    const shortFriday = new WorkingCalendar({ ...defaultCalendarData(), businessHours: hours.value });
    const receivedAt = DateTime.fromISO('2026-06-10T10:00+02:00', { setZone: true });
    const mail = acknowledgementMail(input(twoDays, { receivedAt, due: deadlinesFor(twoDays, receivedAt, shortFriday) }));
    expect(mail.text).toContain('U ontvangt uiterlijk vrijdag 12 juni 2026 vóór 12:00 uur een inhoudelijk antwoord.');
    expect(mail.text).toContain('ontvangen op woensdag 10 juni 2026 om 10:00 uur');
  });

  it('shows times in Amsterdam whatever zone the instant comes in', () => {
    const receivedAt = DateTime.fromISO('2026-12-24T15:30Z', { setZone: true });
    expect(acknowledgementMail(input(twoDays, { receivedAt })).text).toContain('om 16:30 uur');
  });

  it('without a name: a neutral greeting; without a gemeente name: the KCC signs', () => {
    const mail = acknowledgementMail(input(twoDays, { citizenName: null, gemeenteName: undefined }));
    expect(mail.text.startsWith('Beste heer of mevrouw,\n')).toBe(true);
    expect(mail.text.endsWith('Met vriendelijke groet,\n\nKlantcontactcentrum\n')).toBe(true);
  });

  it('subject answers the citizen so the reply threads, with the reference', () => {
    expect(acknowledgementMail(input(twoDays)).subject).toBe('Re: Paspoort verlengen [BAL-2026-000123]');
    expect(acknowledgementMail(input(twoDays, { subject: '' })).subject).toBe('Uw bericht [BAL-2026-000123]');
  });

  it('says it is automatic (RFC 3834), so responders do not answer it', () => {
    expect(acknowledgementMail(input(twoDays)).headers).toEqual({ 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' });
  });
});

describe('acknowledgementMail HTML', () => {
  it('is a small accessible document in Dutch with everything escaped', () => {
    const mail = acknowledgementMail(input(preset('rotterdam'), { citizenName: "Siobhán O'Brien", subject: 'Vraag <b>vet</b> & "meer"' }));
    expect(mail.html).toContain('<html lang="nl">');
    expect(mail.html).toContain('<title>Re: Vraag &lt;b&gt;vet&lt;/b&gt; &amp; &quot;meer&quot; [BAL-2026-000123]</title>');
    expect(mail.html).toContain('<p>Beste Siobhán O&#39;Brien,</p>');
    expect(mail.html).toContain('<p>Uw bericht heeft het nummer <strong>BAL-2026-000123</strong>.');
    expect(mail.html).toContain('<p>U ontvangt uiterlijk <strong>maandag 4 januari 2027</strong> een inhoudelijk antwoord.</p>');
    expect(mail.html).toContain('<p>Met vriendelijke groet,<br>\n<br>\nKlantcontactcentrum<br>\nGemeente Voorbeeld</p>');
    expect(mail.html).not.toContain('<script');
  });
});

describe('the salutation (issue 12.5: a From name is anyone\'s text)', () => {
  it.each([
    ['<script>alert(1)</script> & "Jan"'],
    ['Uw DigiD is geblokkeerd, bel 0900-1234'],
    ['Betaal via https://phish.example/login'],
    ['jan@example.nl'],
    ['Uw rekening wordt vandaag nog afgesloten tenzij u reageert'],
    ['Jan'.repeat(25)],
  ])('%s is no name: the neutral salutation', (citizenName) => {
    const mail = acknowledgementMail(input(twoDays, { citizenName }));
    expect(mail.text.startsWith('Beste heer of mevrouw,\n')).toBe(true);
    expect(mail.text).not.toContain(citizenName);
    expect(mail.html).toContain('<p>Beste heer of mevrouw,</p>');
    expect(acknowledgementMail(input(twoDays, { citizenName, lang: 'en' })).text.startsWith('Dear Sir or Madam,\n')).toBe(true);
  });

  it.each([['Jan Jansen'], ['Anne-Marie van der Berg'], ["J. d'Hondt"], ['Zoë Çelik'], ['Jan\r\n  Jansen']])('%j is a name', (citizenName) => {
    expect(acknowledgementMail(input(twoDays, { citizenName })).text).toMatch(/^Beste [^\n]+,\n/);
    expect(acknowledgementMail(input(twoDays, { citizenName })).text).not.toMatch(/^Beste heer of mevrouw/);
  });
});

describe('acknowledgementMail (en)', () => {
  it('in English with English dates', () => {
    const mail = acknowledgementMail(input(preset('rotterdam'), { lang: 'en' }));
    expect(mail.subject).toBe('Re: Paspoort verlengen [BAL-2026-000123]');
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.text).toContain('Dear Jan Jansen,');
    expect(mail.text).toContain('We received your message on Thursday 24 December 2026 at 16:30.');
    expect(mail.text).toContain('You will receive a full answer by Monday 4 January 2027 at the latest.');
    expect(mail.text).toContain('That is our service standard: an answer within 5 working days (Gemeente Rotterdam).');
    expect(mail.text).toContain('That will be Thursday 21 January 2027 at the latest.');
  });
});
