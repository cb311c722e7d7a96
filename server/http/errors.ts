// The catalogue of error codes the API answers with, and the one place they become HTTP responses.
// Clients translate codes; the English message is for developers reading logs and curl output.
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.ts';

export type ErrorCode =
  | 'unauthorized'
  | 'invalid_credentials'
  | 'account_disabled'
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
  | 'internal';

export interface FieldProblem {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const httpErrors = {
  unauthorized: () => new HttpError(401, 'unauthorized', 'Log in first.'),
  invalidCredentials: () => new HttpError(401, 'invalid_credentials', 'E-mail address or password is wrong.'),
  accountDisabled: () => new HttpError(403, 'account_disabled', 'This account is disabled.'),
  forbidden: () => new HttpError(403, 'forbidden', 'Your role does not allow this.'),
  notFound: (what = 'resource') => new HttpError(404, 'not_found', `No such ${what}.`),
  emailTaken: () => new HttpError(409, 'email_taken', 'An agent with this e-mail address already exists.'),
  lastAdmin: () => new HttpError(409, 'last_admin', 'The last active admin cannot be disabled or demoted.'),
  /** The request is valid but the conversation's state does not allow it. */
  conflict: (code: ErrorCode, message: string) => new HttpError(409, code, message),
};

/** Validates `value` against `schema`; a failure is a 400 naming every field that is wrong. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
  const summary = fields.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  throw new HttpError(400, 'validation_failed', summary, fields);
}

export function errorBody(error: HttpError) {
  return { error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
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
