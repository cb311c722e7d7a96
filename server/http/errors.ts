// The catalogue of error codes the API answers with, and the one place they become HTTP responses.
// Clients translate codes; the English message is for developers reading logs and curl output.
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.ts';

export type ErrorCode =
  | 'unauthorized'
  | 'invalid_credentials'
  | 'account_disabled'
  // Somebody else chose this agent's password (first admin, added or reset by an admin): the
  // session may only ask who it is, log out and choose a new password (POST /api/auth/password).
  | 'password_change_required'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'invalid_json'
  | 'rate_limited'
  | 'email_taken'
  | 'last_admin'
  | 'no_recipient'
  | 'channel_not_supported'
  | 'interim_not_allowed'
  | 'no_open_answer'
  | 'term_required'
  // The chat's and the inbox's refusals; `extra` tells the client what it needs (who has it, when chat opens).
  | 'already_claimed'
  | 'conversation_closed'
  | 'chat_unavailable'
  | 'not_closed'
  // A canned answer's variable has no value for this conversation ({termijn} without an open
  // answer deadline); `variables` names them. Nothing with a gap is inserted.
  | 'canned_variable_missing'
  // A state-changing request that a page on another origin (a sibling host of the same site
  // included) made the agent's browser send, or one whose body is not JSON (issue 12.4).
  | 'cross_origin_refused'
  | 'unsupported_media_type'
  // Quarantined mail (issue 13.4): another supervisor's retry of the same mail is running; the
  // e-mail channel is not configured on this instance, so a mail cannot be ingested here.
  | 'quarantine_retry_running'
  | 'email_disabled'
  // The back office (issue 14): a hand-off to a colleague who is away (`absentUntil` says until
  // when) or not in the chosen team; a hand-off already completed or sent back; completing a
  // callback other than by the attempt that reached the citizen; a team name in use.
  | 'assignee_absent'
  | 'assignee_not_in_team'
  | 'handoff_not_open'
  // The inbox's own call attempt, when the only callback owed is held by an open hand-off: the
  // back-office team works and meets that one through the hand-off, never the inbox.
  | 'callback_held_by_handoff'
  | 'handoff_wrong_action'
  | 'team_name_taken'
  // Topics (issue 15 §2): a topic name in use; closing without the topic the gemeente requires;
  // a topic that does not exist or is archived.
  | 'topic_name_taken'
  | 'topic_required'
  | 'unknown_topic'
  // API tokens and the export (issue 15 §5, §7): a bearer that is unknown, revoked or expired
  // (RFC 6750 invalid_token); every export slot of this instance is streaming already.
  | 'invalid_token'
  | 'export_busy'
  // The outbox (issue 13.2): only a failed mail can be resent.
  | 'not_failed'
  // Outgoing attachments (issue 16.3): a file whose bytes are no type Balie sends (an HTML page
  // named .png), one over the size limit, a piece of the wrong size or place; a mail naming an
  // upload that is gone or not yet complete.
  | 'attachment_type_refused'
  | 'attachment_too_large'
  | 'upload_piece_invalid'
  | 'upload_not_found'
  | 'upload_incomplete'
  // Issue 16.5: merging a conversation or contact into itself, or a conversation already merged.
  | 'merge_refused'
  | 'internal';

export interface FieldProblem {
  field: string;
  message: string;
  /** What is wrong, for the client to say in its language (issue 16): zod's issue code, or a schema's own (params.code). */
  code?: string;
  /** Values the client's text may name, e.g. the wrong time. */
  params?: Record<string, string | number>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldProblem[],
    /** Extra members of the error object, e.g. the assignee of an already claimed conversation. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const httpErrors = {
  unauthorized: () => new HttpError(401, 'unauthorized', 'Log in first.'),
  invalidCredentials: () => new HttpError(401, 'invalid_credentials', 'E-mail address or password is wrong.'),
  accountDisabled: () => new HttpError(403, 'account_disabled', 'This account is disabled.'),
  passwordChangeRequired: () => new HttpError(403, 'password_change_required', 'Choose a new password first (POST /api/auth/password).'),
  forbidden: () => new HttpError(403, 'forbidden', 'Your role does not allow this.'),
  notFound: (what = 'resource') => new HttpError(404, 'not_found', `No such ${what}.`),
  emailTaken: () => new HttpError(409, 'email_taken', 'An agent with this e-mail address already exists.'),
  lastAdmin: () => new HttpError(409, 'last_admin', 'The last active admin cannot be disabled or demoted.'),
  /** The request is valid but the conversation's state does not allow it. */
  conflict: (code: ErrorCode, message: string) => new HttpError(409, code, message),
  alreadyClaimed: (assignee: { id: number; name: string }) =>
    new HttpError(409, 'already_claimed', `${assignee.name} has this conversation.`, undefined, { assignee }),
  conversationClosed: (message = 'This conversation is closed.') => new HttpError(409, 'conversation_closed', message),
  notClosed: () => new HttpError(409, 'not_closed', 'This conversation is not closed.'),
  cannedVariableMissing: (variables: string[]) =>
    new HttpError(409, 'canned_variable_missing', `This conversation has no value for ${variables.map((name) => `{${name}}`).join(', ')}; the text would have a gap.`, undefined, {
      variables,
    }),
  crossOriginRefused: () => new HttpError(403, 'cross_origin_refused', 'This request did not come from a page of Balie itself.'),
  unsupportedMediaType: () => new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.'),
  chatUnavailable: (service: unknown) => new HttpError(409, 'chat_unavailable', 'Nobody can chat now; leave the question instead.', undefined, { service }),
};

/** Validates `value` against `schema`; a failure is a 400 naming every field that is wrong. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message, ...problemOf(issue) }));
  const summary = fields.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  throw new HttpError(400, 'validation_failed', summary, fields);
}

/** A zod issue's code and values for FieldProblem: a custom issue's params.code wins. */
function problemOf(issue: z.core.$ZodIssue): Pick<FieldProblem, 'code' | 'params'> {
  if (issue.code === 'custom') {
    const { code, ...params } = (issue.params ?? {}) as Record<string, string | number>;
    return typeof code === 'string' ? { code, params } : { code: 'custom' };
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') return { code: issue.code, params: { [issue.code === 'too_small' ? 'minimum' : 'maximum']: Number(issue.code === 'too_small' ? issue.minimum : issue.maximum), origin: issue.origin } };
  if (issue.code === 'invalid_format') return { code: issue.code, params: { format: issue.format } };
  return { code: issue.code };
}

export function errorBody(error: HttpError) {
  return { error: { ...error.extra, code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof HttpError) {
      res.status(error.status).json(errorBody(error));
      return;
    }
    const bodyError = error as { type?: string; status?: number };
    if (bodyError.type === 'entity.parse.failed') {
      res.status(400).json(errorBody(new HttpError(400, 'invalid_json', 'The request body is not valid JSON.')));
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      res.status(413).json(errorBody(new HttpError(413, 'validation_failed', 'The request body is too large.')));
      return;
    }
    log.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    res.status(500).json(errorBody(new HttpError(500, 'internal', 'Something went wrong on our side.')));
  };
}
