// The composition root: wires database, HTTP, realtime and background work into one running Balie.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteExpiredSessions, ensureFirstAdmin } from './agents/index.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/index.ts';
import { DomainEvents } from './domain-events.ts';
import { createHttpApp } from './http/app.ts';
import type { Logger } from './log.ts';
import { createRealtime, type Realtime } from './realtime/server.ts';

export interface Balie {
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  database: Database;
  realtime: Realtime;
  events: DomainEvents;
  stop(): Promise<void>;
}

export async function startBalie(config: Config, log: Logger): Promise<Balie> {
  const database = await openDatabase(config, log);
  try {
    await ensureFirstAdmin(database.pool, config, log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const events = new DomainEvents();
  const app = createHttpApp({ config, database, events, log });
  const httpServer = http.createServer(app);
  const realtime = createRealtime({
    httpServer,
    db: database.pool,
    sessionHours: config.sessionHours,
    agentOrigin: config.publicUrl.origin,
    widgetOrigins: config.widgetOrigins,
    log,
  });
  events.on('agent.sessions_revoked', ({ agentId, reason }) => realtime.endAgentSessions(agentId, reason));

  const sweeper = setInterval(() => {
    deleteExpiredSessions(database.pool).catch((error: unknown) => log.warn({ err: error }, 'could not delete expired sessions'));
  }, 60 * 60_000);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
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
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        await realtime.close();
        await closed;
        await database.close();
        log.info('Balie stopped');
      })();
      return stopping;
    },
  };
}
