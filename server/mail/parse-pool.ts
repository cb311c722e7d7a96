// Parses and sanitises mail on worker threads (piscina), so that one large or hostile mail cannot
// stop Balie answering agents, citizens and /healthz while it is read (issue 12, item 1).
import Piscina from 'piscina';
import { DEFAULT_HTML_MAX_BYTES, type ParseOptions, type ParsedMail } from './parse.ts';
import type { DownloadResult, DownloadTask } from './imap-download.ts';
import type { ParseTask, RewriteTask } from './parse-worker.ts';

export interface MailParsingSettings {
  /** Worker threads at most (MAIL_PARSE_THREADS); the poller reads one mail at a time. */
  readonly threads: number;
  /** One mail may take this long to parse, or to have its images rewritten (MAIL_PARSE_TIMEOUT_SECONDS). */
  readonly timeoutMs: number;
  /** HTML bodies larger than this are kept as an attachment, not shown (MAIL_HTML_MAX_BYTES). */
  readonly htmlMaxBytes: number;
  /** Heap of one worker: a mail that needs more ends as an error, not as Balie out of memory. */
  readonly maxHeapMb: number;
}

export const DEFAULT_MAIL_PARSING: MailParsingSettings = Object.freeze({
  threads: 1,
  timeoutMs: 120_000,
  htmlMaxBytes: DEFAULT_HTML_MAX_BYTES,
  maxHeapMb: 1024,
});

/**
 * Reading one mail failed in its worker: it took too long (`mail_parse_timeout`) or the worker died
 * (`mail_parse_failed`, e.g. out of memory). It says something about this mail, so the poller
 * quarantines the mail (its code does not look like a connection problem's).
 */
export class MailParseError extends Error {
  constructor(
    readonly code: 'mail_parse_timeout' | 'mail_parse_failed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MailParseError';
  }
}

/**
 * The pool was closed (Balie is stopping) before the mail was read. It says nothing about the mail:
 * the code is POSIX's "operation canceled", which the poller, like other system errors, treats as
 * a passing problem — the mail is read again later, never quarantined.
 */
export class MailParsingClosedError extends Error {
  readonly code = 'ECANCELED';
  constructor() {
    super('mail parsing stopped: Balie is shutting down');
    this.name = 'MailParsingClosedError';
  }
}

const WORKER = new URL('./parse-worker.ts', import.meta.url).href;
/** From this size a mail reaches the worker through shared memory (see MailParsePool.parse). */
const LARGE_MAIL_BYTES = 1024 * 1024;

/** Memory lent for one mail (see MailParsePool.leaseMemory). */
export interface MailMemoryLease {
  /** A Buffer over the shared memory, exactly as long as asked. */
  readonly bytes: Buffer;
  release(): void;
}

/** A pool of parse workers, started with its first mail; close() ends them. */
export class MailParsePool {
  private piscina: Piscina | undefined;
  private closed = false;
  /** Shared memory for large mails, kept for the next one (at most one per thread). */
  private spare: SharedArrayBuffer[] = [];

  /** A worker may have an IMAP connection open (see download and close). */
  private downloaded = false;

  /** Keep one worker started (see warm()). */
  private keepWarm = false;

  constructor(readonly settings: MailParsingSettings = DEFAULT_MAIL_PARSING) {}

  /**
   * Starts a worker now and keeps one ready while the pool is open: starting one costs ~0.5 s of
   * CPU (tsx, mailparser, sanitize-html), which, paid when a large mail arrives, competed with the
   * event loop on a small machine just while that mail was downloaded.
   */
  warm(): void {
    if (this.closed) return;
    this.keepWarm = true;
    this.piscina ??= this.start();
  }

  /** {@link parseMail} on a worker; `htmlMaxBytes` defaults to the pool's setting. */
  async parse(raw: Buffer, options: ParseOptions): Promise<ParsedMail> {
    const withDefaults = { htmlMaxBytes: this.settings.htmlMaxBytes, ...options };
    if (raw.byteLength < LARGE_MAIL_BYTES) {
      // A copy of its own is moved to the worker (the caller keeps `raw`, to quarantine it for one).
      const copy = new Uint8Array(raw);
      return revive(await this.run<ParsedMail>('parse', { raw: copy, options: withDefaults }, [copy.buffer]));
    }
    // Read straight into shared memory of this pool (see leaseMemory): the worker reads it there.
    if (raw.buffer instanceof SharedArrayBuffer) return revive(await this.run<ParsedMail>('parse', { raw, options: withDefaults }));
    // A large mail goes through shared memory the worker has already paged in (see allocate()),
    // so that this thread only copies it: cloning or a fresh copy would fault in every page here.
    const memory = await this.sharedMemory(raw.byteLength);
    try {
      const view = new Uint8Array(memory, 0, raw.byteLength);
      view.set(raw);
      return revive(await this.run<ParsedMail>('parse', { raw: view, options: withDefaults }));
    } finally {
      if (this.spare.length < this.settings.threads) this.spare.push(memory);
    }
  }

