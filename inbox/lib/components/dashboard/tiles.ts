// The dashboard's KPI tiles (domain.md "KPIs"), as data: a headline figure and its counters, each
// counter with the drill-down segment it opens. Not-applicable counts stand beside the figures.
import type { BackofficeFigures } from '../../api/backoffice.ts';
import type { DrillSegment, KpiFigures } from '../../api/reports.ts';
import { i18n, type MessageKey } from '../../i18n/index.svelte.ts';

export interface Counter {
  label: string;
  /** A count (opens its list when it has a segment and is not 0), or a text figure. */
  value: number | string;
  segment?: DrillSegment;
}

export interface Tile {
  id: string;
  title: string;
  headline: string;
  note?: string;
  /** The headline is off target. */
  miss?: boolean;
  counters: Counter[];
}

const locale = () => (i18n.lang === 'nl' ? 'nl-NL' : 'en-GB');
export const number = (value: number, digits = 1) => value.toLocaleString(locale(), { maximumFractionDigits: digits });
export const percent = (value: number | null) => (value === null ? '–' : `${number(value)}%`);
const seconds = (value: number | null) => (value === null ? '–' : `${number(value)} s`);
const duration = (value: number | null) => (value === null ? '–' : value < 3600 ? `${Math.round(value / 60)} min` : `${number(value / 3600)} h`);
const t = (key: string, values: Record<string, string> = {}) => i18n.t(key as MessageKey, values);

function milestoneTile(id: string, kind: string, figures: KpiFigures['acknowledged']): Tile {
  const state = (measure: 'metOnTime' | 'metLate' | 'breached' | 'open' | 'notApplicable'): Counter => ({ label: t(`dashboard.state.${measure}`), value: figures[measure], segment: { measure: `milestone.${measure}`, kind } });
  return {
    id,
    title: t(`dashboard.tile.${id}`),
    headline: percent(figures.percentOnTime),
    note: figures.target === null ? t('dashboard.no_target') : t('dashboard.target', { value: percent(figures.target) }),
    miss: figures.meetsTarget === false,
    counters: [state('metOnTime'), state('metLate'), state('breached'), state('open'), state('notApplicable')],
  };
}

