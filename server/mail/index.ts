// The e-mail channel's face: reading the mailbox, sending from the outbox, and their health.
import type { MailConfig } from '../config.ts';
import { announceChange } from '../conversations/apply.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import type { IngestResult } from './ingest.ts';
import { MailPoller } from './poller.ts';
import { MailSender, smtpTransport } from './sender.ts';

export type { MailSettings } from './ingest.ts';

export interface MailHealth {
  /** connected | connecting | standby (another instance reads the mailbox) | error | stopped */
  imap: string;
  error: string | null;
  /** Mails this instance could not store and kept in mail_quarantine (with the reason). */
  quarantined: number;
  smtp: 'configured' | 'not_configured';
}

export class MailChannel {
  private readonly poller: MailPoller;
  private readonly sender: MailSender | undefined;

  constructor(options: { pool: Pool; connectionString: string; config: MailConfig; referencePrefix: string; events: DomainEvents; log: Logger }) {
    const { pool, connectionString, config, events, log } = options;
    const mailLog = log.child({ channel: 'email' });
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
      {
        referencePrefix: options.referencePrefix,
        from: config.from,
        ownAddresses: config.imap.user.includes('@') ? [config.imap.user.toLowerCase()] : [],
        autoAck: config.autoAck,
        maxBytes: config.maxBytes,
      },
      mailLog,
      (result) => void announce(result).catch((error: unknown) => mailLog.warn({ err: error }, 'could not announce a stored mail')),
    );
    this.sender = config.smtp
      ? new MailSender(pool, connectionString, smtpTransport(config.smtp), config.from, mailLog, ({ lifecycle, ...change }) => {
          events.emit('message.delivery_changed', change);
          if (lifecycle) announceChange(events, lifecycle);
        })
      : undefined;
    if (!config.smtp) mailLog.warn('SMTP_HOST is not set: acknowledgements and replies stay queued until it is');
  }

  start(): void {
    this.poller.start();
    this.sender?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.poller.stop(), this.sender?.stop()]);
  }

  health(): MailHealth {
    return { imap: this.poller.status.state, error: this.poller.status.error, quarantined: this.poller.quarantined, smtp: this.sender ? 'configured' : 'not_configured' };
  }
}