  /**
   * Shared memory of `bytes`, already paged in by a worker, for reading a large mail into (the
   * poller writes each chunk it downloads there): the mail then never exists on this thread as one
   * fresh 25 MB buffer, whose first touch alone costs ~120 ms of page faults on a small VM, and
   * parse() hands it to the worker without a copy. `release()` once the mail is stored or
   * quarantined; the memory is then kept for the next one.
   */
  async leaseMemory(bytes: number): Promise<MailMemoryLease> {
    const memory = await this.sharedMemory(bytes);
    let released = false;
    return {
      bytes: Buffer.from(memory, 0, bytes),
      release: () => {
        if (released) return;
        released = true;
        if (!this.closed && this.spare.length < this.settings.threads) this.spare.push(memory);
      },
    };
  }

  /**
   * Downloads a large mail on a worker, on that worker's own IMAP connection, into `lease` (from
   * leaseMemory): imapflow's CPU for the download is then spent off the event loop. Never throws:
   * a worker that failed or was stopped is `failed`, and the caller downloads the mail itself.
   */
  async download(task: Omit<DownloadTask, 'memory'>, lease: MailMemoryLease): Promise<DownloadResult> {
    const memory = lease.bytes.buffer;
    if (!(memory instanceof SharedArrayBuffer)) return { status: 'failed', message: 'the lease is not shared memory' };
    this.downloaded = true;
    try {
      return await this.run<DownloadResult>('download', { ...task, memory });
    } catch (error) {
      return { status: 'failed', message: (error as Error)?.message ?? String(error) };
    }
  }

  /** {@link rewriteCidImages} on a worker, with the resolver given as a map (functions stay on their thread). */
  rewriteCidImages(html: string, urls: ReadonlyMap<string, string>): Promise<string> {
    const task: RewriteTask = { html, urls };
    return this.run<string>('rewriteCids', task);
  }

