// The mail channel's maintenance: quarantined mail, the outbox, reconcile.
import { listQuery as outboxQuery } from '../../mail/outbox-routes.ts';
import { dismissBody, listQuery as quarantineQuery } from '../../mail/quarantine-routes.ts';
import { z } from 'zod';
import { area, idParams, json } from './registry.ts';
import { rows } from './schemas.ts';

const reconcileReport = z.looseObject({ checkedAt: z.string(), clean: z.boolean(), repaired: z.boolean() });
const supervisors = ['supervisor', 'admin'] as const;

export default area('Mail', 'Quarantined incoming mail, the outbox of outgoing mail, and reconciling conversations.', [
  { method: 'get', path: '/api/quarantine', summary: 'Quarantined mails', access: 'session', roles: supervisors, query: quarantineQuery, responses: { 200: json('The mails', z.looseObject({ mails: rows('id'), total: z.number().int() })) } },
  { method: 'get', path: '/api/quarantine/:id/raw', summary: 'A quarantined mail as it arrived', access: 'session', roles: supervisors, params: idParams, responses: { 200: { description: 'The raw mail', contentType: 'message/rfc822' } } },
  { method: 'post', path: '/api/quarantine/:id/retry', summary: 'Ingest a quarantined mail again', access: 'session', roles: supervisors, params: idParams, responses: { 200: json('The outcome: stored again, or failed again with the reason', z.looseObject({ outcome: z.string() })) }, errors: ['quarantine_retry_running', 'email_disabled'] },
  { method: 'post', path: '/api/quarantine/:id/dismiss', summary: 'Dismiss a quarantined mail, with a reason', access: 'session', roles: supervisors, params: idParams, body: dismissBody, responses: { 204: { description: 'Dismissed' } } },
  { method: 'get', path: '/api/outbox', summary: 'Outgoing mail and its delivery state', access: 'session', query: outboxQuery, responses: { 200: json('The outbox', z.looseObject({ entries: rows('id') })) } },
  { method: 'post', path: '/api/outbox/:id/resend', summary: 'Send a failed mail again', access: 'session', roles: supervisors, params: idParams, responses: { 200: json('Queued again', z.looseObject({ id: z.number().int(), state: z.literal('queued') })) }, errors: ['not_failed'] },
  { method: 'get', path: '/api/reconcile', summary: 'Conversations whose stored state differs from their messages', access: 'session', roles: ['admin'], responses: { 200: json('The differences', reconcileReport) } },
  { method: 'post', path: '/api/reconcile/repair', summary: 'Repair the differences found', access: 'session', roles: ['admin'], responses: { 200: json('Repaired: the report after the repair', reconcileReport) } },
]);
