// The error responses, described from the one catalogue (server/http/errors.ts): every code and
// the HTTP status it is answered with. A code added to ErrorCode must be added here too — the
// Record makes the type check fail until it is.
import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  account_disabled: 403,
  password_change_required: 403,
  forbidden: 403,
  cross_origin_refused: 403,
  not_found: 404,
  validation_failed: 400,
  invalid_json: 400,
  upload_piece_invalid: 400,
  attachment_type_refused: 415,
  unsupported_media_type: 415,
  attachment_too_large: 413,
  rate_limited: 429,
  email_taken: 409,
  last_admin: 409,
  no_recipient: 409,
  channel_not_supported: 409,
  interim_not_allowed: 409,
  no_open_answer: 409,
  term_required: 409,
  already_claimed: 409,
  conversation_closed: 409,
  chat_unavailable: 409,
  not_closed: 409,
  canned_variable_missing: 409,
  quarantine_retry_running: 409,
  email_disabled: 409,
  assignee_absent: 409,
  assignee_not_in_team: 409,
  handoff_not_open: 409,
  callback_held_by_handoff: 409,
  handoff_wrong_action: 409,
  team_name_taken: 409,
  topic_name_taken: 409,
  topic_required: 400,
  unknown_topic: 400,
  export_busy: 429,
  not_failed: 409,
  upload_not_found: 409,
  upload_incomplete: 409,
  merge_refused: 409,
  internal: 500,
};


const fieldProblem = z.looseObject({
  field: z.string(),
  message: z.string(),
  code: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

/** The body of every error: `{ error: { code, message, fields?, …extra } }` (errorBody). */
export function errorSchema(codes: readonly ErrorCode[]) {
  return z.strictObject({
    error: z.looseObject({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      fields: z.array(fieldProblem).optional(),
    }),
  });
}

/** The codes a route answers, grouped by status (the body-too-large 413 is validation_failed too). */
export function errorsByStatus(codes: Iterable<ErrorCode>): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}
