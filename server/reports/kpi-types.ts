// The KPI engine's REST contract (issue 15 §1, §3, §8): the response types of GET /api/reports/kpis
// and GET /api/reports/series, and the live event that says today's figures changed. The inbox
// imports these with `import type` (inbox/lib/api/reports.ts); nothing here does I/O.
//
// ── Routes (supervisor or admin; 403 otherwise; every query zod-validated, 400 validation_failed) ──
//
// GET /api/reports/kpis?period=today|week|month|custom&at=YYYY-MM-DD&from=YYYY-MM-DD&to=YYYY-MM-DD&split=channel,team,agent,topic
//   period  today (default), week (ISO week, Monday first), month, or custom.
//   at      for today/week/month: a day inside the wanted period (default: today in the gemeente's
//           zone), so the dashboard can step back: period=month&at=2026-10-01 is October 2026.
//   from,to for custom (required there, ignored otherwise): calendar days in Europe/Amsterdam,
//           `to` exclusive — [from 00:00, to 00:00). At most 366 days.
//   split   comma-separated dimensions (any of channel, team, agent, topic); each one adds a list
//           of KpiGroup rows to `splits`. Without it `splits` is {}.
//   → KpiReport
//
// GET /api/reports/series?period=…&at=…&from=…&to=…&interval=day|week&series=compliance,volume,fcr,callbacks,chatWait
//   The same period parameters; interval day (default for today/week/custom up to 31 days) or week
//   (default for longer periods). `series` selects which series to compute (default: all).
//   → KpiSeries (only the requested members are present)
//
// Live: the agent namespace's `reports.changed` event (server → supervisors and admins only)
//   carries ReportsChanged: a cheap invalidation, sent at most once per 2 s (trailing debounce,
//   capped: a steady stream of work still yields one event every 2 s, never starves). The dashboard
//   refetches GET /api/reports/kpis?period=today (and the series) when it arrives. Chosen over
//   pushing the figures: which splits and period a dashboard shows is the client's choice, and the
//   today query is cheap (one day of raw rows).
//
// ── How each figure is counted (domain.md "KPIs") ──────────────────────────────────────────────
// * Milestone figures (acknowledged, answered, pickup, callback compliance) count milestones by their
//   DUE time in [from, to): met on time ÷ (met on time + met late + breached); open ones (not yet
//   due, or suspended) are beside; not-applicable ones are excluded and counted beside.
// * FCR, outcomes and repeats count conversations by their CLOSE time in [from, to).
//   FCR = closed as afgehandeld in eerste contact, without a hand-off and without a repeat contact
//   within 7 days, ÷ ALL closed (every outcome, abandoned chats included; facts.ts CLOSED_COLUMNS).
// * CSAT counts ratings by the rating's time; volume counts conversations by creation time.
// * Chat pickup counts chats by the pickup milestone's due time (queueing + N s): picked up within
//   N s, late, abandoned (with the wait at which they left), still waiting; median wait of picked-up chats.
// * Splits: channel = the conversation's channel; agent = the conversation's assignee (for
//   not-applicable milestones the figures still follow the assignee; `notApplicable.byAgent`
//   names who ended them); team = the teams that agent belongs to NOW (an agent in two teams counts
//   in both, so team rows may add up to more than the total; conversations without an agent fall
//   in the team row `null`); topic = the topic the conversation was closed with (null: none).
// * Callbacks (terugbelverzoeken) are the callback milestones: within term = met on time, late =
//   met late, never = breached or ended without contact, open = not yet due. For per-team figures of
//   the back office (the hand-off's team), `backoffice` carries server/backoffice/kpis.ts's figures.

import type { TeamFigures } from '../backoffice/kpis.ts';

/** The milestone kinds reported (as stored; `handoff`: a hand-off's own milestone, issue 14). */
export type KpiMilestoneKind = 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';

export type KpiChannel = 'chat' | 'email' | 'phone';
export const KPI_CHANNELS: readonly KpiChannel[] = ['chat', 'email', 'phone'];

export type KpiPeriodKind = 'today' | 'week' | 'month' | 'custom';
export const KPI_PERIOD_KINDS: readonly KpiPeriodKind[] = ['today', 'week', 'month', 'custom'];