export function tilesOf(figures: KpiFigures, backoffice: BackofficeFigures | null): Tile[] {
  const { volume, fcr, callbacks, chat, csat, repeats, notApplicable, backlog } = figures;
  const totals = backoffice?.totals;
  return [
    {
      id: 'volume',
      title: t('dashboard.tile.volume'),
      headline: String(volume.total),
      counters: [
        { label: t('dashboard.all'), value: volume.total, segment: { measure: 'volume' } },
        ...(['chat', 'email', 'phone'] as const).map((channel) => ({ label: t(`channel.${channel}`), value: volume[channel] ?? 0, segment: { measure: 'volume' as const, channel } })),
      ],
    },
    milestoneTile('acknowledged', 'acknowledgement', figures.acknowledged),
    milestoneTile('answered', 'answered', figures.answered),
    {
      id: 'fcr',
      title: t('dashboard.tile.fcr'),
      headline: percent(fcr.percent),
      note: t('dashboard.target', { value: percent(fcr.target) }),
      miss: fcr.meetsTarget === false,
      counters: [
        { label: t('dashboard.fcr.closed'), value: fcr.closed, segment: { measure: 'fcr.closed' } },
        { label: t('dashboard.fcr.first'), value: fcr.closedFirstContact, segment: { measure: 'fcr.closedFirstContact' } },
        { label: t('dashboard.fcr.repeated'), value: fcr.repeatedWithin7Days, segment: { measure: 'fcr.repeatedWithin7Days' } },
        { label: t('dashboard.fcr.resolved'), value: fcr.firstContactResolved, segment: { measure: 'fcr.firstContactResolved' } },
      ],
    },
    {
      id: 'callbacks',
      title: t('dashboard.tile.callbacks'),
      headline: percent(callbacks.withinTermPercent),
      counters: [
        { label: t('dashboard.callbacks.withinTerm'), value: callbacks.withinTerm, segment: { measure: 'callbacks.withinTerm' } },
        { label: t('dashboard.callbacks.late'), value: callbacks.late, segment: { measure: 'callbacks.late' } },
        { label: t('dashboard.callbacks.never'), value: callbacks.never, segment: { measure: 'callbacks.never' } },
        { label: t('dashboard.callbacks.open'), value: callbacks.open, segment: { measure: 'callbacks.open' } },
        { label: t('figures.first_attempt'), value: duration(totals?.medianSecondsToFirstAttempt ?? null) },
        { label: t('figures.misrouted'), value: percent(totals?.misroutedPercent ?? null) },
      ],
    },
    {
      id: 'chat',
      title: t('dashboard.tile.chat'),
      headline: percent(chat.percentWithinTerm),
      note: chat.thresholdSeconds === null ? t('dashboard.no_target') : t('dashboard.chat.within', { seconds: String(chat.thresholdSeconds) }),
      miss: chat.target !== null && chat.percentWithinTerm !== null && chat.percentWithinTerm < chat.target,
      counters: [
        { label: t('dashboard.chat.pickedUpWithinTerm'), value: chat.pickedUpWithinTerm, segment: { measure: 'chat.pickedUpWithinTerm' } },
        { label: t('dashboard.chat.pickedUpLate'), value: chat.pickedUpLate, segment: { measure: 'chat.pickedUpLate' } },
        { label: t('dashboard.chat.abandoned'), value: chat.abandoned, segment: { measure: 'chat.abandoned' } },
        { label: t('dashboard.chat.waiting'), value: chat.waiting, segment: { measure: 'chat.waiting' } },
        { label: t('dashboard.chat.median'), value: seconds(chat.medianWaitSeconds) },
        { label: t('dashboard.chat.abandoned_median'), value: seconds(chat.abandonedMedianWaitSeconds) },
      ],
    },
    {
      id: 'csat',
      title: t('dashboard.tile.csat'),
      headline: csat.mean === null ? '–' : number(csat.mean, 2),
      note: t('dashboard.csat.satisfied_share', { value: percent(csat.percentSatisfied) }),
      counters: [
        { label: t('dashboard.csat.responses'), value: csat.responses, segment: { measure: 'csat.responses' } },
        { label: t('dashboard.csat.satisfied'), value: csat.satisfied, segment: { measure: 'csat.satisfied' } },
      ],
    },
    {
      id: 'repeats',
      title: t('dashboard.tile.repeats'),
      headline: percent(repeats.percent),
      counters: [
        { label: t('dashboard.repeats.count'), value: repeats.repeatContacts, segment: { measure: 'repeats' } },
        { label: t('dashboard.repeats.contacts'), value: repeats.contacts, segment: { measure: 'volume' } },
      ],
    },
    {
      id: 'not_applicable',
      title: t('dashboard.tile.not_applicable'),
      headline: String(notApplicable.total),
      note: t('dashboard.not_applicable_note'),
      counters: [
        { label: t('dashboard.all'), value: notApplicable.total, segment: { measure: 'notApplicable' } },
        ...Object.entries(notApplicable.byReason).map(([reason, count]) => ({ label: t(`ended.${reason}`), value: count ?? 0, segment: { measure: 'notApplicable' as const, reason } })),
        ...notApplicable.byAgent.map((line) => ({ label: t('dashboard.ended_by', { name: line.agentName ?? i18n.t('supervisor.citizen') }), value: line.count })),
      ],
    },
    {
      id: 'backlog',
      title: t('dashboard.tile.backlog'),
      headline: String(backlog.open),
      note: t('dashboard.backlog_note'),
      counters: [
        { label: t('supervisor.open'), value: backlog.open, segment: { measure: 'backlog.open' } },
        { label: t('supervisor.breached'), value: backlog.breached, segment: { measure: 'backlog.breached' } },
        { label: t('supervisor.due_soon'), value: backlog.dueSoon, segment: { measure: 'backlog.dueSoon' } },
        { label: t('supervisor.waiting_chats'), value: backlog.waitingChats, segment: { measure: 'backlog.waitingChats' } },
      ],
    },
  ];
}
