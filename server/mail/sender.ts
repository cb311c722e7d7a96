// The outbox worker: sends queued mail through SMTP (nodemailer), retries with backoff for as long
// as the retry window lasts, and records the outcome. Any instance may run it: SKIP LOCKED gives
// each mail to one of them, and a session advisory lock per instance tells the others when the
// holder of a mail has died.
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import { applyEvent, type LifecycleChange } from '../conversations/apply.ts';
import type { ReplyKind } from '../conversations/lifecycle.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { formatAddress, headerSafe } from './compose.ts';
import { attachmentsOfMessage } from './outgoing-attachments.ts';
import {
  claimDueMail,
  confirmClaim,
  markAttemptFailed,
  markSent,
  newSenderKey,
  nextDueAt,
  OUTBOX_CHANNEL,
  OUTBOX_LOCK_CLASS,
  type ClaimedMail,
  type DeliveryState,
} from './outbox.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: TLS from the start (465); false: STARTTLS when offered (587/25). */
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
}

export interface DeliveryChange {
  conversationId: number;
  messageId: number;
  state: DeliveryState;
  error: string | null;
  /** On 'sent': what the delivery met (an acknowledgement, an answer …), for the inboxes. */
  lifecycle?: LifecycleChange;
}

const BATCH = 10;

export interface RetryPolicy {
  /**
   * How long transient failures (SMTP server down, timeouts, DNS, 4xx) are retried before the mail
   * is failed (OUTBOX_RETRY_HOURS). Days, so that a weekend's or a maintenance window's outage
   * delays mail but loses none.
   */
  windowHours: number;
  /** The longest wait between two attempts (OUTBOX_RETRY_MAX_DELAY_SECONDS). */
  maxDelaySeconds: number;
}

/** 96 hours: from Thursday evening over a long weekend (Easter, Pentecost) to Tuesday morning. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ windowHours: 96, maxDelaySeconds: 900 });

/** Seconds before attempt n+1: 5 s, 10 s, 20 s … at most `maxDelaySeconds` (15 minutes). */
export const retryAfterSeconds = (attempt: number, maxDelaySeconds = DEFAULT_RETRY_POLICY.maxDelaySeconds) =>
  Math.min(5 * 2 ** Math.min(attempt - 1, 20), maxDelaySeconds);

interface SmtpError {
  code?: string;
  command?: string;
  responseCode?: number;
  message?: string;
}

/**
 * Whether an SMTP error is the server's final word on this mail. RFC 5321 §4.2.1: 5yz is a
 * permanent negative reply, 4yz transient. Only a 5xx to RCPT TO (this recipient: each outbox row
 * has exactly one, so one refused recipient never fails mail to another) or to the message itself
 * (DATA: size, content) fails the mail. A 5xx to the greeting, AUTH or MAIL FROM says something
 * about our account or sender address, which an operator fixes; it is retried like an outage (and
 * logged as an error), so that the fix does not have to be followed by resending every mail.
 * Connection errors, timeouts and DNS failures carry no response code and are transient.
 */
export function isPermanentSmtpFailure(error: SmtpError): boolean {
  if (error.responseCode === undefined || error.responseCode < 500 || error.responseCode > 599) return false;
  if (error.code === 'EENVELOPE') return error.command === undefined || /^RCPT/i.test(error.command);
  return error.code === 'EMESSAGE' || /^DATA/i.test(error.command ?? '');
}

/**
 * Whether recording a sent mail may succeed if tried again: anything but a mistake in the
 * statement or the data (SQLSTATE classes 22, 23, 42), which would fail the same way every time.
 * Lost connections (no SQLSTATE, class 08, 57P01 after pg_terminate_backend), a database that is
 * starting, deadlocks and timeouts all pass.
 */
function isRetryableDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && /^(22|23|42)/.test(code));
}

/** Recording a delivery is retried this long (under the lease: no other instance resends it meanwhile). */
const RECORD_RETRY_MS = 10 * 60_000;

export function smtpTransport(settings: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
}

