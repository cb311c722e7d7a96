// The poison-mail guard: a mail whose reading kills the whole process (a parse worker overshooting
// its heap limit makes Node abort — "FATAL ERROR: Reached heap limit" — or any native crash) must
// not be read again after every restart: a crash loop in which no later mail is ever stored.
//
// Before it reads, the poller notes durably what it is about to read (mail_reading, migration
// 0029): a batch's UID range once per batch — one small commit per 50 mails, so the backlog
// ingest keeps its pace — or one UID. A process that finds another reader's note that the
// checkpoint has not passed knows that reader died while reading it:
// - a range: the culprit is unknown, so that range is read one mail at a time, each with its own
//   note, and nothing is counted against any mail;
// - one mail: that mail counts one crash (mail_read_crashes). At MAIL_CRASH_QUARANTINE_AFTER it is
//   quarantined with its raw source, without being parsed again, and the mailbox moves on.
// A clean stop removes its own note, so a restart is never counted; a mail merely in flight at one
// kill -9 counts one crash and is stored when it is read again.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';

/** The default of MAIL_CRASH_QUARANTINE_AFTER. */
export const DEFAULT_CRASH_QUARANTINE_AFTER = 2;

/**
 * Why a mail went into quarantine without being read: Balie died while reading it, `crashes` times.
 * Not a passing problem (no connection-like code): the quarantine takes it with its own reason code.
 */
export class MailCrashedReadingError extends Error {
  readonly quarantineReason = 'reading_crashed' as const;
  constructor(
    readonly uid: number,
    readonly crashes: number,
  ) {
    super(
      `Balie stopped abruptly ${crashes} times while reading this mail (UID ${uid}), e.g. out of memory in a parse worker; ` +
        'it is not read again by itself. Download it to look at it; "try again" reads it once more',
    );
    this.name = 'MailCrashedReadingError';
  }
}

/** What the guard asks of one sync of a mailbox: the UIDs to read alone, and those not to read. */
export interface ReadingPlan {
  /** Read one at a time (with a note each): a range a dead reader left, and every mail that crashed once. */
  alone(uid: number): boolean;
  /** Crashed this often while read alone, at or above the setting: quarantine without reading. */
  poisoned(uid: number): number | undefined;
}

