// The five charts of issue 15 §3 from the series: compliance per milestone kind per week against
// the target, volume per channel per day, FCR per week against 80%, callbacks within/late/never per
// week, and the chat wait distribution. Each point carries the list it opens.
import type { KpiPeriod, KpiSeries } from '../../api/reports.ts';
import { i18n, type MessageKey } from '../../i18n/index.svelte.ts';
import { sliceOf, type ChartPoint, type ChartSpec } from './chart.ts';
import { percent } from './tiles.ts';

const t = (key: string, values: Record<string, string> = {}) => i18n.t(key as MessageKey, values);
const day = (iso: string) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(i18n.lang === 'nl' ? 'nl-NL' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const week = (iso: string) => t('dashboard.week_of', { day: day(iso) });

export function chartsOf(period: KpiPeriod, weekly: KpiSeries, daily: KpiSeries): ChartSpec[] {
  const weekSlice = (start: string) => sliceOf(start, weekly.interval, period);
  const weekLabel = (start: string) => (weekly.interval === 'week' ? week(start) : day(start));
  const kinds = [...new Set((weekly.compliance ?? []).filter((point) => point.metOnTime + point.metLate + point.breached > 0).map((point) => point.kind))];
  const targets = [...new Map((weekly.compliance ?? []).filter((point) => kinds.includes(point.kind) && point.target !== null).map((point) => [point.target!, point])).keys()];
  const compliance: ChartPoint[] = (weekly.compliance ?? [])
    .filter((point) => kinds.includes(point.kind))
    .map((point) => ({
      label: weekLabel(point.start),
      series: t(`kind.${point.kind}`),
      value: point.percentOnTime,
      drill: { segment: { measure: 'milestone.metOnTime', kind: point.kind }, period: weekSlice(point.start), title: `${t(`kind.${point.kind}`)}, ${t('dashboard.state.metOnTime')}, ${weekLabel(point.start)}` },
    }));
  const channels = ['chat', 'email', 'phone'] as const;
  const volume: ChartPoint[] = (daily.volume ?? []).flatMap((point) =>
    channels.map((channel) => ({
      label: day(point.start),
      series: t(`channel.${channel}`),
      value: point[channel],
      drill: { segment: { measure: 'volume' as const, channel }, period: sliceOf(point.start, 'day', period), title: `${t('dashboard.tile.volume')}, ${t(`channel.${channel}`)}, ${day(point.start)}` },
    })),
  );
  const fcr: ChartPoint[] = (weekly.fcr ?? []).map((point) => ({
    label: weekLabel(point.start),
    series: t('dashboard.tile.fcr'),
    value: point.percent,
    drill: { segment: { measure: 'fcr.firstContactResolved' }, period: weekSlice(point.start), title: `${t('dashboard.fcr.resolved')}, ${weekLabel(point.start)}` },
  }));
  const states = ['withinTerm', 'late', 'never', 'open'] as const;
  const callbacks: ChartPoint[] = (weekly.callbacks ?? []).flatMap((point) =>
    states.map((state) => ({
      label: weekLabel(point.start),
      series: t(`dashboard.callbacks.${state}`),
      value: point[state],
      drill: { segment: { measure: `callbacks.${state}` as const }, period: weekSlice(point.start), title: `${t('dashboard.tile.callbacks')}, ${t(`dashboard.callbacks.${state}`)}, ${weekLabel(point.start)}` },
    })),
  );
  const bucket = (from: number, to: number | null) => (to === null ? t('dashboard.wait.longer', { from: String(from) }) : t('dashboard.wait.range', { from: String(from), to: String(to) }));
  const whole = { period: 'custom' as const, from: period.from, to: period.to };
  const waits: ChartPoint[] = (weekly.chatWait ?? []).flatMap((point) =>
    (['pickedUp', 'abandoned'] as const).map((waited) => ({
      label: bucket(point.fromSeconds, point.toSeconds),
      series: t(`dashboard.wait.${waited}`),
      value: point[waited],
      drill: {
        segment: { measure: 'chat.wait' as const, waitFrom: point.fromSeconds, ...(point.toSeconds === null ? {} : { waitTo: point.toSeconds }), waited },
        period: whole,
        title: `${t(`dashboard.wait.${waited}`)}, ${bucket(point.fromSeconds, point.toSeconds)}`,
      },
    })),
  );
  const interval = t(weekly.interval === 'week' ? 'dashboard.per_week' : 'dashboard.per_day');
  return [
    {
      id: 'chart-compliance',
      title: t('dashboard.chart.compliance', { interval }),
      description: t('dashboard.chart.compliance_description'),
      kind: 'lines',
      points: compliance,
      series: kinds.map((kind) => t(`kind.${kind}`)),
      targets: targets.map((value) => ({ value, label: t('dashboard.target', { value: percent(value) }) })),
      unit: '%',
      labelHeader: t('dashboard.period_column'),
    },
    {
      id: 'chart-volume',
      title: t('dashboard.chart.volume'),
      description: t('dashboard.chart.volume_description'),
      kind: 'bars',
      points: volume,
      series: channels.map((channel) => t(`channel.${channel}`)),
      targets: [],
      unit: '',
      labelHeader: t('dashboard.day_column'),
    },
    {
      id: 'chart-fcr',
      title: t('dashboard.chart.fcr', { interval }),
      description: t('dashboard.chart.fcr_description'),
      kind: 'lines',
      points: fcr,
      series: [t('dashboard.tile.fcr')],
      targets: [{ value: 80, label: t('dashboard.target', { value: percent(80) }) }],
      unit: '%',
      labelHeader: t('dashboard.period_column'),
    },
    {
      id: 'chart-callbacks',
      title: t('dashboard.chart.callbacks', { interval }),
      description: t('dashboard.chart.callbacks_description'),
      kind: 'bars',
      points: callbacks,
      series: states.map((state) => t(`dashboard.callbacks.${state}`)),
      targets: [],
      unit: '',
      labelHeader: t('dashboard.period_column'),
    },
    {
      id: 'chart-wait',
      title: t('dashboard.chart.wait'),
      description: t('dashboard.chart.wait_description'),
      kind: 'bars',
      points: waits,
      series: [t('dashboard.wait.pickedUp'), t('dashboard.wait.abandoned')],
      targets: [],
      unit: '',
      labelHeader: t('dashboard.wait.column'),
    },
  ];
}
