// The express application: security headers, health, the API and the static front ends.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import helmet from 'helmet';
import { agentRoutes, authRoutes } from '../agents/index.ts';
import { agentChatRoutes, publicChatRoutes, type Chat } from '../chat/index.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { isMigrated, withDeadline } from '../db/index.ts';
import { agentForSession } from '../agents/sessions.ts';
import { publicDeadlineRoutes, reportRoutes, settingsRoutes } from '../deadlines/index.ts';
import type { CalendarRecompute } from '../deadlines/calendar-recompute.ts';
import { reconcileRoutes } from '../reconcile/index.ts';
import { quarantineRoutes } from '../mail/quarantine-routes.ts';
import { outboxRoutes } from '../mail/outbox-routes.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import { authenticate, refuseUntilPasswordChosen, requireAgent, sessionTokenFrom } from './auth.ts';
import { errorHandler, httpErrors } from './errors.ts';
import { sameOriginOnly } from './same-origin.ts';
import { staticRoutes } from './static.ts';
import { auditRoutes } from '../audit.ts';
import { cannedRoutes } from '../canned/index.ts';
import { backofficeRoutes, teamRoutes } from '../backoffice/index.ts';
import { inboxEvents, sessionRoom } from '../inbox/events.ts';
import { inboxRoutes } from '../inbox/routes.ts';
import { outgoingRoutes } from '../inbox/outgoing-routes.ts';
import { signatureRoutes } from '../signatures/index.ts';
import type { MailChannel } from '../mail/index.ts';
import { overviewRoutes } from '../reports/index.ts';
import { topicRoutes } from '../topics/index.ts';
import { apiTokenRoutes } from '../api-tokens/index.ts';
import { exportRoutes } from '../export/index.ts';
import { publicPageRoutes, publicPageSettingsRoutes } from '../public-page/index.ts';
import { openApiRoutes } from './openapi/routes.ts';

export interface HttpDependencies {
  config: Config;
  database: Database;
  events: DomainEvents;
  log: Logger;
  /** The e-mail channel, when IMAP is configured. */
  mail?: MailChannel;
  chat: Chat;
  /** The durable calendar recompute a settings change waits for. */
  recompute: CalendarRecompute;
}