export class PoisonMailGuard {
  /** This process's poller, in every note it writes. */
  readonly reader = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Per mailbox: read alone up to this UID (in this UIDVALIDITY), from a dead reader's range note. */
  private readonly carefulUntil = new Map<string, { uidValidity: string; uid: number }>();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly quarantineAfter: number = DEFAULT_CRASH_QUARANTINE_AFTER,
  ) {}

  /**
   * At the start of each sync, after the checkpoint was read: takes over a dead reader's note (in
   * one transaction with the crash it counts, so dying again right now does not count it twice),
   * and reads the crash counts above the checkpoint. Two small reads when nothing happened.
   */
  async plan(mailbox: string, uidValidity: string, checkpoint: number): Promise<ReadingPlan> {
    const { rows } = await this.pool.query<{ uid_validity: string; first_uid: string; last_uid: string; reader: string }>(
      'SELECT uid_validity, first_uid, last_uid, reader FROM mail_reading WHERE mailbox = $1',
      [mailbox],
    );
    const note = rows[0];
    if (note && note.reader !== this.reader) await this.takeOver(mailbox, uidValidity, checkpoint, note);
    const crashed = await this.pool.query<{ uid: string; crashes: number }>(
      'SELECT uid, crashes FROM mail_read_crashes WHERE mailbox = $1 AND uid_validity = $2 AND uid > $3',
      [mailbox, uidValidity, checkpoint],
    );
    const crashes = new Map(crashed.rows.map((row) => [Number(row.uid), row.crashes]));
    const careful = this.carefulUntil.get(mailbox);
    const until = careful?.uidValidity === uidValidity ? careful.uid : 0;
    return {
      alone: (uid) => uid <= until || crashes.has(uid),
      poisoned: (uid) => {
        const count = crashes.get(uid);
        return count !== undefined && count >= this.quarantineAfter ? count : undefined;
      },
    };
  }

  private async takeOver(mailbox: string, uidValidity: string, checkpoint: number, note: { uid_validity: string; first_uid: string; last_uid: string; reader: string }) {
    const first = Number(note.first_uid);
    const last = Number(note.last_uid);
    // Done (the checkpoint passed it) or of an old UIDVALIDITY: the dead reader finished it.
    const unfinished = note.uid_validity === uidValidity && last > checkpoint;
    await inTransaction(this.pool, async (tx) => {
      if (unfinished && first === last) {
        const { rows } = await tx.query<{ crashes: number }>(
          `INSERT INTO mail_read_crashes (mailbox, uid_validity, uid, crashes) VALUES ($1, $2, $3, 1)
           ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET crashes = mail_read_crashes.crashes + 1, last_crash_at = now()
           RETURNING crashes`,
          [mailbox, uidValidity, first],
        );
        const crashes = rows[0]!.crashes;
        this.log.warn(
          { mailbox, uid: first, crashes, quarantineAfter: this.quarantineAfter, deadReader: note.reader },
          crashes >= this.quarantineAfter
            ? `Balie stopped abruptly while reading mail UID ${first} (${crashes} times): it goes into quarantine without being read again`
            : `Balie stopped abruptly while reading mail UID ${first} (${crashes} of ${this.quarantineAfter} times before it is quarantined): reading it again`,
        );
      } else if (unfinished) {
        this.log.warn({ mailbox, firstUid: first, lastUid: last, deadReader: note.reader }, `Balie stopped abruptly while reading mail UID ${first}–${last}: reading those one at a time`);
      }
      // Counts of mail now stored or quarantined, or of an old UIDVALIDITY, are no longer needed.
      await tx.query('DELETE FROM mail_read_crashes WHERE mailbox = $1 AND (uid_validity <> $2 OR uid <= $3)', [mailbox, uidValidity, checkpoint]);
      await tx.query('UPDATE mail_reading SET reader = $2 WHERE mailbox = $1', [mailbox, this.reader]);
    });
    if (unfinished) {
      const careful = this.carefulUntil.get(mailbox);
      const until = careful?.uidValidity === uidValidity ? Math.max(careful.uid, last) : last;
      this.carefulUntil.set(mailbox, { uidValidity, uid: until });
    }
  }

  /**
   * Notes, committed, that UIDs first..last are being read now (a batch, or first = last for one
   * mail). False once the guard is closed (Balie is stopping): read nothing more then.
   */
  async reading(db: Db, mailbox: string, uidValidity: string, first: number, last: number): Promise<boolean> {
    if (this.closed) return false;
    await db.query(
      `INSERT INTO mail_reading (mailbox, uid_validity, first_uid, last_uid, reader) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, first_uid = EXCLUDED.first_uid,
         last_uid = EXCLUDED.last_uid, reader = EXCLUDED.reader, noted_at = now()`,
      [mailbox, uidValidity, first, last, this.reader],
    );
    return true;
  }

  /** The poller (re)starts: it notes again. */
  open(): void {
    this.closed = false;
  }

  /** Balie is stopping: no more notes, so nothing more is read (see {@link reading}). */
  stopNoting(): void {
    this.closed = true;
  }

  /**
   * At a clean stop, once nothing is read any more: removes this reader's notes, so the next
   * start does not take the stop for a crash. A note that cannot be removed (the database is away)
   * is at most read one mail at a time, or counted once, at the next start.
   */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.pool.query('DELETE FROM mail_reading WHERE reader = $1', [this.reader]);
    } catch (error) {
      this.log.warn({ err: error }, 'could not remove the note of the mail being read; the next start reads it one at a time');
    }
  }
}
