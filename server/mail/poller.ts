// The IMAP poller: reads the gemeente's mailbox with IDLE (or polling where the server has no
// IDLE), stores every mail exactly once, reconnects with backoff, and runs on one instance only.
import { ImapFlow, type MailboxObject } from 'imapflow';
import pg from 'pg';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { ingestBatch, ingestMail, isPassingProblem, type BatchMail, type IngestResult, type MailboxPosition, type MailSettings } from './ingest.ts';
import { imapClientOptions } from './imap-options.ts';
import { downloadMailOffThread, leaseMailMemory, type MailMemoryLease } from './parse-pool.ts';
import { MailCrashedReadingError, PoisonMailGuard } from './poison-guard.ts';
import { markFlagged, quarantineMail, resolvedToFlag } from './quarantine.ts';
import { loadCheckpoint, saveCheckpoint } from './store.ts';

export interface ImapSettings {
  host: string;
  port: number;
  /** true: TLS from the start; false: STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  /** Fallback when the server has no IDLE (RFC 2177). */
  pollSeconds: number;
  markSeen: boolean;
  /** How long a session must stay up to count as healthy (IMAP_HEALTHY_AFTER_SECONDS); default HEALTHY_AFTER_MS. */
  healthyAfterSeconds?: number;
}

export type PollerState = 'standby' | 'connecting' | 'connected' | 'error' | 'stopped';

export interface PollerStatus {
  state: PollerState;
  /** Why the last connection failed, for /healthz and the inbox. */
  error: string | null;
  idle: boolean;
  since: string;
  /** Failed connection attempts since the last healthy session. */
  failures: number;
  /** How long the poller waits before its next attempt, while it waits; null otherwise. */
  retryInMs: number | null;
  /** Since when the current session counts as healthy (see HEALTHY_AFTER_MS); null until then. */
  healthySince: string | null;
}

// Only the instance holding this session-level advisory lock polls; when it dies its connection
// closes, PostgreSQL releases the lock, and a standby instance takes over.
const POLLER_LOCK = 0x62616c6965 + 1;
const BATCH = 100;
/**
 * Mails stored in one transaction with the checkpoint (ingest.ts ingestBatch). Bounded: the
 * transaction holds the year's reference counter and the rows it wrote until it commits, and
 * what it stored reaches the agents only then — at ~5 ms a mail, a quarter of a second.
 */
const STORE_BATCH = 50;
/** At most this many bytes of mail source in memory at once. */
const BATCH_BYTES = 64 * 1024 * 1024;
/**
 * A mail from this size is downloaded on its own, in DOWNLOAD_CHUNK_BYTES partial fetches straight
 * into shared memory of the parse workers (see downloadLarge): fetched whole, imapflow would join
 * its literal in one synchronous step (25 MB: ~200 ms in which Balie answers nobody).
 */
const STREAM_BYTES = 1024 * 1024;
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;
const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/**
 * A session that connected, read the mailbox and then stayed up this long was a good one: the
 * next drop is a new incident and is retried after MIN_BACKOFF_MS again (issue 13, item 9).
 * Not at once after login: a server that accepts logins and drops every session within seconds
 * must still be backed off.
 */
export const HEALTHY_AFTER_MS = 10_000;

