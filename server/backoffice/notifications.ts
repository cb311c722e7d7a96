// The mails a hand-off sends (pure): the citizen's confirmation naming the reference and the
// promised moment, and the team's notification. Plain language, the formal "u" (as the
// acknowledgement in server/mail/acknowledgement.ts).
import type { DateTime } from 'luxon';
import { replySubject } from '../mail/compose.ts';
import { displayPhone } from './phone.ts';

export type HandoffAction = 'callback' | 'email' | 'other';

export interface ConfirmationInput {
  reference: string;
  subject: string | null;
  citizenName: string | null;
  action: HandoffAction;
  teamName: string | null;
  phone: string | null;
  dueAt: DateTime;
  gemeenteName?: string;
}

export interface ComposedMail {
  subject: string;
  text: string;
}

/** "maandag 28 december 2026 vóór 17:00". */
export function promisedMoment(due: DateTime): string {
  return `${due.setLocale('nl').toFormat('cccc d LLLL yyyy')} vóór ${due.toFormat('HH:mm')}`;
}

function oneLine(value: string | null): string | undefined {
  return value?.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim() || undefined;
}

export function confirmationMail(input: ConfirmationInput): ComposedMail {
  const name = oneLine(input.citizenName);
  const moment = promisedMoment(input.dueAt);
  const who = input.teamName ? `de afdeling ${oneLine(input.teamName)}` : 'een medewerker van de gemeente';
  const promise =
    input.action === 'callback'
      ? `${capital(who)} belt u uiterlijk ${moment} terug${input.phone ? ` op ${displayPhone(input.phone)}` : ''}.`
      : input.action === 'email'
        ? `${capital(who)} beantwoordt uw vraag uiterlijk ${moment} per e-mail.`
        : `${capital(who)} neemt uw vraag uiterlijk ${moment} in behandeling.`;
  const text = [
    name ? `Beste ${name},` : 'Beste heer of mevrouw,',
    'Wij hebben uw vraag doorgegeven. ' + promise,
    `Uw vraag heeft het nummer ${input.reference}. Wilt u dit nummer noemen als u contact met ons opneemt?`,
    'Met vriendelijke groet,\n\nKlantcontactcentrum' + (input.gemeenteName ? `\n${input.gemeenteName}` : ''),
  ].join('\n\n');
  return { subject: replySubject(input.subject ?? 'Uw vraag aan de gemeente', input.reference), text: `${text}\n` };
}

export interface TeamNotificationInput {
  reference: string;
  teamName: string;
  action: HandoffAction;
  actionLabel: string | null;
  question: string;
  citizenName: string | null;
  phone: string | null;
  email: string | null;
  preferredMoment: string | null;
  internalNote: string | null;
  dueAt: DateTime;
  handedOffBy: string;
  /** Where the team opens it, e.g. https://balie.gemeente.nl/#backoffice. */
  link: string;
}

const ACTION_WORDS: Record<HandoffAction, string> = { callback: 'Terugbellen', email: 'Beantwoorden per e-mail', other: 'Andere actie' };

