// The composition root: wires database, HTTP, realtime and background work into one running Balie.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteExpiredSessions, ensureFirstAdmin } from './agents/index.ts';
import { Chat, deleteExpiredChatSessions, PresenceTracker } from './chat/index.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/index.ts';
import { endPool } from './db/index.ts';
import { createPool, releaseClientsWhenTheyEnd } from './db/pool.ts';
import { DeadlineScheduler, ensureServiceSettings } from './deadlines/index.ts';
import { CalendarRecompute } from './deadlines/calendar-recompute.ts';
import { DomainEvents } from './domain-events.ts';
import { HandoffReminders } from './backoffice/index.ts';
import { createHttpApp } from './http/app.ts';
import { MailChannel } from './mail/index.ts';
import type { Logger } from './log.ts';
import { createRealtime, type Realtime } from './realtime/server.ts';
import { ReportsLive, RollupJob } from './reports/index.ts';

export interface Balie {
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  database: Database;
  realtime: Realtime;
  events: DomainEvents;
  stop(): Promise<void>;
}

export interface StartOptions {
  events?: DomainEvents;
  /**
   * The embedded PostgreSQL died and could not be restarted: Balie cannot serve any more. `npm
   * start` stops and exits non-zero, so that a supervisor starts it again (issue 13.1).
   */
  onDatabaseLost?(error: Error): void;
}

/**
 * Starts Balie. `options.events` lets a caller (a test, an embedding process) listen to domain
 * events raised during start itself, such as breaches that fell while Balie was down.
 */
