// Runs on a worker thread of parse-pool.ts: the CPU-heavy parts of reading a mail (MIME parsing,
// charset decoding, HTML sanitising), away from the event loop that answers agents and citizens.
import os from 'node:os';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { DownloadResult, DownloadTask } from './imap-download.ts';
import type { ParseOptions, ParsedMail } from './parse.ts';

// Reading mail is background work: the thread that answers agents and citizens goes first. On
// Linux the nice value belongs to the thread (setpriority(2), "BUGS"), so this lowers only the
// worker's; elsewhere it would lower the whole process's, so it is left alone there.
if (process.platform === 'linux') {
  try {
    os.setPriority(Math.min(19, os.getPriority() + 10));
  } catch {
    // Not allowed here (a container's seccomp profile): the worker runs at normal priority.
  }
}

// Loaded after the priority is lowered: compiling and loading mailparser and sanitize-html is
// most of a worker's start (~0.5 s of CPU), and static imports would run before the lines above.
const parsing = import('./parse.ts');
const sanitizing = import('./sanitize.ts');
const downloading = import('./imap-download.ts');

export interface ParseTask {
  /** Arrives as a Uint8Array (structured cloning does not keep the Buffer class), maybe on shared memory. */
  raw: Uint8Array;
  options: ParseOptions;
}

export interface RewriteTask {
  html: string;
  /** Content-ID → the URL the inbox loads that part from. */
  urls: ReadonlyMap<string, string>;
}

/**
 * The parsed mail, its attachments' bytes moved (not copied) to the calling thread: copying
 * megabytes there would be the event-loop stall this worker exists to avoid.
 */
export async function parse({ raw, options }: ParseTask): Promise<unknown> {
  const { parseMail } = await parsing;
  const mail = await parseMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), options);
  const moved: ArrayBuffer[] = [];
  // Each part gets an ArrayBuffer of its own: a Buffer may be a slice of a shared pool, which
  // cannot be transferred without taking its neighbours along.
  const own = (bytes: Uint8Array): Uint8Array => {
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    moved.push(copy.buffer);
    return copy;
  };
  const result: ParsedMail = { ...mail, attachments: mail.attachments.map((part) => ({ ...part, content: own(part.content) as Buffer, sha256: own(part.sha256) as Buffer })) };
  return move({ [transferableSymbol]: moved, [valueSymbol]: result });
}

/**
 * Shared memory for handing a large mail to the workers, its pages touched here: the first write
 * to fresh memory costs a page fault per 4 kB (25 MB: 120 ms of CPU on a small VM), and those are
 * better taken on this thread than on the event loop that then copies the mail in.
 */
export function allocate(bytes: number): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(bytes);
  new Uint8Array(memory).fill(1).fill(0);
  return memory;
}

/** Downloads one large mail into shared memory on this worker's own IMAP connection (imap-download.ts). */
export async function download(task: DownloadTask): Promise<DownloadResult> {
  const { downloadMail } = await downloading;
  return downloadMail(task);
}

/** Logs out of IMAP, if this worker is logged in (the pool is closing). */
export async function closeDownloads(): Promise<void> {
  const { closeConnection } = await downloading;
  await closeConnection();
}

export async function rewriteCids({ html, urls }: RewriteTask): Promise<string> {
  const { rewriteCidImages } = await sanitizing;
  return rewriteCidImages(html, (contentId) => urls.get(contentId) ?? null);
}
