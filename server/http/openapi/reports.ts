// The teamleider dashboard's figures (issue 15 §1, §3, §4) and the norm compliance report.
import { reportQuery } from '../../deadlines/routes.ts';
import { drillFilter } from '../../reports/drill.ts';
import { kpiQuery, periodQuery, seriesQuery } from '../../reports/routes.ts';
import { z } from 'zod';
import { area, json } from './registry.ts';
import { rows } from './schemas.ts';
import { kpiReportSchema, kpiSeriesSchema } from './reports-schemas.ts';

const compliance = z.looseObject({ from: z.string(), to: z.string(), counting: z.string(), norms: z.record(z.string(), z.unknown()), lines: z.array(z.looseObject({})) });
const supervisors = ['supervisor', 'admin'] as const;

export default area('Reports', 'KPIs over any period split by channel, team, agent and topic; chart series; drill-down lists; norm compliance.', [
  { method: 'get', path: '/api/reports/compliance', summary: 'Norms met per milestone kind over a period', access: 'session', roles: supervisors, query: reportQuery, responses: { 200: json('The report', compliance) } },
  { method: 'get', path: '/api/reports/overview', summary: "Today's counters and who is online", access: 'session', roles: supervisors, responses: { 200: json('The overview', z.looseObject({ open: z.number().int(), breached: z.number().int(), dueSoon: z.number().int(), waitingChats: z.number().int(), agentsOnline: z.number().int(), compliance })) } },
  { method: 'get', path: '/api/reports/kpis', summary: "Every KPI of domain.md over a period, with splits", access: 'session', roles: supervisors, query: kpiQuery, responses: { 200: json('The KPIs', kpiReportSchema) } },
  { method: 'get', path: '/api/reports/series', summary: 'Chart series over a period', access: 'session', roles: supervisors, query: seriesQuery, responses: { 200: json('The series', kpiSeriesSchema) } },
  { method: 'get', path: '/api/reports/drill', summary: "The conversations behind a counter or a chart's segment", access: 'session', roles: supervisors, query: z.object({ ...periodQuery.shape, ...drillFilter.shape }), responses: { 200: json('A page of the list', z.looseObject({ measure: z.string(), total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), rows: rows('conversationId', 'reference', 'channel', 'status', 'at', 'milestone') })) } },
]);
