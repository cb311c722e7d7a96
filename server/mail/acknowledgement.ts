// The ontvangstbevestiging: the automatic acknowledgement that quotes the reference and the dates the norm promises (issue 4).
import type { DateTime } from 'luxon';
import type { Deadlines } from '../deadlines/due.ts';
import { describeTerm, type NormTerms } from '../deadlines/norms.ts';
import { ZONE } from '../deadlines/zone.ts';
import { replySubject } from './compose.ts';

export interface AcknowledgementInput {
  /** The conversation's reference, e.g. BAL-2026-000123. */
  readonly reference: string;
  readonly citizenName: string | null;
  /** Subject of the citizen's mail; the acknowledgement answers it ("Re: …") so it threads. */
  readonly subject: string;
  readonly receivedAt: DateTime;
  /** The conversation's due times, from deadlinesFor(). */
  readonly due: Deadlines;
  /** The active norm; pass the whole Norm to also state its answer term ("binnen 5 werkdagen"). */
  readonly norm: { readonly name: string; readonly interimAllowed: boolean; readonly terms?: NormTerms };
  /** Signs the mail, e.g. "Gemeente Voorbeeld". */
  readonly gemeenteName?: string;
  readonly lang?: 'nl' | 'en';
}

export interface AcknowledgementMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Headers the sender must add. RFC 3834 §5: an automatic response says so, so that other
   * responders (out-of-office, our own classify.ts) do not answer it and no mail loop starts;
   * Exchange honours X-Auto-Response-Suppress for the same purpose.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/** A piece of a sentence; `strong` marks what a reader must not miss (reference, dates). */
type Segment = string | { readonly strong: string };
type Paragraph = readonly Segment[];

/** Business close that a reader assumes when only a date is given; earlier closes are spelled out. */
const USUAL_CLOSE_MINUTES = 17 * 60;

const LOCALE = { nl: 'nl', en: 'en-GB' } as const;

/**
 * The acknowledgement of a new e-mail conversation, in plain language (B1) with the formal "u":
 * thanks, when it arrived, the reference to quote, the date of the substantive answer the norm
 * promises ("U ontvangt uiterlijk dinsdag 29 december 2026 een inhoudelijk antwoord.") and, when
 * the norm allows a tussenbericht, that a longer handling time is announced with who handles it
 * and when. A norm without an answer term (VNG's only promises this acknowledgement) gets no
 * answer date: the mail then promises nothing the gemeente did not.
 */
/** A salutation name longer than this, or with more words, is not a name but a message. */
const MAX_NAME_CHARS = 60;
const MAX_NAME_WORDS = 6;
// Letters (with their accents), and what names join them with: spaces, hyphens, apostrophes, dots.
const NAME = /^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u;

/**
 * The citizen's display name for the salutation, or undefined for the neutral one. The name came
 * from a mail header (anyone can put anything there, including a forged From at someone else's
 * address) and is written into the gemeente's own mail: only what looks like a name is used —
 * letters and the marks names have, a few words — so that "Uw DigiD is geblokkeerd, bel 0900-…" or
 * a link never appears as if the gemeente wrote it (issue 12.5).
 */
export function salutationName(name: string | null): string | undefined {
  const line = name?.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!line || [...line].length > MAX_NAME_CHARS || line.split(' ').length > MAX_NAME_WORDS || !NAME.test(line)) return undefined;
  return line;
}

export function acknowledgementMail(input: AcknowledgementInput): AcknowledgementMail {
  const lang = input.lang ?? 'nl';
  const words = lang === 'nl' ? dutch(input) : english(input);
  const subject = replySubject(input.subject, input.reference, lang);
  const text = [...words.body.map((paragraph) => paragraph.map(plain).join('')), words.signature.join('\n')].join('\n\n') + '\n';
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body>',
    ...words.body.map((paragraph) => `<p>${paragraph.map(markup).join('')}</p>`),
    `<p>${words.signature.map(escapeHtml).join('<br>\n')}</p>`,
    '</body>',
    '</html>',
  ].join('\n');
  return { subject, text, html, headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } };
}

interface Words {
  readonly body: readonly Paragraph[];
  readonly signature: readonly string[];
}