export async function startBalie(config: Config, log: Logger, options: StartOptions = {}): Promise<Balie> {
  const database = await openDatabase(config, log, { onGiveUp: options.onDatabaseLost });
  try {
    await ensureFirstAdmin(database.pool, config, log);
    if (await ensureServiceSettings(database.pool, config.serviceSeed)) {
      log.info({ norm: config.serviceSeed.normId }, 'seeded the service settings from NORM, BUSINESS_HOURS, CHAT_HOURS and CLOSURE_DAYS');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  const events = options.events ?? new DomainEvents();
  // The database URL, whether given or that of the embedded server: the scheduler's LISTEN
  // connection and the Socket.IO adapter's pool connect to the same database.
  const connectionString = database.pool.options.connectionString!;
  // Their own connections carry their role in application_name (pg_stat_activity tells who is
  // who) and the pool's statement, lock and idle-in-transaction timeouts.
  const mailConnections = database.connectionStringFor('mail');
  const schedulerConnection = database.connectionStringFor('scheduler');
  // Two connections: the adapter's LISTEN, and one for publishing. One publishing connection keeps
  // broadcasts to other instances in the order they were made; this instance's sockets get each
  // broadcast at once, before its NOTIFY (server/realtime/adapter.ts).
  const adapterPool = createPool(connectionString, log, 2, { role: 'realtime' });
  releaseClientsWhenTheyEnd(adapterPool);
  const mail = config.mail
    ? new MailChannel({ pool: database.pool, connectionString: mailConnections, config: config.mail, referencePrefix: config.referencePrefix, events, log })
    : undefined;
  if (!mail) log.info('IMAP_HOST is not set: Balie runs without the e-mail channel');
  const presence = new PresenceTracker({ pool: database.pool, events, log, instanceId: randomUUID(), heartbeatSeconds: config.presenceHeartbeatSeconds });
  const chat = new Chat({
    pool: database.pool,
    events,
    log,
    presence,
    referencePrefix: config.referencePrefix,
    sessionHours: config.chatSessionHours,
    abandonSeconds: config.chatAbandonSeconds,
    mail: config.mail ? { from: config.mail.from, autoAck: config.mail.autoAck, automaticMail: config.mail.automaticMail } : undefined,
  });
  // Settings changes wait for it; the scheduler resumes what a crash or a lost connection left.
  // Its pass waits for another instance's and walks every open milestone: no statement timeout.
  const recompute = new CalendarRecompute({ pool: database.maintenancePool, log });
  const app = createHttpApp({ config, database, events, log, mail, chat, recompute });
  const httpServer = http.createServer(app);
  const realtime = createRealtime({
    httpServer,
    db: database.pool,
    sessionHours: config.sessionHours,
    agentOrigin: config.publicUrl.origin,
    widgetOrigins: config.widgetOrigins,
    log,
    chat,
    trustProxy: config.trustProxy,
    widgetLimits: { socketPerMinute: config.rateLimits.widgetSocketPerMinute, ipPerMinute: config.rateLimits.widgetIpPerMinute },
    sockets: config.sockets,
    adapterPool,
  });
  realtime.listen(events);
  const scheduler = new DeadlineScheduler({ pool: database.pool, connectionString: schedulerConnection, events, log, recompute });

  // Hand-off reminders and escalation (issue 14): each sent once across instances by its key.
  const reminders = new HandoffReminders({ pool: database.pool, from: () => config.mail?.from, publicUrl: config.publicUrl.href, log });
  // KPI rollups and live figures (issue 15): a job over whole days, fed by the domain events.
  const reportsLive = new ReportsLive(database.pool, events, log);
  reportsLive.listen();
  const rollups = new RollupJob(database.maintenancePool, log);

  const sweeper = setInterval(() => {
    deleteExpiredSessions(database.pool).catch((error: unknown) => log.warn({ err: error }, 'could not delete expired sessions'));
    deleteExpiredChatSessions(database.pool).catch((error: unknown) => log.warn({ err: error }, 'could not delete expired chat sessions'));
  }, 60 * 60_000);
  sweeper.unref();

  // Raises at once what fell due while Balie was down, then sleeps until the next transition.
  // Before listening: once /healthz answers, Balie is fully up (and stops cleanly on a signal).
  await scheduler.start();
  mail?.start();
  presence.start();
  reminders.start();
  rollups.start();

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(sweeper);
    await reminders.stop();
    await rollups.stop();
    await presence.stop();
    await mail?.stop();
    await scheduler.stop();
    await recompute.stop();
    await realtime.close();
    await endPool(adapterPool);
    await database.close();
    throw error;
  }
  const address = httpServer.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url, publicUrl: config.publicUrl.href }, 'Balie is listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    database,
    realtime,
    events,
    stop() {
      // Order matters: stop accepting and let running requests finish their writes, close the
      // sockets, and only then close the database they write to.
      stopping ??= (async () => {
        clearInterval(sweeper);
        // With the database away (down, restarting, frozen) no step that writes to it can finish:
        // each gets a moment instead of waiting out its timeouts, and the whole stop stays well
        // inside main.ts's hard limit (issue 13.11). With the database there, steps finish.
        const reachable = await database.ping(STOP_PING_MS);
        const step = stepBound(reachable ? STEP_MS : OUTAGE_STEP_MS, Date.now() + STEPS_BUDGET_MS, log);
        if (!reachable) log.warn('stopping while the database is unreachable: not waiting for writes that cannot finish');
        // Before the sockets close: this instance's agents stop counting as online at once. The
        // background workers are independent of each other and stop side by side.
        await Promise.all([
          step('presence', presence.stop()),
          step('hand-off reminders', reminders.stop()),
          step('report rollups', Promise.all([rollups.stop(), reportsLive.stop()])),
          step('mail', mail?.stop()),
          step('deadline scheduler', scheduler.stop()),
          step('calendar recompute', recompute.stop()),
        ]);
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        await step('sockets', realtime.close());
        // The sockets closing are Balie stopping, not citizens leaving their chats.
        chat.stopTimers();
        if (!(await step('requests', closed))) httpServer.closeAllConnections();
        await endPool(adapterPool, reachable ? undefined : OUTAGE_STEP_MS);
        await database.close({ quick: !reachable });
        log.info(reachable ? 'Balie stopped' : 'Balie stopped (the database was unreachable)');
      })();
      return stopping;
    },
  };
}

// Shutdown bounds: one step (stop the poller, close the sockets, …) may take this long when the
// database answers, and only a moment when it does not; main.ts exits hard after 8 s in all.
const STOP_PING_MS = 500;
const STEP_MS = 5_000;
const OUTAGE_STEP_MS = 700;
// All steps together, so that closing the pools and the embedded server still fits in the 8 s.
const STEPS_BUDGET_MS = 4_000;

/**
 * Waits for a shutdown step at most `ms`, and not past `deadline` (a step always gets a moment);
 * true when it finished, false (and a log line) when it was left behind.
 */
function stepBound(stepMs: number, deadline: number, log: Logger) {
  return async (name: string, work: Promise<unknown> | undefined): Promise<boolean> => {
    if (!work) return true;
    const ms = Math.max(100, Math.min(stepMs, deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      work.then(
        () => true,
        (error: unknown) => {
          log.warn({ err: error, step: name }, 'shutdown step failed');
          return true;
        },
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) log.warn({ step: name, waitedMs: ms }, 'shutdown: not waiting any longer for this step');
    return finished;
  };
}