export class MailSender {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** LISTEN for new mail, and the advisory lock that tells other instances this one lives. */
  private listener: pg.Client | undefined;
  /** This instance's key while its lock is held (see claimDueMail); undefined: do not claim. */
  private key: number | undefined;
  /** The key this instance had; taken again after a lost connection, so its claims stay its own. */
  private lastKey: number | undefined;
  /** Bumped each time the lock is taken: a claim made under an older epoch is confirmed first. */
  private lockEpoch = 0;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly transport: Transporter,
    private readonly from: { name: string | null; address: string },
    private readonly log: Logger,
    private readonly onDelivery: (change: DeliveryChange) => void = () => {},
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  start(): void {
    this.stopping = false;
    this.running ??= this.run();
    void this.listen();
  }

  /** Sends what is due now instead of at the next timer. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    this.running = undefined;
    this.key = undefined;
    await this.listener?.end().catch(() => {});
    this.listener = undefined;
    this.transport.close();
  }

  /**
   * Connects the connection that LISTENs for new outbox rows (a reply queued on another instance
   * goes out at once) and holds this instance's advisory lock. While it is lost the sender claims
   * nothing: another instance would see its claims as a dead instance's and send them too.
   */
  private async listen(): Promise<void> {
    if (this.stopping || this.listener) return;
    // The URL carries application_name (balie-mail) and the timeouts (server/db/pool.ts connectionStringFor).
    const client = new pg.Client({ connectionString: this.databaseUrl });
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.key = undefined;
      client.end().catch(() => {});
      if (!this.stopping) setTimeout(() => void this.listen(), 1_000).unref();
    };
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'outbox: the sender lost its database connection; it claims no mail until it is back');
      lost();
    });
    client.on('end', lost);
    try {
      await client.connect();
      // The same key as before a lost connection, if it is free: the mails this instance is still
      // sending stay claimed by it (unless another instance took them over meanwhile).
      let key = this.lastKey;
      if (key === undefined || !(await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [OUTBOX_LOCK_CLASS, key])).rows[0]!.locked) {
        key = await newSenderKey(client);
        await client.query('SELECT pg_advisory_lock($1, $2)', [OUTBOX_LOCK_CLASS, key]);
      }
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (this.listener !== client) return;
      this.key = key;
      this.lastKey = key;
      this.lockEpoch += 1;
      this.wake();
    } catch (error) {
      this.log.warn({ err: error }, 'outbox: the sender could not connect its lock and LISTEN connection; retrying');
      lost();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let claimed: ClaimedMail[] = [];
      const key = this.key;
      const epoch = this.lockEpoch;
      if (key !== undefined) {
        try {
          claimed = await claimDueMail(this.pool, BATCH, key);
          for (const mail of claimed) {
            if (this.stopping) break;
            if (!(await this.stillOurs(mail, key, epoch))) continue;
            await this.send(mail);
          }
        } catch (error) {
          this.log.warn({ err: error }, 'outbox: could not read the queue');
        }
        if (claimed.length === BATCH) continue;
      }
      const due = key === undefined ? undefined : await nextDueAt(this.pool).catch(() => undefined);
      const wait = due ? Math.max(0, due.getTime() - Date.now()) : 30_000;
      await this.sleep(Math.min(wait, key === undefined ? 1_000 : 30_000));
    }
  }

  /**
   * Whether this instance may still send a mail of its batch. Without the lock it may not (the
   * rest of the batch is another instance's to take at once); after the lock was taken again,
   * the claim is confirmed, because another instance may have taken the mail over in between.
   */
  private async stillOurs(mail: ClaimedMail, claimKey: number, claimEpoch: number): Promise<boolean> {
    if (this.key === undefined) return false;
    if (this.lockEpoch === claimEpoch && this.key === claimKey) return true;
    return confirmClaim(this.pool, mail.id, claimKey, this.key);
  }

  private async send(mail: ClaimedMail): Promise<void> {
    let info: { rejected?: unknown[] } | undefined;
    try {
      // An agent's attachments (issue 16.3); a read that fails is retried like an outage.
      const attachments = mail.purpose === 'reply' ? await attachmentsOfMessage(this.pool, mail.messageId) : [];
      info = await this.transport.sendMail({
        from: formatAddress(this.from.name, this.from.address),
        to: formatAddress(mail.toName, mail.toAddress),
        subject: headerSafe(mail.subject),
        text: mail.bodyText,
        html: mail.bodyHtml ?? undefined,
        messageId: `<${mail.rfcMessageId}>`,
        inReplyTo: mail.inReplyTo ? `<${mail.inReplyTo}>` : undefined,
        references: mail.references.length ? mail.references.map((id) => `<${id}>`) : undefined,
        // RFC 3834: our acknowledgement is an automatic answer; auto-responders must not answer it.
        // Microsoft's X-Auto-Response-Suppress keeps Exchange out-of-office replies from answering it.
        headers: mail.purpose === 'acknowledgement' ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : {},
        ...(attachments.length ? { attachments } : {}),
      });
    } catch (error) {
      await this.attemptFailed(mail, error as SmtpError);
      return;
    }
    if (info?.rejected?.length) {
      // nodemailer sends to the recipients that were accepted; the one recipient of an outbox row
      // being refused arrives as an error above, so this is only a guard.
      await this.attemptFailed(mail, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, message: `recipient refused: ${mail.toAddress}` });
      return;
    }
    const lifecycle = await this.recordDelivery(mail, new Date());
    this.onDelivery({ conversationId: mail.conversationId, messageId: mail.messageId, state: 'sent', error: null, ...(lifecycle ? { lifecycle } : {}) });
  }

  private async attemptFailed(mail: ClaimedMail, error: SmtpError): Promise<void> {
    const permanent = isPermanentSmtpFailure(error);
    const reason = error.message ?? String(error);
    const state = await markAttemptFailed(
      this.pool,
      mail.id,
      reason,
      permanent
        ? { kind: 'permanent' }
        : { kind: 'transient', retryAfterSeconds: retryAfterSeconds(mail.attempts, this.retry.maxDelaySeconds), retryWindowSeconds: this.retry.windowHours * 3600 },
    );
    const final = state === 'failed';
    // A refused login or sender address fails every mail until an operator acts.
    const ours = error.code === 'EAUTH' || (error.responseCode !== undefined && error.responseCode >= 500 && !permanent);
    this.log[final || ours ? 'error' : 'warn'](
      { outboxId: mail.id, attempt: mail.attempts, final, permanent, smtpCode: error.code, responseCode: error.responseCode, reason },
      final ? 'outbox: mail failed; a supervisor can resend it' : 'outbox: sending failed; retrying',
    );
    this.onDelivery({ conversationId: mail.conversationId, messageId: mail.messageId, state: final ? 'failed' : 'sending', error: reason });
  }

  /**
   * Records a delivery the SMTP server accepted, with what it met (domain.md: milestones are met
   * only when received). Between the server's 250 and this commit lies the one window in which a
   * mail can go out twice, so a failure here is retried — on a new connection, with backoff, for
   * as long as the lease lasts (a lost connection, a database restart, a lock timeout) — rather
   * than leaving the mail to be sent again.
   */
  private async recordDelivery(mail: ClaimedMail, at: Date): Promise<LifecycleChange | undefined> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (tx) => {
          // applyEvent locks the conversation before its milestones (server/db/lock-order.ts).
          const kind = await tx.query<{ replyKind: ReplyKind | null }>('SELECT reply_kind AS "replyKind" FROM messages WHERE id = $1', [mail.messageId]);
          const applied = await applyEvent(tx, mail.conversationId, { type: 'mail_delivered', purpose: mail.purpose, replyKind: kind.rows[0]?.replyKind ?? null }, { at });
          await markSent(tx, mail.id, at);
          return applied.ok ? applied.change : undefined;
        });
      } catch (error) {
        const elapsed = Date.now() - started;
        const giveUp = elapsed > RECORD_RETRY_MS || (this.stopping && attempt >= 5);
        if (!isRetryableDatabaseError(error) || giveUp) {
          if (isRetryableDatabaseError(error)) {
            this.log.error({ err: error, outboxId: mail.id }, 'outbox: could not record a delivered mail; it will be sent again');
            throw error;
          }
          // A mistake in the lifecycle must not send the mail again: record the delivery alone.
          this.log.error({ err: error, outboxId: mail.id }, 'outbox: could not apply a delivery to the conversation; recording the delivery alone');
          await inTransaction(this.pool, (tx) => markSent(tx, mail.id, at));
          return undefined;
        }
        this.log.warn({ err: error, outboxId: mail.id, attempt }, 'outbox: recording a delivered mail failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 5_000)));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // stop() may have been called while we were busy: its wake-up came before this sleep.
      if (this.stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