function dutch(input: AcknowledgementInput): Words {
  const { due, norm } = input;
  const name = salutationName(input.citizenName);
  const body: Paragraph[] = [
    [name ? `Beste ${name},` : 'Beste heer of mevrouw,'],
    [`Bedankt voor uw e-mail. Wij hebben uw bericht ontvangen op ${day(input.receivedAt, 'nl')} om ${clock(input.receivedAt)} uur.`],
    ['Uw bericht heeft het nummer ', { strong: input.reference }, '. Wilt u dit nummer noemen als u contact met ons opneemt?'],
  ];
  if (due.answer !== null) {
    body.push(['U ontvangt uiterlijk ', { strong: deadline(due.answer, 'nl') }, ' een inhoudelijk antwoord.']);
    if (norm.terms?.answer) {
      body.push([`Dat is onze servicenorm: ${describeTerm(norm.terms.answer, 'nl')} een antwoord (${norm.name}).`]);
    }
    if (norm.interimAllowed) {
      const interim: Segment[] = [
        'Hebben wij meer tijd nodig, bijvoorbeeld omdat uw vraag ingewikkeld is? Dan krijgt u uiterlijk op die dag een bericht. Daarin staat wie uw vraag behandelt en wanneer u antwoord krijgt.',
      ];
      if (due.complexAnswer !== null) interim.push(' Dat is uiterlijk ', { strong: deadline(due.complexAnswer, 'nl') }, '.');
      body.push(interim);
    }
  } else {
    body.push(['Wij beantwoorden uw bericht zo snel mogelijk.']);
  }
  body.push(['Wilt u nog iets aanvullen? Beantwoord dan deze e-mail en laat het nummer in de onderwerpregel staan.']);
  body.push(['Dit bericht is automatisch verstuurd.']);
  return { body, signature: ['Met vriendelijke groet,', '', 'Klantcontactcentrum', ...(input.gemeenteName ? [input.gemeenteName] : [])] };
}

function english(input: AcknowledgementInput): Words {
  const { due, norm } = input;
  const name = salutationName(input.citizenName);
  const body: Paragraph[] = [
    [name ? `Dear ${name},` : 'Dear Sir or Madam,'],
    [`Thank you for your e-mail. We received your message on ${day(input.receivedAt, 'en')} at ${clock(input.receivedAt)}.`],
    ['Your message has reference number ', { strong: input.reference }, '. Please quote this number when you contact us.'],
  ];
  if (due.answer !== null) {
    body.push(['You will receive a full answer by ', { strong: deadline(due.answer, 'en') }, ' at the latest.']);
    if (norm.terms?.answer) {
      body.push([`That is our service standard: an answer ${describeTerm(norm.terms.answer, 'en')} (${norm.name}).`]);
    }
    if (norm.interimAllowed) {
      const interim: Segment[] = [
        'If we need more time, for example because your question is complex, we will let you know by that day who is handling your question and when you will receive an answer.',
      ];
      if (due.complexAnswer !== null) interim.push(' That will be ', { strong: deadline(due.complexAnswer, 'en') }, ' at the latest.');
      body.push(interim);
    }
  } else {
    body.push(['We will answer your message as soon as possible.']);
  }
  body.push(['Would you like to add something? Reply to this e-mail and keep the number in the subject line.']);
  body.push(['This message was sent automatically.']);
  return { body, signature: ['Kind regards,', '', 'Customer contact centre', ...(input.gemeenteName ? [input.gemeenteName] : [])] };
}

/** "dinsdag 29 december 2026" / "Tuesday 29 December 2026", in Amsterdam time. */
function day(instant: DateTime, lang: 'nl' | 'en'): string {
  return instant.setZone(ZONE).setLocale(LOCALE[lang]).toFormat('cccc d LLLL yyyy');
}

function clock(instant: DateTime): string {
  return instant.setZone(ZONE).toFormat('HH:mm');
}

/**
 * A due date as a citizen reads it. Due times are business close; "uiterlijk dinsdag" reads as
 * "during Tuesday's office hours", right for a 17:00 close, so the time is only added for an
 * earlier close (e.g. a Friday that ends at 12:00).
 */
function deadline(due: DateTime, lang: 'nl' | 'en'): string {
  const local = due.setZone(ZONE);
  const date = day(local, lang);
  if (local.hour * 60 + local.minute >= USUAL_CLOSE_MINUTES) return date;
  return lang === 'nl' ? `${date} vóór ${clock(local)} uur` : `${date}, before ${clock(local)}`;
}

function plain(segment: Segment): string {
  return typeof segment === 'string' ? segment : segment.strong;
}

function markup(segment: Segment): string {
  return typeof segment === 'string' ? escapeHtml(segment) : `<strong>${escapeHtml(segment.strong)}</strong>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
