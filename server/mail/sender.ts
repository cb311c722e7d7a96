// The outbox worker: sends queued mail through SMTP (nodemailer), retries with backoff, and records
// the outcome. Any instance may run it; SKIP LOCKED and a lease give each mail to one of them.
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import { applyEvent, type LifecycleChange } from '../conversations/apply.ts';
import type { ReplyKind } from '../conversations/lifecycle.ts';
import { inRetriedTransaction, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { formatAddress, headerSafe } from './compose.ts';
import { claimDueMail, markAttemptFailed, markSent, nextDueAt, OUTBOX_CHANNEL, type ClaimedMail, type DeliveryState } from './outbox.ts';

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
const MAX_ATTEMPTS = 12;
/** Seconds before attempt n+1: 5 s, 10 s, 20 s … at most 15 minutes. */
export const retryAfterSeconds = (attempt: number) => Math.min(5 * 2 ** (attempt - 1), 900);

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
  private listener: pg.Client | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly transport: Transporter,
    private readonly from: { name: string | null; address: string },
    private readonly log: Logger,
    private readonly onDelivery: (change: DeliveryChange) => void = () => {},
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
    await this.listener?.end().catch(() => {});
    this.listener = undefined;
    this.transport.close();
  }

  /** LISTEN for new outbox rows, so a reply queued on another instance goes out at once. */
  private async listen(): Promise<void> {
    if (this.stopping || this.listener) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', () => {
      this.listener = undefined;
      if (!this.stopping) setTimeout(() => void this.listen(), 5_000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.log.warn({ err: error }, 'outbox: LISTEN failed; relying on the timer');
      await client.end().catch(() => {});
      if (!this.stopping) setTimeout(() => void this.listen(), 5_000).unref();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let claimed: ClaimedMail[] = [];
      try {
        claimed = await claimDueMail(this.pool, BATCH);
        for (const mail of claimed) await this.send(mail);
      } catch (error) {
        this.log.warn({ err: error }, 'outbox: could not read the queue');
      }
      if (claimed.length === BATCH) continue;
      const due = await nextDueAt(this.pool).catch(() => undefined);
      const wait = due ? Math.max(0, due.getTime() - Date.now()) : 30_000;
      await this.sleep(Math.min(wait, 30_000));
    }
  }

  private async send(mail: ClaimedMail): Promise<void> {
    try {
      await this.transport.sendMail({
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
      });
    } catch (error) {
      const err = error as { responseCode?: number; message?: string };
      // 5xx is the server's final word on this mail; anything else (down, 4xx) is worth another try.
      const permanent = err.responseCode !== undefined && err.responseCode >= 500;
      const final = permanent || mail.attempts >= MAX_ATTEMPTS;
      const reason = err.message ?? String(error);
      await markAttemptFailed(this.pool, mail.id, reason, final, retryAfterSeconds(mail.attempts));
      this.log.warn({ outboxId: mail.id, attempt: mail.attempts, final, reason }, 'outbox: sending failed');
      this.onDelivery({ conversationId: mail.conversationId, messageId: mail.messageId, state: final ? 'failed' : 'sending', error: reason });
      return;
    }
    const at = new Date();
    // Retried on a deadlock: failing here would leave a sent mail marked unsent, and send it again.
    const lifecycle = await inRetriedTransaction(this.pool, async (tx) => {
      // Milestones are met once the SMTP server accepted the mail, by what the mail was (domain.md:
      // met only when received). applyEvent locks the conversation before its milestones
      // (server/db/lock-order.ts).
      const kind = await tx.query<{ replyKind: ReplyKind | null }>('SELECT reply_kind AS "replyKind" FROM messages WHERE id = $1', [mail.messageId]);
      const applied = await applyEvent(tx, mail.conversationId, { type: 'mail_delivered', purpose: mail.purpose, replyKind: kind.rows[0]?.replyKind ?? null }, { at });
      await markSent(tx, mail.id, at);
      return applied.ok ? applied.change : undefined;
    });
    this.onDelivery({ conversationId: mail.conversationId, messageId: mail.messageId, state: 'sent', error: null, ...(lifecycle ? { lifecycle } : {}) });
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
