// The CSV export (issue 15 §5) and this description: the routes an API token may call.
import { z } from 'zod';
import { DATASETS } from '../../export/datasets.ts';
import { area } from './registry.ts';

export const exportArea = area('Export', 'CSV of conversations, contacts, milestones and hand-offs for a period, streamed; columns in docs/export.md.', [
  {
    method: 'get',
    path: '/api/export/:dataset.csv',
    summary: 'A dataset of a period as CSV (RFC 4180), streamed',
    access: 'sessionOrToken',
    roles: ['supervisor', 'admin'],
    params: z.strictObject({ dataset: z.enum(DATASETS) }),
    query: z.strictObject({
      from: z.string().optional().describe('First day (YYYY-MM-DD, Europe/Amsterdam) or instant'),
      to: z.string().optional().describe('Day after the last, or instant'),
      bom: z.enum(['true', 'false', '1', '0']).default('false').describe('UTF-8 byte order mark, for Excel'),
      delimiter: z.enum(['comma', 'semicolon']).default('comma'),
    }),
    responses: { 200: { description: 'The rows, header first', contentType: 'text/csv' } },
    errors: ['export_busy', 'rate_limited'],
  },
]);

export default area('Description', 'This description of the API, as JSON and as a page.', [
  { method: 'get', path: '/api/openapi.json', summary: 'This OpenAPI 3.1 description', access: 'sessionOrToken', responses: { 200: { description: 'The description', contentType: 'application/json' } } },
  { method: 'get', path: '/api/docs', summary: 'This description as a readable page', access: 'sessionOrToken', responses: { 200: { description: 'The page', contentType: 'text/html' } } },
]);
