// The CSV export (issue 15 §5) and this description: the routes an API token may call.
import { datasetParam, exportQuery } from '../../export/routes.ts';
import { area } from './registry.ts';

export const exportArea = area('Export', 'CSV of conversations, contacts, milestones and hand-offs for a period, streamed; columns in docs/export.md.', [
  {
    method: 'get',
    path: '/api/export/:dataset.csv',
    summary: 'A dataset of a period as CSV (RFC 4180), streamed',
    access: 'sessionOrToken',
    roles: ['supervisor', 'admin'],
    params: datasetParam,
    query: exportQuery,
    responses: { 200: { description: 'The rows, header first', contentType: 'text/csv' } },
    errors: ['export_busy', 'rate_limited'],
  },
]);

export default area('Description', 'This description of the API, as JSON and as a page.', [
  { method: 'get', path: '/api/openapi.json', summary: 'This OpenAPI 3.1 description', access: 'sessionOrToken', responses: { 200: { description: 'The description', contentType: 'application/json' } } },
  { method: 'get', path: '/api/docs', summary: 'This description as a readable page', access: 'sessionOrToken', responses: { 200: { description: 'The page', contentType: 'text/html' } } },
]);
