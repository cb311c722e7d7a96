// One LISTEN connection that re-opens itself: the deadline scheduler and the agent-session watch
// each hold one, and both must hear about a lost connection so they can look again at what they
// may have missed. (The outbox sender keeps its own: its connection also holds the instance's
// advisory lock, whose loss changes what it may claim.)
import pg from 'pg';
import type { Logger } from '../log.ts';

const FIRST_RECONNECT_DELAY_MS = 500;
const MAX_RECONNECT_DELAY_MS = 30_000;

export interface ListenerOptions {
  connectionString: string;
  /** The NOTIFY channel; a constant identifier of ours, never input. */
  channel: string;
  /** What the connection is for, in the log: "the milestone notification connection". */
  purpose: string;
  log: Logger;
  applicationName?: string;
  onNotification(payload: string | undefined): void;
  /** The connection is back after a loss: notifications sent meanwhile went unheard. */
  onRestored(): void;
}

export class ReconnectingListener {
  readonly #options: ListenerOptions;
  #client: pg.Client | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectDelay = FIRST_RECONNECT_DELAY_MS;
  #stopped = false;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  /** Connects and LISTENs; resolves after the first attempt, whether it succeeded or is being retried. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #listen(): Promise<void> {
    if (this.#stopped) return;
    const { connectionString, channel, purpose, log, applicationName } = this.#options;
    const client = new pg.Client({ connectionString, ...(applicationName ? { application_name: applicationName } : {}) });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      if (this.#stopped) return;
      log.warn({ err: error }, `lost ${purpose}; reconnecting in ${this.#reconnectDelay} ms`);
      this.#reconnectTimer = setTimeout(() => void this.#listen(), this.#reconnectDelay);
      this.#reconnectTimer.unref();
      this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => this.#options.onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    const reconnected = this.#reconnectDelay > FIRST_RECONNECT_DELAY_MS;
    this.#client = client;
    this.#reconnectDelay = FIRST_RECONNECT_DELAY_MS;
    if (reconnected) {
      log.info(`${purpose} restored`);
      this.#options.onRestored();
    }
  }
}