  /** Ends the workers at once; a mail being read fails with {@link MailParsingClosedError}. */
  async close(): Promise<void> {
    this.closed = true;
    this.spare = [];
    const piscina = this.piscina;
    this.piscina = undefined;
    // A worker that downloaded mail may still be logged in (it logs out after a few idle seconds):
    // ask it to log out now, but wait at most a second — a worker busy with a mail is ended anyway.
    if (piscina && this.downloaded) {
      let timer: NodeJS.Timeout | undefined;
      const logout = piscina.run(undefined, { name: 'closeDownloads' }).catch(() => {});
      await Promise.race([logout, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
      clearTimeout(timer);
    }
    await piscina?.destroy();
  }

  /** Shared memory of at least `bytes`: a spare one, or a new one from a worker. */
  private async sharedMemory(bytes: number): Promise<SharedArrayBuffer> {
    const fits = this.spare.findIndex((memory) => memory.byteLength >= bytes);
    if (fits !== -1) return this.spare.splice(fits, 1)[0]!;
    // Rounded up to whole MiB, so that a somewhat larger mail can use it next time.
    return this.run<SharedArrayBuffer>('allocate', Math.ceil(bytes / 2 ** 20) * 2 ** 20);
  }

  private async run<T>(name: 'parse' | 'rewriteCids' | 'allocate' | 'download', task: ParseTask | RewriteTask | DownloadTask | number, transferList: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) throw new MailParsingClosedError();
    const piscina = (this.piscina ??= this.start());
    // Aborting a running task terminates its worker: a stuck parse ends with the timeout.
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      return (await piscina.run(task, { name, signal: timeout, transferList })) as T;
    } catch (error) {
      if (this.closed) throw new MailParsingClosedError();
      if (timeout.aborted) throw new MailParseError('mail_parse_timeout', `reading the mail took longer than ${Math.round(this.settings.timeoutMs / 1000)} s`, { cause: error });
      const code = (error as { code?: string }).code;
      const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needs more than ${this.settings.maxHeapMb} MB` : (error as Error).message ?? String(error);
      throw new MailParseError('mail_parse_failed', `the mail could not be read: ${why}`, { cause: error });
    }
  }

  private start(): Piscina {
    return new Piscina({
      filename: WORKER,
      minThreads: this.keepWarm ? 1 : 0,
      maxThreads: this.settings.threads,
      // A worker costs ~0.5 s to start (tsx, mailparser, sanitize-html): keep it a while after a mail.
      idleTimeout: 60_000,
      // Between tasks a worker must keep its event loop running: its IMAP connection (imap-download.ts)
      // answers the server and logs out when idle; piscina's default ('sync') stops the thread instead.
      atomics: 'async',
      execArgv: workerExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: this.settings.maxHeapMb },
    });
  }
}

/**
 * The worker runs the TypeScript sources the way the server does, with `--import tsx` (the
 * server's own flags are inherited). Test runners that transform TypeScript themselves (vitest)
 * start without that flag, so it is added for the workers.
 */
function workerExecArgv(): string[] | undefined {
  const args = process.execArgv;
  const withTsx = args.some((arg, i) => /^--(?:import|loader)=(?:.*[/\\])?tsx(?:[/\\].*)?$/.test(arg) || (/^--(?:import|loader)$/.test(arg) && /(?:^|[/\\])tsx(?:$|[/\\])/.test(args[i + 1] ?? '')));
  // Inherited (undefined), Node leaves out the flags a worker may not have (e.g. --max-old-space-size).
  return withTsx ? undefined : [...args, '--import', 'tsx'];
}

/** Buffers come back from the worker as Uint8Arrays (moved, or structured clone): make them Buffers again, without copying. */
function revive(mail: ParsedMail): ParsedMail {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...mail, attachments: mail.attachments.map((part) => ({ ...part, content: buffer(part.content), sha256: buffer(part.sha256) })) };
}

// ── The process's pool ───────────────────────────────────────────────────────
// Worker threads are a resource of the process: every mail channel in it shares one pool, opened
// with the channel and ended when the last channel closes, so that nothing keeps the process up.

let shared: { pool: MailParsePool; users: number } | undefined;

/**
 * Opens (or joins) the process's parse pool; call the returned close() when the channel stops.
 * While the pool is open, the first opener's settings apply.
 */
export function openMailParsing(settings: Partial<MailParsingSettings> = {}): { close(): Promise<void> } {
  const entry = (shared ??= { pool: new MailParsePool({ ...DEFAULT_MAIL_PARSING, ...settings }), users: 0 });
  entry.users += 1;
  entry.pool.warm();
  let open = true;
  return {
    async close() {
      if (!open) return;
      open = false;
      entry.users -= 1;
      if (entry.users === 0) {
        if (shared === entry) shared = undefined;
        await entry.pool.close();
      }
    },
  };
}

/**
 * The process's pool; when no channel has opened one (a script that ingests mail directly), one
 * with the defaults. Its idle workers are unref'd by piscina, so they do not keep a process alive.
 */
function currentPool(): MailParsePool {
  return (shared ??= { pool: new MailParsePool(), users: 0 }).pool;
}

/** Parses a mail on a worker (see parseMail); rejects with {@link MailParseError} or {@link MailParsingClosedError}. */
export function parseMailOffThread(raw: Buffer, options: ParseOptions): Promise<ParsedMail> {
  return currentPool().parse(raw, options);
}

/** Points `cid:` images at their URLs on a worker (see rewriteCidImages). */
export function rewriteCidImagesOffThread(html: string, urls: ReadonlyMap<string, string>): Promise<string> {
  return currentPool().rewriteCidImages(html, urls);
}

/** Downloads one large mail into `lease` on a worker (see MailParsePool.download). */
export function downloadMailOffThread(task: Omit<DownloadTask, 'memory'>, lease: MailMemoryLease): Promise<DownloadResult> {
  return currentPool().download(task, lease);
}

/** Shared memory for reading one large mail into (see MailParsePool.leaseMemory). */
export function leaseMailMemory(bytes: number): Promise<MailMemoryLease> {
  return currentPool().leaseMemory(bytes);
}
