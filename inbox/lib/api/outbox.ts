// The outbox for supervisors and agents (GET /api/outbox, POST /api/outbox/:id/resend; issue 13.2).
import { api } from './http.ts';

// The list's rows as the server builds them: one declaration for server and inbox.
export type { OutboxEntry } from '../../../server/mail/outbox.ts';
import type { OutboxEntry } from '../../../server/mail/outbox.ts';

/** Mail that waits (queued or being retried) or failed; supervisors get all, agents their own conversations'. */
export function outboxEntries(state: 'waiting' | 'failed'): Promise<{ entries: OutboxEntry[] }> {
  return api('GET', `/api/outbox?state=${state}`);
}

/** Queues a failed mail again, with a new retry window (audited). */
export function resendMail(id: number): Promise<{ id: number; state: 'queued' }> {
  return api('POST', `/api/outbox/${id}/resend`);
}