export function teamNotificationMail(input: TeamNotificationInput): ComposedMail {
  const lines = [
    `Nieuw contactverzoek voor ${oneLine(input.teamName)} (${input.reference}).`,
    '',
    `Actie: ${input.action === 'other' && input.actionLabel ? oneLine(input.actionLabel) : ACTION_WORDS[input.action]}`,
    `Uiterlijk: ${promisedMoment(input.dueAt)}`,
    `Inwoner: ${oneLine(input.citizenName) ?? 'onbekend'}`,
    ...(input.phone ? [`Telefoon: ${displayPhone(input.phone)}`] : []),
    ...(input.email ? [`E-mail: ${input.email}`] : []),
    ...(input.preferredMoment ? [`Voorkeur: ${oneLine(input.preferredMoment)}`] : []),
    `Doorgezet door: ${oneLine(input.handedOffBy)}`,
    '',
    'Vraag:',
    input.question,
    ...(input.internalNote ? ['', 'Interne notitie:', input.internalNote] : []),
    '',
    `Openen in Balie: ${input.link}`,
  ];
  return { subject: `[${input.reference}] Contactverzoek: ${ACTION_WORDS[input.action].toLowerCase()} — uiterlijk ${promisedMoment(input.dueAt)}`, text: `${lines.join('\n')}\n` };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Who is reminded when (issue 14 §5): the assignee before the due moment, the coordinator at it, the supervisor once it is breached. */
export type ReminderKind = 'assignee' | 'coordinator' | 'supervisor';

export interface ReminderInput {
  kind: ReminderKind;
  reference: string;
  teamName: string | null;
  action: HandoffAction;
  question: string;
  citizenName: string | null;
  phone: string | null;
  dueAt: DateTime;
  link: string;
}

const REMINDER_OPENING: Record<ReminderKind, string> = {
  assignee: 'Herinnering: dit contactverzoek moet binnenkort zijn afgehandeld.',
  coordinator: 'Dit contactverzoek van uw team is nu op de beloofde termijn en nog niet afgehandeld.',
  supervisor: 'Escalatie: dit contactverzoek is over de termijn en nog niet afgehandeld.',
};

export function reminderMail(input: ReminderInput): ComposedMail {
  const lines = [
    REMINDER_OPENING[input.kind],
    '',
    `Nummer: ${input.reference}`,
    ...(input.teamName ? [`Team: ${oneLine(input.teamName)}`] : []),
    `Actie: ${ACTION_WORDS[input.action]}`,
    `Uiterlijk: ${promisedMoment(input.dueAt)}`,
    `Inwoner: ${oneLine(input.citizenName) ?? 'onbekend'}`,
    ...(input.phone ? [`Telefoon: ${displayPhone(input.phone)}`] : []),
    '',
    'Vraag:',
    input.question,
    '',
    `Openen in Balie: ${input.link}`,
  ];
  const label = input.kind === 'supervisor' ? 'Termijn verstreken' : input.kind === 'coordinator' ? 'Termijn bereikt' : 'Herinnering';
  return { subject: `[${input.reference}] ${label}: contactverzoek — uiterlijk ${promisedMoment(input.dueAt)}`, text: `${lines.join('\n')}\n` };
}

export interface DigestLine {
  reference: string;
  action: HandoffAction;
  status: 'open' | 'attempted' | 'completed' | 'misrouted' | 'cancelled';
  citizenName: string | null;
  assigneeName: string | null;
  dueAt: DateTime;
}

export interface DigestInput {
  teamName: string;
  /** The start of the working day it is for. */
  date: DateTime;
  now: DateTime;
  /** The team's open hand-offs, nearest due first. */
  lines: DigestLine[];
  link: string;
}

/** The daily digest of a team's open hand-offs, nearest due first; those past their term marked. */
export function digestMail(input: DigestInput): ComposedMail {
  const day = input.date.setLocale('nl').toFormat('cccc d LLLL yyyy');
  const late = input.lines.filter((line) => line.dueAt < input.now).length;
  const lines = [
    `Open contactverzoeken van ${oneLine(input.teamName)} op ${day}: ${input.lines.length}${late ? `, waarvan ${late} over de termijn` : ''}.`,
    '',
    ...input.lines.map((line) =>
      [
        `${line.dueAt < input.now ? '! ' : ''}${line.reference} — ${ACTION_WORDS[line.action]} — uiterlijk ${promisedMoment(line.dueAt)}`,
        `  ${oneLine(line.citizenName) ?? 'onbekend'}${line.assigneeName ? ` · ${oneLine(line.assigneeName)}` : ' · nog niemand'}${line.status === 'attempted' ? ' · al gebeld, niet bereikt' : ''}`,
      ].join('\n'),
    ),
    '',
    `Openen in Balie: ${input.link}`,
  ];
  return { subject: `Dagoverzicht ${oneLine(input.teamName)}: ${input.lines.length} open contactverzoek${input.lines.length === 1 ? '' : 'en'} — ${day}`, text: `${lines.join('\n')}\n` };
}
