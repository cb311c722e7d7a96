// Express middleware that turns the session cookie into `req.agent` and guards routes by role.
import { parseCookie } from 'cookie';
import type { RequestHandler } from 'express';
import type { Role } from '../agents/agents.ts';
import { agentForSession, SECURE_SESSION_COOKIE, SESSION_COOKIE, type SessionAgent } from '../agents/sessions.ts';
import type { Db } from '../db/index.ts';
import { httpErrors } from './errors.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `authenticate` when the request carries a valid session. */
      agent?: SessionAgent;
      sessionToken?: string;
    }
  }
}

/**
 * The session token in a Cookie header. `secure` true (https) reads only the `__Host-` cookie, so
 * a cookie a sibling host planted under the plain name is never taken for a session (issue 12.9);
 * false reads only the plain name; left out, the `__Host-` cookie wins over the plain one.
 */
export function sessionTokenFrom(cookieHeader: string | undefined, secure?: boolean): string | undefined {
  if (!cookieHeader) return undefined;
  const cookies = parseCookie(cookieHeader);
  if (secure === true) return cookies[SECURE_SESSION_COOKIE] || undefined;
  if (secure === false) return cookies[SESSION_COOKIE] || undefined;
  return cookies[SECURE_SESSION_COOKIE] || cookies[SESSION_COOKIE] || undefined;
}

/** Attaches the logged-in agent, if any; never refuses by itself. `secure`: see sessionTokenFrom. */
export function authenticate(db: Db, sessionHours: number, secure?: boolean): RequestHandler {
  return async (req, _res, next) => {
    const token = sessionTokenFrom(req.headers.cookie, secure);
    if (token) {
      req.sessionToken = token;
      req.agent = await agentForSession(db, token, sessionHours);
    }
    next();
  };
}

/**
 * The /api paths a session whose password somebody else set may reach: who am I, log out, choose a
 * new password (and logging in again). Exact paths: anything else — a trailing slash, another
 * case — is refused, failing closed.
 */
const OPEN_UNTIL_PASSWORD_CHOSEN = new Set(['/auth/me', '/auth/logout', '/auth/password', '/auth/login']);

/**
 * 403 password_change_required for every other /api route while the session's agent must choose
 * their own password (the first admin, an agent an admin added or reset). Mounted right after
 * `authenticate`, so public and token routes below it are covered too; a request with only an API
 * token (no session cookie) carries no agent and passes.
 */
export const refuseUntilPasswordChosen: RequestHandler = (req, _res, next) => {
  next(req.agent?.passwordMustChange && !OPEN_UNTIL_PASSWORD_CHOSEN.has(req.path) ? httpErrors.passwordChangeRequired() : undefined);
};

/** 401 without a session. Mounted in front of every /api route that is not public. */
export const requireAgent: RequestHandler = (req, _res, next) => {
  if (!req.agent) return next(httpErrors.unauthorized());
  // Back-office staff see their hand-offs and teams, never the KCC inbox (issue 14 §1).
  next(req.agent.role === 'backoffice' && !BACK_OFFICE_PATHS.test(req.path) ? httpErrors.forbidden() : undefined);
};

/** The /api paths (below the public ones) that role backoffice may call. */
const BACK_OFFICE_PATHS = /^\/(backoffice|teams)(\/|$)/;

// backoffice ranks below agent: requireRole('agent') keeps it out of the KCC's routes.
const RANK: Record<Role, number> = { backoffice: -1, agent: 0, supervisor: 1, admin: 2 };

/** 403 unless the agent's role is at least `role` (backoffice < agent < supervisor < admin). */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (!req.agent) return next(httpErrors.unauthorized());
    next(RANK[req.agent.role] >= RANK[role] ? undefined : httpErrors.forbidden());
  };
}
