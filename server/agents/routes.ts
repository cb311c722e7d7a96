// HTTP routes for logging in and out, and for admins managing agent accounts.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { auditRequest, recordAudit, requestOrigin } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { ipKeyGenerator, limiter } from '../http/rate-limit.ts';
import { agentRequestPatchSchema, agentRequestSchema, createAgentWithTeams, findAgentForLogin, listAgentsWithTeams, temporaryPassword, updateAgentWithTeams } from './agents.ts';
import { changeOwnPassword, passwordChangeSchema } from './own-password.ts';
import { verifyPassword } from './passwords.ts';
import { createSession, deleteSession, sessionCookieName } from './sessions.ts';

interface Options {
  pool: Pool;
  sessionHours: number;
  /** A session's absolute lifetime (issue 12.9); default max(24, sessionHours). */
  sessionAbsoluteHours?: number;
  /** Cookies get the Secure flag and the __Host- prefix when Balie is served over https. */
  secureCookies: boolean;
}

// Validated before anything looks at it: the rate limiters key on the address, and a raw body may
// be a megabyte of text or a 200,000-deep array (issue 12.7).
export const loginSchema = z.strictObject({
  email: z.string().trim().min(1).max(254).transform((email) => email.toLowerCase()),
  password: z.string().min(1).max(1024),
});
type LoginInput = z.infer<typeof loginSchema>;

const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * Public: POST /login. With a session: POST /logout, GET /me, POST /password (the agent's own
 * password; the one way forward for a session whose password somebody else set).
 */
export function authRoutes({ pool, sessionHours, sessionAbsoluteHours = Math.max(24, sessionHours), secureCookies }: Options): Router {
  const router = Router();
  const cookieName = sessionCookieName(secureCookies);
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/' } as const;

  // Failures only (issue 16: a KCC behind one gateway logs in together at shift start). Per
  // client: slows spraying across accounts; per account from one client: slows guessing one
  // password; per account from anywhere: a botnet guessing one account's password gets 30 tries
  // in 15 minutes, not 30 per address. The price is that such an attack can keep that account
  // out for the window — the agent then asks an admin (docs/security.md).
  const failures = { windowMs: LOGIN_WINDOW_MS, skipSuccessfulRequests: true } as const;
  const login = (res: Response): LoginInput => res.locals.login as LoginInput;
  const perClient = limiter({ ...failures, limit: 50 });
  const perClientAccount = limiter({ ...failures, limit: 10, keyGenerator: (req, res) => `${ipKeyGenerator(req.ip ?? '')}|${login(res).email}` });
  const perAccount = limiter({ ...failures, limit: 30, keyGenerator: (_req, res) => `account|${login(res).email}` });
  const parseLogin: RequestHandler = (req, res, next) => {
    res.locals.login = validate(loginSchema, req.body);
    next();
  };

  router.post('/login', perClient, parseLogin, perClientAccount, perAccount, async (req, res) => {
    const { email, password } = login(res);
    const agent = await findAgentForLogin(pool, email);
    const origin = requestOrigin(req);
    // Same answer, same time, for an unknown address and a wrong password.
    if (!(await verifyPassword(agent?.passwordHash, password)) || !agent) {
      // Who tried which address from where: the trail of a password-guessing attack (issue 12.14).
      await recordAudit(pool, { agentId: agent?.id ?? null, action: 'agent.login_failed', subjectType: 'agent', subjectId: agent?.id, details: { email, reason: 'invalid_credentials' }, ...origin });
      throw httpErrors.invalidCredentials();
    }
    if (agent.disabled) {
      await recordAudit(pool, { agentId: agent.id, action: 'agent.login_failed', subjectType: 'agent', subjectId: agent.id, details: { email, reason: 'account_disabled' }, ...origin });
      throw httpErrors.accountDisabled();
    }
    const token = await createSession(pool, agent.id, sessionHours, req.get('user-agent'), sessionAbsoluteHours);
    await recordAudit(pool, { agentId: agent.id, action: 'agent.logged_in', subjectType: 'agent', subjectId: agent.id, ...origin });
    // The browser keeps the cookie for the absolute lifetime; the server ends it sooner when idle.
    res.cookie(cookieName, token, { ...cookieOptions, maxAge: sessionAbsoluteHours * 3_600_000 });
    // passwordMustChange: the inbox shows only "choose a new password"; the API refuses the rest.
    res.json({ agent: { id: agent.id, email: agent.email, name: agent.name, role: agent.role, passwordMustChange: agent.passwordMustChange } });
  });

  // Failures only, as for login: a stolen session cannot guess the current password quickly.
  const passwordKey = (req: Request) => `agent|${req.agent!.id}`;
  const passwordPerClient = limiter({ ...failures, limit: 50 });
  const passwordPerAgent = limiter({ ...failures, limit: 10, keyGenerator: passwordKey });
  const sessionRequired: RequestHandler = (req, _res, next) => next(req.agent ? undefined : httpErrors.unauthorized());

  router.post('/password', sessionRequired, passwordPerClient, passwordPerAgent, async (req, res) => {
    const agent = req.agent!;
    const change = validate(passwordChangeSchema, req.body);
    const origin = requestOrigin(req);
    const changed = await changeOwnPassword(pool, agent.id, change, { hours: sessionHours, absoluteHours: sessionAbsoluteHours, userAgent: req.get('user-agent') });
    if (changed === 'wrong_password') {
      await recordAudit(pool, { agentId: agent.id, action: 'agent.password_change_failed', subjectType: 'agent', subjectId: agent.id, details: { reason: 'wrong_password' }, ...origin });
      throw httpErrors.invalidCredentials();
    }
    await recordAudit(pool, { agentId: agent.id, action: 'agent.password_changed', subjectType: 'agent', subjectId: agent.id, details: { wasRequired: agent.passwordMustChange }, ...origin });
    res.cookie(cookieName, changed.token, { ...cookieOptions, maxAge: sessionAbsoluteHours * 3_600_000 });
    res.json({ agent: { id: agent.id, email: agent.email, name: agent.name, role: agent.role, passwordMustChange: false } });
  });

  router.post('/logout', async (req, res) => {
    if (req.sessionToken) await deleteSession(pool, req.sessionToken);
    if (req.agent) await recordAudit(pool, { agentId: req.agent.id, action: 'agent.logged_out', subjectType: 'agent', subjectId: req.agent.id, ...requestOrigin(req) });
    clearSession(res);
    res.status(204).end();
  });

  router.get('/me', (req, res) => {
    if (!req.agent) throw httpErrors.unauthorized();
    res.json({ agent: req.agent });
  });

  function clearSession(res: Response) {
    res.clearCookie(cookieName, cookieOptions);
  }

  return router;
}

