// Quarantined mail for supervisors (GET /api/quarantine, POST …/retry, …/dismiss, GET …/raw).
import { api } from './http.ts';

// The list's rows as the server builds them: one declaration for server and inbox.
export type { QuarantinedMail } from '../../../server/mail/quarantine.ts';
import type { QuarantinedMail } from '../../../server/mail/quarantine.ts';

export type RetryResult =
  | { outcome: 'stored' | 'duplicate'; messageId: number; conversationId: number | null }
  | { outcome: 'failed'; reasonCode: string; reason: string; attempts: number };

export function quarantined(): Promise<{ mails: QuarantinedMail[]; total: number }> {
  return api('GET', '/api/quarantine');
}

export function retryQuarantined(id: number): Promise<RetryResult> {
  return api('POST', `/api/quarantine/${id}/retry`);
}

export function dismissQuarantined(id: number, reason: string): Promise<void> {
  return api('POST', `/api/quarantine/${id}/dismiss`, { reason });
}

/** The raw mail as a download (the server sends it as an attachment, never to be rendered). */
export function rawUrl(id: number): string {
  return `/api/quarantine/${id}/raw`;
}
