// Express middleware that turns the session cookie into `req.agent` and guards routes by role.
import { parseCookie } from 'cookie';
import type { RequestHandler } from 'express';
import type { Role } from '../agents/agents.ts';
import { agentForSession, SESSION_COOKIE, type SessionAgent } from '../agents/sessions.ts';
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

export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE] || undefined;
}

/** Attaches the logged-in agent, if any; never refuses by itself. */
export function authenticate(db: Db, sessionHours: number): RequestHandler {
  return async (req, _res, next) => {
    const token = sessionTokenFrom(req.headers.cookie);
    if (token) {
      req.sessionToken = token;
      req.agent = await agentForSession(db, token, sessionHours);
    }
    next();
  };
}

/** 401 without a session. Mounted in front of every /api route that is not public. */
export const requireAgent: RequestHandler = (req, _res, next) => {
  next(req.agent ? undefined : httpErrors.unauthorized());
};

const RANK: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2 };

/** 403 unless the agent's role is at least `role` (agent < supervisor < admin). */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (!req.agent) return next(httpErrors.unauthorized());
    next(RANK[req.agent.role] >= RANK[role] ? undefined : httpErrors.forbidden());
  };
}