const idParam = z.object({ id: z.coerce.number().int().positive() });

const unknownTeam = () => new HttpError(400, 'validation_failed', 'A team in the request does not exist.', [{ field: 'teamIds', message: 'unknown team', code: 'unknown_team' }]);

/**
 * Admin only: GET /, POST /, PATCH /:id, POST /:id/password. Agents come with their teams' ids.
 * An agent added without a password, and every reset, gets a temporary password that the answer
 * carries once (the admin hands it over); it is never stored in clear, logged or audited.
 */
export function agentRoutes({ pool, events }: { pool: Pool; events: DomainEvents }): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ agents: await listAgentsWithTeams(pool) });
  });

  router.post('/', async (req, res) => {
    const input = validate(agentRequestSchema, req.body);
    const created = await createAgentWithTeams(pool, input);
    if (created === 'email_taken') throw httpErrors.emailTaken();
    if (created === 'unknown_team') throw unknownTeam();
    const { agent } = created;
    await auditRequest(pool, req, { action: 'agent.created', subjectType: 'agent', subjectId: agent.id, details: { role: agent.role, teamIds: agent.teamIds, temporaryPassword: created.temporaryPassword !== undefined } });
    res.status(201).json(created);
  });

  router.patch('/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const patch = validate(agentRequestPatchSchema, req.body);
    const agent = await updateAgentWithTeams(pool, id, patch);
    if (agent === 'not_found') throw httpErrors.notFound('agent');
    if (agent === 'last_admin') throw httpErrors.lastAdmin();
    if (agent === 'unknown_team') throw unknownTeam();
    if (patch.disabled === true || patch.password !== undefined) {
      events.emit('agent.sessions_revoked', { agentId: id, reason: patch.disabled ? 'disabled' : 'logged_out' });
    }
    const changed = Object.keys(patch).filter((key) => key !== 'password');
    await auditRequest(pool, req, {
      action: 'agent.updated',
      subjectType: 'agent',
      subjectId: id,
      details: {
        changed,
        ...(patch.password ? { passwordChanged: true } : {}),
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(patch.teamIds ? { teamIds: agent.teamIds } : {}),
      },
    });
    res.json({ agent });
  });

  // A reset ends the agent's sessions at once, as a password change does.
  router.post('/:id/password', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const password = temporaryPassword();
    const agent = await updateAgentWithTeams(pool, id, { password });
    if (agent === 'not_found') throw httpErrors.notFound('agent');
    if (typeof agent === 'string') throw new Error(`unexpected outcome of a password reset: ${agent}`);
    events.emit('agent.sessions_revoked', { agentId: id, reason: 'logged_out' });
    await auditRequest(pool, req, { action: 'agent.password_reset', subjectType: 'agent', subjectId: id });
    res.json({ agent, temporaryPassword: password });
  });

  return router;
}
