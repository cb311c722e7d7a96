// Shared by the e-mail channel's integration tests: a real Dovecot and SMTP server, a Balie wired to
// both, mail delivered the way an MTA would, and waiting for what Balie stored.
import { ImapFlow } from 'imapflow';
import type { Db } from '../../../server/db/index.ts';
import { startDovecot, type Dovecot } from '../../support/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.ts';

export const MAIL_FROM_ADDRESS = 'info@gemeente.test';

export interface MailWorld {
  dovecot: Dovecot;
  smtp: SmtpSink;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startMailWorld(extraEnv: Record<string, string> = {}): Promise<MailWorld> {
  const [dovecot, smtp] = await Promise.all([startDovecot(), startSmtpSink()]);
  return {
    dovecot,
    smtp,
    env: {
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.imapPort),
      IMAP_SECURE: 'false',
      IMAP_USER: dovecot.user,
      IMAP_PASSWORD: dovecot.password,
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      MAIL_FROM: `Gemeente Test <${MAIL_FROM_ADDRESS}>`,
      // Rotterdam's norm promises an answer (5 working days): the acknowledgement names its date.
      NORM: 'rotterdam',
      ...extraEnv,
    },
    async close() {
      await Promise.all([dovecot.close(), smtp.close()]);
    },
  };
}

/** Appends raw messages to the INBOX over IMAP (as a delivery would put them there). */
export async function deliver(dovecot: Dovecot, ...messages: string[]): Promise<void> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  try {
    for (const message of messages) await client.append('INBOX', message.replace(/\r?\n/g, '\r\n'));
  } finally {
    await client.logout();
  }
}

let counter = 0;

/** A plain mail from a citizen; override any header or the body. */
export function citizenMail(options: { from?: string; subject?: string; body?: string; messageId?: string | null; headers?: Record<string, string>; date?: string } = {}): string {
  counter += 1;
  const headers: Record<string, string> = {
    From: options.from ?? 'Jan Jansen <jan@example.nl>',
    To: MAIL_FROM_ADDRESS,
    Subject: options.subject ?? `Vraag ${counter}`,
    Date: options.date ?? 'Thu, 24 Dec 2026 16:30:00 +0100',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...(options.messageId === null ? {} : { 'Message-ID': `<${options.messageId ?? `vraag-${counter}-${Date.now()}@example.nl`}>` }),
    ...options.headers,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${head}\n\n${options.body ?? `Goedemiddag, ik heb een vraag over mijn paspoort (${counter}).`}\n`;
}

/** Polls `query` until `until` holds for its result, or fails after `ms` with the last result. */
export async function eventually<T>(query: () => Promise<T>, until: (value: T) => boolean, ms = 15_000): Promise<T> {
  const started = Date.now();
  let value = await query();
  while (!until(value)) {
    if (Date.now() - started > ms) throw new Error(`condition not met in ${ms} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await query();
  }
  return value;
}

export async function countIncoming(db: Db): Promise<number> {
  const { rows } = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM messages WHERE direction = 'in'");
  return rows[0]!.count;
}
