// `Authorization: Bearer <api token>` for the few routes that accept one (the export; later the
// OpenAPI description). Everywhere else a bearer is no credential: requireAgent answers 401.
import type { Request, RequestHandler } from 'express';
import { recordAudit, requestOrigin, type AuditEntry } from '../audit.ts';
import type { Db } from '../db/index.ts';
import { HttpError, httpErrors } from '../http/errors.ts';
import { identifyBearer, type ApiTokenScope } from './tokens.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `acceptApiToken` when the request carries a usable API token. */
      apiToken?: { id: number; name: string; scopes: ApiTokenScope[] };
    }
  }
}

// RFC 6750 §3: a 401 names the scheme and why; a missing scope is a 403 insufficient_scope.
const invalidToken = () => new HttpError(401, 'invalid_token', 'This API token is unknown, revoked or expired.');

/**
 * Accepts an API token with `scope` in place of a session. Without an Authorization header it
 * passes the request on untouched (the session, if any, decides). With one, only the token
 * counts — a session cookie beside it is dropped, so one request never acts as two identities.
 * A revoked or expired token is refused and its attempt audited with the token's id.
 */
export function acceptApiToken(db: Db, scope: ApiTokenScope): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const secret = /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
    req.agent = undefined;
    res.set('WWW-Authenticate', `Bearer realm="balie", scope="${scope}"`);
    if (secret === undefined) return next(invalidToken());
    const identity = await identifyBearer(db, secret);
    if (identity.kind === 'unknown') return next(invalidToken());
    if (identity.kind === 'refused') {
      await recordAudit(db, {
        agentId: null,
        action: 'api_token.refused',
        subjectType: 'api_token',
        subjectId: identity.token.id,
        details: { apiTokenId: identity.token.id, reason: identity.reason, path: req.originalUrl.split('?')[0] },
        ...requestOrigin(req),
      });
      return next(invalidToken());
    }
    if (!identity.token.scopes.includes(scope)) return next(httpErrors.forbidden());
    res.removeHeader('WWW-Authenticate');
    req.apiToken = identity.token;
    next();
  };
}

/**
 * An audit entry for a request made with a session or an API token: the agent's id, or none
 * and the token's id and name in the details, so every use of a token is found by its id.
 */
export function auditCaller(db: Db, req: Request, entry: Omit<AuditEntry, 'agentId' | 'ip' | 'userAgent'>): Promise<void> {
  const token = req.apiToken;
  return recordAudit(db, {
    ...entry,
    agentId: token ? null : (req.agent?.id ?? null),
    details: { ...entry.details, ...(token ? { apiTokenId: token.id, apiTokenName: token.name } : {}) },
    ...requestOrigin(req),
  });
}
