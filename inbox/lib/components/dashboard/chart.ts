// What a dashboard chart shows, apart from how: points (x label × series → value), each with the
// drill-down segment it opens, so the chart's marks and its data table open the same lists.
import type { DrillSegment, PeriodQuery } from '../../api/reports.ts';

export interface ChartPoint {
  /** The x position: a day, a week's Monday, or a wait bucket. */
  label: string;
  /** The series, as shown (translated). */
  series: string;
  value: number | null;
  /** The list this point opens (its own period when it is a slice of the dashboard's). */
  drill?: { segment: DrillSegment; period: PeriodQuery; title: string };
}

export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart shows, for screen readers (aria-description of the SVG). */
  description: string;
  kind: 'bars' | 'lines';
  points: ChartPoint[];
  series: string[];
  /** Target lines (dashed), e.g. the 80% of FCR. */
  targets: { value: number; label: string }[];
  unit: '%' | '';
  /** The table's first column header. */
  labelHeader: string;
}

/** Accessible colours on white (≥ 3:1 against the background, distinguishable in the table anyway). */
export const PALETTE = ['#1f5fa6', '#c25b00', '#2e7d32', '#6a3d9a', '#b3261e', '#5f6b7a'];

const DAY = 86_400_000;
const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The custom period of one interval [start, start + 1 day or week), clipped to the dashboard's. */
export function sliceOf(start: string, interval: 'day' | 'week', period: { from: string; to: string }): PeriodQuery {
  const from = start < period.from ? period.from : start;
  const end = addDays(start, interval === 'day' ? 1 : 7);
  return { period: 'custom', from, to: end > period.to ? period.to : end };
}

export { addDays };
