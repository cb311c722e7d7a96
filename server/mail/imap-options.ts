// One place for how Balie connects to the gemeente's IMAP server, so that the poller's session and
// the parse worker's download connection (imap-download.ts) use the same host, TLS and credentials.
import type { ImapFlowOptions } from 'imapflow';

/** What a connection needs (a part of the poller's ImapSettings; structured-clonable for a worker). */
export interface ImapConnectionSettings {
  host: string;
  port: number;
  /** true: TLS from the start; false: STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
}

export function imapClientOptions(settings: ImapConnectionSettings): ImapFlowOptions {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.password },
    logger: false,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
  };
}