export class MailPoller {
  status: PollerStatus = { state: 'stopped', error: null, idle: false, since: new Date().toISOString(), failures: 0, retryInMs: null, healthySince: null };
  private backoff = MIN_BACKOFF_MS;
  private stopping = false;
  private running: Promise<void> | undefined;
  private client: ImapFlow | undefined;
  private leader: pg.Client | undefined;
  private wakeStop: (() => void) | undefined;
  private syncing: Promise<boolean> = Promise.resolve(true);
  private syncAgain = false;
  /** Notes what is being read, so a mail that kills Balie is quarantined, not read forever (poison-guard.ts). */
  private readonly guard: PoisonMailGuard;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly imap: ImapSettings,
    private readonly mail: MailSettings,
    private readonly log: Logger,
    private readonly onIngested: (result: IngestResult) => void = () => {},
    /** Told after a mail went into quarantine (the channel recounts the table). */
    private readonly onQuarantined: () => void = () => {},
    /** crashQuarantineAfter: MAIL_CRASH_QUARANTINE_AFTER (see poison-guard.ts). */
    options: { crashQuarantineAfter?: number } = {},
  ) {
    this.guard = new PoisonMailGuard(pool, log, options.crashQuarantineAfter);
  }

  start(): void {
    this.stopping = false;
    this.guard.open();
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStop?.();
    await this.client?.logout().catch(() => this.client?.close());
    await this.running;
    this.running = undefined;
    this.setState('stopped');
  }

  /**
   * After stop() and once parsing is closed (a mail still being read then fails as 'shutting
   * down'): waits for the last sync and removes this poller's note of what it was reading, so that
   * the next start does not take this clean stop for a crash.
   */
  async forgetReading(): Promise<void> {
    this.guard.stopNoting();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.syncing, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    await this.guard.close();
  }

  private setState(state: PollerState, error: string | null = null) {
    if (this.status.state !== state || this.status.error !== error) {
      this.status = {
        ...this.status,
        state,
        error,
        idle: state === 'connected' && this.status.idle,
        since: new Date().toISOString(),
        healthySince: state === 'connected' ? this.status.healthySince : null,
      };
    }
  }

  /** HEALTHY_AFTER_MS unless configured (IMAP_HEALTHY_AFTER_SECONDS; a test needs no 10 s per round). */
  private get healthyAfterMs(): number {
    return this.imap.healthyAfterSeconds === undefined ? HEALTHY_AFTER_MS : this.imap.healthyAfterSeconds * 1000;
  }

  /** The session has been good for healthyAfterMs: a later drop starts the backoff over. */
  private markHealthy(): void {
    this.backoff = MIN_BACKOFF_MS;
    this.status = { ...this.status, failures: 0, healthySince: new Date().toISOString() };
    this.log.info({ afterMs: this.healthyAfterMs }, 'IMAP session healthy: reconnect backoff reset');
  }

  private async run(): Promise<void> {
    this.backoff = MIN_BACKOFF_MS;
    while (!this.stopping) {
      let wait: number;
      try {
        if (await this.lead()) {
          await this.session();
          wait = this.backoff;
        } else {
          this.setState('standby');
          wait = 5_000;
        }
      } catch (error) {
        const message = describe(error);
        wait = this.backoff;
        // Doubles only for attempts that failed: a drop after a healthy session waits the minimum.
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
        this.setState('error', message);
        this.status = { ...this.status, failures: this.status.failures + 1 };
        this.log.warn({ err: error, retryInMs: wait, failures: this.status.failures }, `IMAP: ${message}`);
      }
      if (this.stopping) break;
      this.status = { ...this.status, retryInMs: wait };
      await this.sleep(wait);
      this.status = { ...this.status, retryInMs: null };
    }
    await this.leader?.end().catch(() => {});
    this.leader = undefined;
  }

  /** Takes (or keeps) the poller lock on a connection of its own. */
  private async lead(): Promise<boolean> {
    if (this.leader) return true;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', () => {
      // Losing this connection loses the lock: drop the IMAP session so that we do not read twice.
      if (this.leader === client) this.leader = undefined;
      void this.client?.logout().catch(() => this.client?.close());
    });
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [POLLER_LOCK]);
    if (!rows[0]!.locked) {
      await client.end();
      return false;
    }
    this.leader = client;
    return true;
  }

  private async session(): Promise<void> {
    this.setState('connecting');
    const client = new ImapFlow({
      // The same connection settings as the parse worker's download connection (imap-download.ts).
      ...imapClientOptions(this.imap),
      // imapflow waits 15 s of quiet before it enters IDLE; new mail would wait that long too.
      autoIdleDelay: 250,
    });
    this.client = client;
    // imapflow emits 'error' and then 'close'; without a listener an error would crash Balie.
    client.on('error', (error: Error) => this.log.warn({ err: error }, 'IMAP connection error'));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const stopped = new Promise<void>((resolve) => (this.wakeStop = resolve));
    let timer: NodeJS.Timeout | undefined;
    let healthy: NodeJS.Timeout | undefined;
    try {
      await client.connect();
      const idle = client.capabilities.has('IDLE');
      this.setState('connected');
      this.status.idle = idle;
      this.log.info({ host: this.imap.host, mailbox: this.imap.mailbox, idle }, 'IMAP connected');
      client.on('exists', () => this.requestSync(client));
      if (await this.requestSync(client)) healthy = setTimeout(() => this.client === client && this.markHealthy(), this.healthyAfterMs);
      // With IDLE the server tells us about new mail; a slow sweep still catches anything missed.
      timer = setInterval(() => void this.requestSync(client), (idle ? 300 : this.imap.pollSeconds) * 1000);
      await Promise.race([closed, stopped]);
    } finally {
      clearInterval(timer);
      clearTimeout(healthy);
      this.client = undefined;
      await client.logout().catch(() => client.close());
    }
    if (!this.stopping) throw new Error('the IMAP connection was closed');
  }

  /** Runs one sync at a time; a request during a sync runs one more after it. True: it succeeded. */
  private requestSync(client: ImapFlow): Promise<boolean> {
    if (this.syncAgain) return this.syncing;
    this.syncAgain = true;
    this.syncing = this.syncing.then(async () => {
      this.syncAgain = false;
      try {
        await this.sync(client);
        return true;
      } catch (error) {
        this.log.warn({ err: error }, 'IMAP sync failed; reconnecting');
        client.close();
        return false;
      }
    });
    return this.syncing;
  }

  private async sync(client: ImapFlow): Promise<void> {
    const mailboxName = this.imap.mailbox;
    const lock = await client.getMailboxLock(mailboxName);
    try {
      // Outside IDLE a selected mailbox may not show another session's APPEND until a command.
      if (!this.status.idle) await client.noop();
      const mailbox = client.mailbox as MailboxObject;
      const uidValidity = String(mailbox.uidValidity);
      const checkpoint = await loadCheckpoint(this.pool, mailboxName);
      const sameMailbox = checkpoint?.uidValidity === uidValidity;
      if (checkpoint && !sameMailbox) {
        this.log.warn({ mailbox: mailboxName, was: checkpoint.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: re-reading the mailbox; stored mail is recognised');
      }
      const lastUid = sameMailbox ? checkpoint.lastUid : 0;
      if (!sameMailbox) await saveCheckpoint(this.pool, mailboxName, { uidValidity, lastUid: 0 });
      if (mailbox.exists === 0) return;
      if (this.imap.markSeen) await this.flagResolved(client, mailboxName, uidValidity);
      // `UID SEARCH n:*` also returns the highest UID when n is past it: filter (infra-notes).
      const found = (await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [];
      const uids = found.filter((uid) => uid > lastUid).sort((a, b) => a - b);
      // What a reader that died left unfinished, and the mails that crashed Balie (poison-guard.ts).
      const plan = uids.length ? await this.guard.plan(mailboxName, uidValidity, lastUid) : undefined;
      for (let start = 0; start < uids.length && !this.stopping; start += BATCH) {
        const batch = uids.slice(start, start + BATCH);
        // Sizes first: a mail over MAIL_MAX_BYTES is kept as a stub, so only its header is fetched,
        // and the others come in groups of at most BATCH_BYTES.
        const sizes = await client.fetchAll(batch.join(','), { uid: true, size: true, internalDate: true }, { uid: true });
        const small = sizes.filter((message) => (message.size ?? 0) < STREAM_BYTES).map((message) => message.uid);
        const streamed = new Set(sizes.filter((message) => (message.size ?? 0) >= STREAM_BYTES && (message.size ?? 0) <= this.mail.maxBytes).map((message) => message.uid));
        const large = sizes.filter((message) => (message.size ?? 0) > this.mail.maxBytes).map((message) => message.uid);
        const sources = new Map<number, Buffer>();
        const sizeOf = new Map(sizes.map((message) => [message.uid, message.size ?? 0]));
        for (let first = 0; first < small.length; ) {
          let bytes = 0;
          let end = first;
          while (end < small.length && (end === first || bytes + sizeOf.get(small[end]!)! <= BATCH_BYTES)) bytes += sizeOf.get(small[end++]!)!;
          const group = small.slice(first, end);
          for (const message of await client.fetchAll(group.join(','), { uid: true, source: true }, { uid: true })) sources.set(message.uid, message.source ?? Buffer.alloc(0));
          first = end;
        }
        if (large.length) {
          for (const message of await client.fetchAll(large.join(','), { uid: true, headers: true }, { uid: true })) sources.set(message.uid, message.headers ?? Buffer.alloc(0));
        }
        const stored: number[] = [];
        // In UID order: mails read whole are stored in batches (one transaction each, with the
        // checkpoint); a large one is downloaded only when its turn comes, and stored on its own.
        const ordered = sizes.sort((a, b) => a.uid - b.uid);
        for (let first = 0; first < ordered.length && !this.stopping; ) {
          const message = ordered[first]!;
          const position = { mailbox: mailboxName, uidValidity, uid: message.uid };
          const receivedAt = message.internalDate instanceof Date ? message.internalDate : undefined;
          const crashes = plan?.poisoned(message.uid);
          if (crashes !== undefined) {
            // Balie died reading this mail, again and again: kept with its source, not parsed again.
            await this.quarantineUnread(client, uidValidity, { position, receivedAt, size: message.size }, streamed.has(message.uid) ? undefined : sources.get(message.uid), crashes);
            first += 1;
            continue;
          }
          if (streamed.has(message.uid)) {
            if (!(await this.guard.reading(this.pool, mailboxName, uidValidity, message.uid, message.uid))) break;
            // A large mail is read only now, one at a time: at most one is in memory.
            const lease = await this.downloadLarge(client, uidValidity, message.uid, message.size ?? 0);
            try {
              const result = await ingestMail(this.pool, lease.bytes, this.mail, { position, receivedAt, size: message.size }).catch((error: unknown) =>
                this.quarantine({ raw: lease.bytes, position, receivedAt, size: message.size }, error),
              );
              if (result) {
                stored.push(message.uid);
                this.onIngested(result);
              }
            } finally {
              lease.release();
            }
            first += 1;
            continue;
          }
          let end = first;
          // A mail of a dead reader's range, or one that crashed Balie before, is read on its own.
          if (plan?.alone(message.uid)) end += 1;
          else while (end < ordered.length && end - first < STORE_BATCH && !streamed.has(ordered[end]!.uid) && !plan?.alone(ordered[end]!.uid)) end += 1;
          // Once per batch (one small commit per STORE_BATCH mails): what a crash would leave unfinished.
          if (!(await this.guard.reading(this.pool, mailboxName, uidValidity, message.uid, ordered[end - 1]!.uid))) break;
          const batch: BatchMail[] = ordered.slice(first, end).map((item) => ({
            raw: sources.get(item.uid) ?? Buffer.alloc(0),
            position: { mailbox: mailboxName, uidValidity, uid: item.uid },
            receivedAt: item.internalDate instanceof Date ? item.internalDate : undefined,
            size: item.size,
          }));
          const outcome = await ingestBatch(this.pool, batch, this.mail);
          for (const { mail, result } of outcome.stored) {
            stored.push(mail.position.uid);
            this.onIngested(result);
          }
          if (outcome.failed) {
            // Quarantined (the checkpoint past it), or thrown when the problem is a passing one.
            await this.quarantine(batch[outcome.failed.index]!, outcome.failed.error);
            first += outcome.failed.index + 1;
          } else first = end;
        }
        // Quarantined mail stays unseen, so that whoever looks in the mailbox notices it too. The
        // checkpoint is past it all the same: it is in mail_quarantine and is tried again from
        // there, not by reading the mailbox again (which would quarantine it on every sync).
        if (this.imap.markSeen && stored.length) await client.messageFlagsAdd(stored.join(','), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Downloads one large mail in partial fetches (imapflow's download(), `BODY.PEEK[]<start.length>`)
   * into memory the parse workers paged in: the event loop copies 1 MB at a time and never builds
   * the whole source as one fresh buffer. The mailbox lock of sync() is held.
   */
  private async downloadLarge(client: ImapFlow, uidValidity: string, uid: number, size: number): Promise<MailMemoryLease> {
    const lease = await this.downloadOnWorker(uidValidity, uid, size);
    return lease ?? this.downloadHere(client, uid, size);
  }

  /**
   * The download on a parse worker, on its own IMAP connection (imap-download.ts): imapflow spends
   * ~0.5 s of CPU on 25 MB, which on the event loop delayed every answer (issue 12, item 1). Only
   * reads: this thread keeps the mailbox lock, the order and the checkpoint. undefined: the worker
   * could not (connection, login, worker stopped); the mail is then downloaded here as before, so
   * nothing is lost or quarantined for a passing cause. A vanished UID or another UIDVALIDITY
   * fails the sync like the download here does, and nothing is stored.
   */
  private async downloadOnWorker(uidValidity: string, uid: number, size: number): Promise<MailMemoryLease | undefined> {
    // Rounded up in the pool to whole MiB: room for a mail somewhat larger than reported.
    const lease = await leaseMailMemory(Math.max(size, 1));
    const { host, port, secure, user, password } = this.imap;
    const result = await downloadMailOffThread({ imap: { host, port, secure, user, password }, mailbox: this.imap.mailbox, uidValidity, uid }, lease);
    if (result.status === 'stored') {
      if (result.length !== size) this.log.warn({ uid, size, length: result.length }, 'IMAP: the downloaded mail is not the size the server reported');
      if (result.length === lease.bytes.byteLength) return lease;
      const bytes = Buffer.from(lease.bytes.buffer, 0, result.length);
      return { bytes, release: () => lease.release() };
    }
    lease.release();
    if (result.status === 'vanished') throw new Error(`mail UID ${uid} was not found to download`);
    if (result.status === 'uidvalidity') throw new Error(`the mailbox's UIDVALIDITY changed from ${uidValidity} to ${result.now} while mail UID ${uid} was read`);
    this.log.warn({ uid, reason: result.message }, 'IMAP: the parse worker could not download the mail; downloading it here');
    return undefined;
  }

  /** The download on this thread (the fallback of downloadOnWorker). */
  private async downloadHere(client: ImapFlow, uid: number, size: number): Promise<MailMemoryLease> {
    const { content } = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK_BYTES });
    if (!content) throw new Error(`mail UID ${uid} was not found to download`);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of content as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    // RFC822.SIZE (`size`) is what the server reported; the mail is exactly the bytes that arrived.
    if (length !== size) this.log.warn({ uid, size, length }, 'IMAP: the downloaded mail is not the size the server reported');
    const lease = await leaseMailMemory(Math.max(length, 1));
    let offset = 0;
    for (const chunk of chunks.splice(0)) {
      lease.bytes.set(chunk, offset);
      offset += chunk.byteLength;
      // Let other work in between the copies (each ~1 MB).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return offset === lease.bytes.byteLength ? lease : { bytes: lease.bytes.subarray(0, offset), release: () => lease.release() };
  }

  /** Asks for a sync now, if this instance reads the mailbox (e.g. after a quarantined mail was stored). */
  syncSoon(): void {
    const client = this.client;
    if (client && this.status.state === 'connected') void this.requestSync(client);
  }

  /**
   * Quarantined mail was left unseen; once a supervisor stored or dismissed it, it is marked \Seen
   * like any other stored mail. A UID the mailbox no longer has is simply not flagged (STORE on a
   * missing UID is no error, RFC 9051 §6.4.9).
   */
  private async flagResolved(client: ImapFlow, mailbox: string, uidValidity: string): Promise<void> {
    const uids = await resolvedToFlag(this.pool, mailbox, uidValidity);
    if (uids.length === 0) return;
    await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
    await markFlagged(this.pool, mailbox, uidValidity, uids);
  }

  /**
   * Keeps a mail that could not be stored, with the reason, and moves past it — unless the
   * database itself is unreachable, in which case the error stands and the mail is read again later.
   */
  private async quarantine(mail: { raw: Buffer; position: MailboxPosition; receivedAt?: Date; size?: number }, error: unknown): Promise<undefined> {
    if (isPassingProblem(error)) throw error;
    const { id, reasonCode, reason } = await quarantineMail(this.pool, mail, error);
    this.onQuarantined();
    this.log.error({ err: error, uid: mail.position.uid, quarantineId: id, reasonCode }, `mail quarantined: ${reason}`);
    return undefined;
  }

  /** Quarantines a mail that crashed Balie while read (poison-guard.ts); only downloaded, never parsed. */
  private async quarantineUnread(
    client: ImapFlow,
    uidValidity: string,
    mail: { position: MailboxPosition; receivedAt?: Date; size?: number },
    raw: Buffer | undefined,
    crashes: number,
  ): Promise<void> {
    const error = new MailCrashedReadingError(mail.position.uid, crashes);
    if (raw) {
      await this.quarantine({ ...mail, raw }, error);
      return;
    }
    const lease = await this.downloadLarge(client, uidValidity, mail.position.uid, mail.size ?? 0);
    try {
      await this.quarantine({ ...mail, raw: lease.bytes }, error);
    } finally {
      lease.release();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(resolve, ms);
      this.wakeStop = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function describe(error: unknown): string {
  const err = error as { message?: string; responseText?: string; code?: string; authenticationFailed?: boolean };
  if (err.authenticationFailed) return 'login refused: check IMAP_USER and IMAP_PASSWORD';
  return err.responseText ?? err.message ?? String(error);
}