export function createHttpApp({ config, database, events, log, mail, chat, recompute }: HttpDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const secure = config.publicUrl.protocol === 'https:';

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': secure ? [] : null,
        },
      },
      strictTransportSecurity: secure,
    }),
  );

  // Anonymous callers (a load balancer, anyone on the internet) get the status only; a logged-in
  // agent or a HEALTH_TOKEN bearer also gets what the operator needs — host names and errors
  // included (issue 12.11). Its own deadlines: a frozen or unreachable database must not hold
  // the probe (issue 13.10), so it answers within about a second either way.
  app.get('/healthz', async (req, res) => {
    const databaseOk = await withDeadline(isMigrated(database.pool, database.migrationIds), HEALTH_DATABASE_MS).catch((error: unknown) => {
      // The outage itself is logged once by the database monitor, not on every probe.
      log.debug({ err: error }, 'health check: database unreachable');
      return false;
    });
    database.observed(databaseOk);
    res.set('Cache-Control', 'no-store');
    res.status(databaseOk ? 200 : 503);
    const status = databaseOk ? 'ok' : 'unavailable';
    if (!(await mayReadHealthDetails(req, databaseOk))) {
      res.json({ status });
      return;
    }
    // Only the database decides the status: a mail server that is down must not take the chat
    // and the inbox out of the load balancer. Its state is reported for operators and the inbox.
    const email = mail?.health();
    res.json({
      status,
      checks: { database: status, email: email ? email.imap : 'disabled' },
      details: { database: database.health(), ...(email ? { email } : {}) },
    });
  });

  async function mayReadHealthDetails(req: express.Request, databaseOk: boolean): Promise<boolean> {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && config.healthToken !== undefined) {
      const given = createHash('sha256').update(bearer).digest();
      const expected = createHash('sha256').update(config.healthToken).digest();
      if (timingSafeEqual(given, expected)) return true;
    }
    const token = sessionTokenFrom(req.headers.cookie, secure);
    // Without a database no session can be checked: then only the token shows the details.
    if (!token || !databaseOk) return false;
    const agent = await withDeadline(agentForSession(database.pool, token, config.sessionHours), HEALTH_SESSION_MS).catch(() => undefined);
    return agent !== undefined && !agent.passwordMustChange;
  }

  const api = Router();
  // The widget's endpoints, called from gemeente websites: CORS and rate limits of their own, and
  // before the session lookup (they never use a session, and need no database round trip for one).
  api.use(
    '/public',
    express.json({ limit: '64kb' }),
    publicChatRoutes({ chat, widgetOrigins: config.widgetOrigins, publicOrigin: config.publicUrl.origin, rateLimits: config.rateLimits, uploads: { pool: database.pool, events, limits: config.chatUploads } }),
  );
  // Every state change of the agents' API must come from Balie's own pages (issue 12.4).
  api.use(sameOriginOnly(config.publicUrl.origin));
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(database.pool, config.sessionHours, secure));
  api.use(refuseUntilPasswordChosen);
  // Logging out ends that browser's live connection too, once the session is gone (issue 6).
  api.post('/auth/logout', (req, res, next) => {
    const token = req.sessionToken;
    const agentId = req.agent?.id;
    if (token && agentId !== undefined) {
      res.on('finish', () => {
        if (res.statusCode < 300) inboxEvents(events).emit('session.logged_out', { agentId, room: sessionRoom(token) });
      });
    }
    next();
  });
  api.use('/auth', authRoutes({ pool: database.pool, sessionHours: config.sessionHours, sessionAbsoluteHours: config.sessionAbsoluteHours, secureCookies: secure }));
  // Public: the norms and their deadlines, so citizens can see what the gemeente promises.
  api.use(publicDeadlineRoutes({ pool: database.pool }));
  // Supervisors, admins and API tokens (Bearer, accepted on these routes only): before requireAgent.
  api.use('/export', exportRoutes({ pool: database.pool, log }));
  api.use(openApiRoutes({ pool: database.pool }));
  // Everything below needs a logged-in agent; public endpoints are mounted above this line.
  api.use(requireAgent);
  api.use('/agents', agentRoutes({ pool: database.pool, events }));
  api.use('/settings', settingsRoutes({ pool: database.pool, log, recompute }));
  // Reconcile scans every conversation: on the pool without a statement timeout.
  api.use('/reconcile', reconcileRoutes({ pool: database.maintenancePool, log }));
  api.use('/quarantine', quarantineRoutes({ pool: database.pool, mail, log }));
  api.use(outboxRoutes({ pool: database.pool, events }));
  api.use('/reports', reportRoutes({ pool: database.pool }), overviewRoutes({ pool: database.pool, presence: chat.presence }));
  api.use(agentChatRoutes({ chat, pool: database.pool }));
  api.use(inboxRoutes({ pool: database.pool, from: () => config.mail?.from, chat, events }));
  api.use(cannedRoutes({ pool: database.pool }));
  api.use(outgoingRoutes({ pool: database.pool, events, limits: config.outgoingAttachments, from: () => config.mail?.from, referencePrefix: config.referencePrefix }), signatureRoutes({ pool: database.pool, from: () => config.mail?.from }));
  api.use('/teams', teamRoutes({ pool: database.pool, freeBusy: config.freeBusy }));
  api.use('/topics', topicRoutes({ pool: database.pool }));
  api.use('/backoffice', backofficeRoutes({ pool: database.pool, events, from: () => config.mail?.from, publicUrl: config.publicUrl.href, referencePrefix: config.referencePrefix, freeBusy: config.freeBusy }));
  api.use(auditRoutes({ db: database.pool }));
  api.use('/api-tokens', apiTokenRoutes({ pool: database.pool }));
  api.use('/settings/public-page', publicPageSettingsRoutes({ pool: database.pool }));
  api.use((_req, _res, next) => next(httpErrors.notFound('endpoint')));
  api.use(errorHandler(log));
  app.use('/api', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  }, api);

  // The public norm page, before the inbox's catch-all; its own CSP lets the gemeente's sites frame it.
  app.use('/prestaties', publicPageRoutes({ pool: database.pool, widgetOrigins: config.widgetOrigins, perMinute: config.rateLimits.publicPerMinute }));
  app.use(staticRoutes({ publicUrl: config.publicUrl, widgetOrigins: config.widgetOrigins, securityContacts: config.securityContacts }));
  app.use(errorHandler(log));
  return app;
}

// /healthz: the database check and the session lookup each get a part of one second.
const HEALTH_DATABASE_MS = 700;
const HEALTH_SESSION_MS = 250;
