// Runs on a parse worker (parse-worker.ts): downloads one large mail on an IMAP connection of the
// worker's own, straight into shared memory, so that imapflow's ~0.5 s of CPU per 25 MB is not
// spent on the event loop that answers agents, citizens and /healthz (issue 12, item 1).
// The poller on the main thread keeps the mailbox lock, the order and the checkpoint; this only
// reads (EXAMINE, BODY.PEEK), and closes its connection when it has been idle a moment.
import type { ImapFlow } from 'imapflow';
import { imapClientOptions, type ImapConnectionSettings } from './imap-options.ts';

export interface DownloadTask {
  imap: ImapConnectionSettings;
  mailbox: string;
  /** The UIDVALIDITY the poller read the UID under: under another, the UID means another mail. */
  uidValidity: string;
  uid: number;
  /** Where the mail goes; the poller's lease (parse-pool.ts leaseMemory). */
  memory: SharedArrayBuffer;
}

/**
 * - `stored`: the mail is the first `length` bytes of `memory`.
 * - `vanished`: the mailbox has no such UID (any more).
 * - `uidvalidity`: the mailbox has another UIDVALIDITY now.
 * - `failed`: anything else (connection, login, a mail larger than `memory`): the poller downloads
 *   it itself, as before, so a passing cause here loses or quarantines nothing.
 */
export type DownloadResult =
  | { status: 'stored'; length: number }
  | { status: 'vanished' }
  | { status: 'uidvalidity'; now: string }
  | { status: 'failed'; message: string };

/** The connection is closed after this long without a download (and never keeps the worker up). */
const IDLE_CLOSE_MS = 5_000;
const CHUNK_BYTES = 1024 * 1024;

let connection: { client: ImapFlow; key: string } | undefined;
let idleTimer: NodeJS.Timeout | undefined;

export async function downloadMail(task: DownloadTask): Promise<DownloadResult> {
  clearTimeout(idleTimer);
  try {
    const client = await connected(task.imap);
    const lock = await client.getMailboxLock(task.mailbox, { readOnly: true });
    try {
      const mailbox = client.mailbox;
      const now = mailbox ? String(mailbox.uidValidity) : '';
      if (now !== task.uidValidity) return { status: 'uidvalidity', now };
      const { content } = await client.download(String(task.uid), undefined, { uid: true, chunkSize: CHUNK_BYTES });
      if (!content) return { status: 'vanished' };
      const target = new Uint8Array(task.memory);
      let length = 0;
      let overflow = false;
      for await (const chunk of content as AsyncIterable<Buffer>) {
        if (length + chunk.byteLength > target.byteLength) overflow = true;
        else target.set(chunk, length);
        length += chunk.byteLength;
      }
      if (overflow) return { status: 'failed', message: `the mail (${length} bytes) is larger than the memory for it (${target.byteLength})` };
      return { status: 'stored', length };
    } finally {
      lock.release();
    }
  } catch (error) {
    await closeConnection();
    return { status: 'failed', message: (error as Error)?.message ?? String(error) };
  } finally {
    idleTimer = setTimeout(() => void closeConnection(), IDLE_CLOSE_MS);
    idleTimer.unref();
  }
}

/** Logs out (the worker is ending, or has been idle). */
export async function closeConnection(): Promise<void> {
  clearTimeout(idleTimer);
  const current = connection;
  connection = undefined;
  if (!current) return;
  await current.client.logout().catch(() => current.client.close());
}

async function connected(settings: ImapConnectionSettings): Promise<ImapFlow> {
  const key = JSON.stringify(settings);
  if (connection && connection.key === key && connection.client.usable) return connection.client;
  await closeConnection();
  const { ImapFlow } = await import('imapflow');
  // This connection only downloads: no IDLE, the poller's session watches the mailbox.
  const client = new ImapFlow({ ...imapClientOptions(settings), disableAutoIdle: true });
  // imapflow emits 'error' then 'close'; without a listener an error would end the worker.
  client.on('error', () => {});
  client.on('close', () => {
    if (connection?.client === client) connection = undefined;
  });
  await client.connect();
  connection = { client, key };
  return client;
}