export type KpiSplit = 'channel' | 'team' | 'agent' | 'topic';
export const KPI_SPLITS: readonly KpiSplit[] = ['channel', 'team', 'agent', 'topic'];

export type SeriesName = 'compliance' | 'volume' | 'fcr' | 'callbacks' | 'chatWait';
export const SERIES_NAMES: readonly SeriesName[] = ['compliance', 'volume', 'fcr', 'callbacks', 'chatWait'];

export type SeriesInterval = 'day' | 'week';

/** The resolved period: calendar days in Europe/Amsterdam, `to` exclusive. */
export interface KpiPeriod {
  kind: KpiPeriodKind;
  /** YYYY-MM-DD, first day counted. */
  from: string;
  /** YYYY-MM-DD, first day NOT counted. */
  to: string;
  /** The same as instants: ISO 8601 with offset (midnight in Europe/Amsterdam). */
  fromInstant: string;
  toInstant: string;
  zone: 'Europe/Amsterdam';
}

/** Compliance of one milestone kind (or a group of kinds) over the period, by due time. */
export interface MilestoneKpi {
  metOnTime: number;
  metLate: number;
  breached: number;
  /** Not yet decided: open, due soon or suspended (waiting on the citizen). */
  open: number;
  /** Ended as not applicable: excluded from the percentage. */
  notApplicable: number;
  /** metOnTime ÷ (metOnTime + metLate + breached) in percent, one decimal; null when none decided. */
  percentOnTime: number | null;
  /** The active norm's target for the kind, in percent (null: the norm sets none). */
  target: number | null;
  meetsTarget: boolean | null;
}

export interface FcrKpi {
  /** Conversations and phone contacts closed in the period, whatever the outcome — abandoned chats included (domain.md: "÷ all closed"). */
  closed: number;
  /** Closed as afgehandeld in eerste contact (before the repeat check). */
  closedFirstContact: number;
  /** Of those, the ones followed by a contact of the same citizen within 7 days: not FCR after all. */
  repeatedWithin7Days: number;
  /** closedFirstContact − repeatedWithin7Days. */
  firstContactResolved: number;
  /** firstContactResolved ÷ closed, percent, one decimal; null when nothing closed. */
  percent: number | null;
  /** The national goal: 80. */
  target: 80;
  meetsTarget: boolean | null;
  /** Closed per outcome; together they are `closed` (abandoned shown beside FCR, and counted in its denominator). */
  outcomes: { handled_first_contact: number; back_office: number; callback_requested: number; no_answer_needed: number; abandoned: number };
}

export interface CallbackKpi {
  total: number;
  withinTerm: number;
  late: number;
  /** Still open past the term, or ended without reaching the citizen. */
  never: number;
  /** Not yet due and not yet reached. */
  open: number;
  /** withinTerm ÷ (withinTerm + late + never), percent; null when none decided. */
  withinTermPercent: number | null;
}

export interface ChatKpi {
  /** The pickup norm's threshold in seconds (null: the norm has no pickup term). */
  thresholdSeconds: number | null;
  /** Chats queued (pickup milestones due in the period, any state). */
  queued: number;
  pickedUpWithinTerm: number;
  pickedUpLate: number;
  abandoned: number;
  /** Still waiting for an agent. */
  waiting: number;
  /** pickedUpWithinTerm ÷ (pickedUpWithinTerm + pickedUpLate), percent; null when none picked up. */
  percentWithinTerm: number | null;
  /** Median seconds from queueing to pickup of the picked-up chats; null when none. */
  medianWaitSeconds: number | null;
  /** Median seconds the abandoning citizens waited before they left; null when none. */
  abandonedMedianWaitSeconds: number | null;
  target: number | null;
}

export interface CsatKpi {
  responses: number;
  /** Mean score 1–5, two decimals; null without responses. */
  mean: number | null;
  /** Ratings of 4 or 5. */
  satisfied: number;
  /** satisfied ÷ responses, percent, one decimal; null without responses. */
  percentSatisfied: number | null;
}

export interface RepeatKpi {
  /** Contacts created in the period within 7 days after a closed one of the same citizen (e-mail or phone), any channel. */
  repeatContacts: number;
  /** Contacts created in the period (the base of `percent`). */
  contacts: number;
  /** repeatContacts ÷ contacts, percent; null without contacts. */
  percent: number | null;
}

