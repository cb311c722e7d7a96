// The e-mail channel's face: reading the mailbox, sending from the outbox, and their health.
import type { MailConfig } from '../config.ts';
import { announceChange } from '../conversations/apply.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import type { IngestResult, MailSettings } from './ingest.ts';
import { openMailParsing } from './parse-pool.ts';
import { MailPoller } from './poller.ts';
import { countQuarantined, dismissQuarantined, retryQuarantined, type RetryOutcome } from './quarantine.ts';
import { MailSender, smtpTransport } from './sender.ts';

export type { MailSettings } from './ingest.ts';
export { listQuarantined, quarantinedRaw, type QuarantinedMail, type RetryOutcome } from './quarantine.ts';

export interface MailHealth {
  /** connected | connecting | standby (another instance reads the mailbox) | error | stopped */
  imap: string;
  error: string | null;
  /**
   * Mails waiting in mail_quarantine for a supervisor (GET /api/quarantine), on every instance:
   * counted from the table at start, after each quarantine, retry and dismissal, and every
   * QUARANTINE_RECOUNT_MS; the last count stands while the database cannot be asked.
   */
  quarantined: number;
  /** Failed IMAP connection attempts since the last healthy session, and the wait before the next. */
  failures: number;
  retryInMs: number | null;
  /** Since when the IMAP session has been healthy (connected, read, up for some seconds); a drop after that is retried after the minimum wait. */
  healthySince: string | null;
  smtp: 'configured' | 'not_configured';
}

/** How often the quarantine count is read again, for mail another instance put there. */
const QUARANTINE_RECOUNT_MS = 30_000;

export class MailChannel {
  private readonly poller: MailPoller;
  private readonly sender: MailSender | undefined;
  private readonly pool: Pool;
  private readonly log: Logger;
  readonly settings: MailSettings;
  private quarantined = 0;
  private recountTimer: NodeJS.Timeout | undefined;
  private recounting: Promise<void> | undefined;
  private recountAgain = false;
  /** The worker threads that read mail (issue 12.1), open while the channel runs. */
  private parsing: { close(): Promise<void> } | undefined;
  private readonly parsingSettings: MailConfig['parsing'];

  constructor(options: { pool: Pool; connectionString: string; config: MailConfig; referencePrefix: string; events: DomainEvents; log: Logger }) {
    const { pool, connectionString, config, events, log } = options;
    const mailLog = log.child({ channel: 'email' });
    this.pool = pool;
    this.log = mailLog;
    this.parsingSettings = config.parsing;
    this.settings = {
      referencePrefix: options.referencePrefix,
      from: config.from,
      ownAddresses: config.imap.user.includes('@') ? [config.imap.user.toLowerCase()] : [],
      autoAck: config.autoAck,
      maxBytes: config.maxBytes,
    };
    const announce = async (result: IngestResult) => {
      if (result.outcome !== 'stored') return;
      const { rows } = await pool.query<{ reference: string; kind: 'message' | 'system' }>(
        'SELECT c.reference, m.kind FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.id = $1',
        [result.messageId],
      );
      const row = rows[0];
      if (!row) return;
      const activity = { conversationId: result.conversationId, reference: row.reference, channel: 'email' as const };
      if (result.newConversation) events.emit('conversation.created', activity);
      events.emit('message.created', { ...activity, messageId: result.messageId, direction: 'in', kind: row.kind });
      if (result.change) announceChange(events, result.change);
      // Acknowledgements were queued with the mail; the sender on this or another instance is told by NOTIFY.
    };
    this.poller = new MailPoller(
      pool,
      connectionString,
      config.imap,
      this.settings,
      mailLog,
      (result) => void announce(result).catch((error: unknown) => mailLog.warn({ err: error }, 'could not announce a stored mail')),
      () => void this.recountQuarantine(),
      { crashQuarantineAfter: config.crashQuarantineAfter },
    );
    this.announce = announce;
    this.sender = config.smtp
      ? new MailSender(pool, connectionString, smtpTransport(config.smtp), config.from, mailLog, ({ lifecycle, ...change }) => {
          events.emit('message.delivery_changed', change);
          if (lifecycle) announceChange(events, lifecycle);
        }, config.outbox)
      : undefined;
    if (!config.smtp) mailLog.warn('SMTP_HOST is not set: acknowledgements and replies stay queued until it is');
  }

  private readonly announce: (result: IngestResult) => Promise<void>;

  start(): void {
    this.parsing ??= openMailParsing(this.parsingSettings);
    this.poller.start();
    this.sender?.start();
    void this.recountQuarantine();
    this.recountTimer = setInterval(() => void this.recountQuarantine(), QUARANTINE_RECOUNT_MS);
    this.recountTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.recountTimer);
    await Promise.all([this.poller.stop(), this.sender?.stop(), this.recounting]);
    // After the poller: a mail still being read fails as 'shutting down' and is read again at the next start.
    await this.parsing?.close();
    this.parsing = undefined;
    // A clean stop: the next start must not take the mail that was being read for a poison mail.
    await this.poller.forgetReading();
  }

  health(): MailHealth {
    const { state, error, failures, retryInMs, healthySince } = this.poller.status;
    return { imap: state, error, quarantined: this.quarantined, failures, retryInMs, healthySince, smtp: this.sender ? 'configured' : 'not_configured' };
  }

  /** Reads the quarantine count from the table; one read at a time, one more if asked meanwhile. */
  recountQuarantine(): Promise<void> {
    if (this.recounting) {
      this.recountAgain = true;
      return this.recounting;
    }
    this.recounting = (async () => {
      do {
        this.recountAgain = false;
        try {
          this.quarantined = await countQuarantined(this.pool);
        } catch (error) {
          this.log.warn({ err: error }, 'could not count the quarantined mail; /healthz shows the last count');
        }
      } while (this.recountAgain);
      this.recounting = undefined;
    })();
    return this.recounting;
  }

  /** Tries a quarantined mail again through the normal ingest; a stored mail is announced live. */
  async retryQuarantined(id: number, agentId: number): Promise<RetryOutcome> {
    const outcome = await retryQuarantined(this.pool, id, this.settings, agentId);
    if (outcome.outcome === 'stored' || outcome.outcome === 'duplicate') {
      // Marks it \Seen in the mailbox now if this instance reads it, else at that one's next sync.
      this.poller.syncSoon();
      await this.announce(outcome.result).catch((error: unknown) => this.log.warn({ err: error }, 'could not announce a stored mail'));
    }
    await this.recountQuarantine();
    return outcome;
  }

  async dismissQuarantined(id: number, agentId: number, reason: string): Promise<boolean> {
    const dismissed = await dismissQuarantined(this.pool, id, agentId, reason);
    if (dismissed) this.poller.syncSoon();
    await this.recountQuarantine();
    return dismissed;
  }
}
