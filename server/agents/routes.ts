// HTTP routes for logging in and out, and for admins managing agent accounts.
import { Router, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { requireRole } from '../http/auth.ts';
import { httpErrors, validate } from '../http/errors.ts';
import { ipKeyGenerator, limiter } from '../http/rate-limit.ts';
import { agentPatchSchema, createAgent, findAgentForLogin, listAgents, newAgentSchema, updateAgent } from './agents.ts';
import { verifyPassword } from './passwords.ts';
import { createSession, deleteSession, SESSION_COOKIE } from './sessions.ts';

interface Options {
  pool: Pool;
  sessionHours: number;
  /** Cookies get the Secure flag when Balie is served over https. */
  secureCookies: boolean;
}

const loginSchema = z.strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });

/** Public: POST /login. With a session: POST /logout, GET /me. */
export function authRoutes({ pool, sessionHours, secureCookies }: Options): Router {
  const router = Router();
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/' } as const;

  // Per address: slows password guessing for one account; per client: slows spraying across accounts.
  const perAccount = limiter({ windowMs: 15 * 60_000, limit: 10, keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.email ?? '').toLowerCase()}` });
  const perClient = limiter({ windowMs: 15 * 60_000, limit: 50 });

  router.post('/login', perClient, perAccount, async (req, res) => {
    const { email, password } = validate(loginSchema, req.body);
    const agent = await findAgentForLogin(pool, email);
    // Same answer, same time, for an unknown address and a wrong password.
    if (!(await verifyPassword(agent?.passwordHash, password)) || !agent) throw httpErrors.invalidCredentials();
    if (agent.disabled) throw httpErrors.accountDisabled();
    const token = await createSession(pool, agent.id, sessionHours, req.get('user-agent'));
    await recordAudit(pool, { agentId: agent.id, action: 'agent.logged_in', subjectType: 'agent', subjectId: agent.id });
    res.cookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: sessionHours * 3_600_000 });
    res.json({ agent: { id: agent.id, email: agent.email, name: agent.name, role: agent.role } });
  });

  router.post('/logout', async (req, res) => {
    if (req.sessionToken) await deleteSession(pool, req.sessionToken);
    clearSession(res);
    res.status(204).end();
  });

  router.get('/me', (req, res) => {
    if (!req.agent) throw httpErrors.unauthorized();
    res.json({ agent: req.agent });
  });

  function clearSession(res: Response) {
    res.clearCookie(SESSION_COOKIE, cookieOptions);
  }

  return router;
}

const idParam = z.object({ id: z.coerce.number().int().positive() });

/** Admin only: GET /, POST /, PATCH /:id. */
export function agentRoutes({ pool, events }: { pool: Pool; events: DomainEvents }): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ agents: await listAgents(pool) });
  });

  router.post('/', async (req, res) => {
    const input = validate(newAgentSchema, req.body);
    const agent = await createAgent(pool, input);
    if (agent === 'email_taken') throw httpErrors.emailTaken();
    await recordAudit(pool, { agentId: req.agent!.id, action: 'agent.created', subjectType: 'agent', subjectId: agent.id, details: { role: agent.role } });
    res.status(201).json({ agent });
  });

  router.patch('/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const patch = validate(agentPatchSchema, req.body);
    const agent = await updateAgent(pool, id, patch);
    if (agent === 'not_found') throw httpErrors.notFound('agent');
    if (agent === 'last_admin') throw httpErrors.lastAdmin();
    if (patch.disabled === true || patch.password !== undefined) {
      events.emit('agent.sessions_revoked', { agentId: id, reason: patch.disabled ? 'disabled' : 'logged_out' });
    }
    const changed = Object.keys(patch).filter((key) => key !== 'password');
    await recordAudit(pool, {
      agentId: req.agent!.id,
      action: 'agent.updated',
      subjectType: 'agent',
      subjectId: id,
      details: { changed, ...(patch.password ? { passwordChanged: true } : {}), ...(patch.role ? { role: patch.role } : {}), ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}) },
    });
    res.json({ agent });
  });

  return router;
}