export interface NotApplicableKpi {
  total: number;
  byReason: Partial<Record<'auto_reply' | 'spam' | 'duplicate' | 'withdrawn' | 'abandoned' | 'handed_to_back_office' | 'handed_to_callback' | 'closed_before_tracking', number>>;
  /** Per agent whose action ended them (agentId null: the citizen's doing, or Balie's). */
  byAgent: { agentId: number | null; agentName: string | null; count: number }[];
}

/** Open work as it stands NOW (not bound to the period). */
export interface BacklogKpi {
  open: number;
  breached: number;
  dueSoon: number;
  waitingChats: number;
}

/** Every KPI for one slice of the period (the whole, or one split's group). */
export interface KpiFigures {
  /**
   * Conversations created in the period, in all and per channel. Per channel is known for the
   * total and the channel groups (the other channels 0 there); agent, team and topic groups have
   * null (the rollups keep each dimension apart).
   */
  volume: { total: number; chat: number | null; email: number | null; phone: number | null };
  acknowledged: MilestoneKpi;
  /** Answer milestones: `answer` and `complexAnswer` together. */
  answered: MilestoneKpi;
  /** Per milestone kind, for the compliance table. */
  milestones: Record<KpiMilestoneKind, MilestoneKpi>;
  fcr: FcrKpi;
  callbacks: CallbackKpi;
  chat: ChatKpi;
  csat: CsatKpi;
  repeats: RepeatKpi;
  notApplicable: NotApplicableKpi;
  backlog: BacklogKpi;
}

export interface KpiGroupKey {
  split: KpiSplit;
  /** channel name, or the team's, agent's or topic's id; null: none (no team, no agent, no topic). */
  id: string | number | null;
  /** Display name (channel code for channel; the client translates those). */
  name: string | null;
}

export interface KpiGroup extends KpiGroupKey {
  figures: KpiFigures;
}

export interface KpiReport {
  period: KpiPeriod;
  /** ISO 8601 with offset: when these figures were computed. */
  generatedAt: string;
  /** The active norm: its id and name, for headings ("Norm: VNG"). */
  norm: { id: string; name: string };
  total: KpiFigures;
  splits: Partial<Record<KpiSplit, KpiGroup[]>>;
  /** The back office's hand-off figures per team (server/backoffice/kpis.ts), hand-offs due in the period. */
  backoffice: TeamFigures[];
}

// ── Series ───────────────────────────────────────────────────────────────────────────────────────

export interface CompliancePoint {
  /** YYYY-MM-DD: the first day of the day or week (Monday). */
  start: string;
  kind: KpiMilestoneKind;
  metOnTime: number;
  metLate: number;
  breached: number;
  open: number;
  notApplicable: number;
  percentOnTime: number | null;
  target: number | null;
}

export interface VolumePoint {
  start: string;
  chat: number;
  email: number;
  phone: number;
  total: number;
}

export interface FcrPoint {
  start: string;
  closed: number;
  firstContactResolved: number;
  percent: number | null;
  target: 80;
}

export interface CallbackPoint {
  start: string;
  withinTerm: number;
  late: number;
  never: number;
  open: number;
}

/** Chat waits in buckets [fromSeconds, toSeconds) (toSeconds null: and longer). */
export interface ChatWaitBucket {
  fromSeconds: number;
  toSeconds: number | null;
  /** Picked up after waiting this long. */
  pickedUp: number;
  /** Left (abandoned) after waiting this long. */
  abandoned: number;
}

/** The bucket bounds the chat wait distribution uses (seconds). */
export const CHAT_WAIT_BOUNDS: readonly number[] = [0, 10, 20, 30, 60, 120, 300];

export interface KpiSeries {
  period: KpiPeriod;
  interval: SeriesInterval;
  generatedAt: string;
  compliance?: CompliancePoint[];
  volume?: VolumePoint[];
  fcr?: FcrPoint[];
  callbacks?: CallbackPoint[];
  /** Over the whole period (not per interval). */
  chatWait?: ChatWaitBucket[];
}

/** The live invalidation (agent namespace, supervisors and admins). */
export interface ReportsChanged {
  /** YYYY-MM-DD: the day whose figures changed (today, in the gemeente's zone). */
  day: string;
  /** ISO 8601: when the first of the changes it covers happened. */
  since: string;
}
