// Balie's configuration: the environment, parsed and validated once at start into a frozen object.
// Nothing else in the server reads process.env (style.md §4).
import path from 'node:path';
import { z } from 'zod';
// The pure modules of the deadlines core, not its index: configuration needs no database code.
import { DEFAULT_BUSINESS_HOURS, parseWeeklyHours, type WeeklyHours } from './deadlines/business-hours.ts';
import { parseIsoDate } from './deadlines/dates.ts';
import { NORM_PRESETS } from './deadlines/norms.ts';
import { OUTGOING_KINDS, type OutgoingKind } from './inbox/outgoing-types.ts';

/** A configuration problem, named by the environment variable that causes it. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const url = z.url({ error: 'must be a URL such as https://balie.gemeente.nl' });

const origin = z.string().transform((value, ctx) => {
  if (value === '*') return value;
  try {
    const parsed = new URL(value);
    if (parsed.origin !== 'null' && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return parsed.origin;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://www.gemeente.nl` });
  return z.NEVER;
});

const origins = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(origin));

const referencePrefix = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be 2–10 capital letters or digits, starting with a letter (e.g. BAL)');

/** BUSINESS_HOURS / CHAT_HOURS syntax, e.g. `mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00` or `always`. */
const weeklyHours = z.string().transform((value, ctx) => {
  const parsed = parseWeeklyHours(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

const closureDays = z.string().transform((value, ctx) => {
  const days = value.split(',').map((part) => part.trim()).filter(Boolean);
  const bad = days.find((day) => parseIsoDate(day) === null);
  if (bad === undefined) return [...new Set(days)].sort();
  ctx.addIssue({ code: 'custom', message: `"${bad}" is not a date; use comma-separated YYYY-MM-DD dates` });
  return z.NEVER;
});

const presetIds = NORM_PRESETS.map((norm) => norm.id);
const normId = z.string().refine((value) => presetIds.includes(value), `must be one of ${presetIds.join(', ')}`);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1' || value === 'yes')
    .default(fallback);

/** `Gemeente Voorbeeld <info@gemeente.nl>` or `info@gemeente.nl`. */
const mailbox = z.string().transform((value, ctx) => {
  const match = /^\s*(?:"?([^"<>]*?)"?\s*)?<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value) ?? /^\s*()([^<>\s"]+@[^<>\s"]+)\s*$/.exec(value);
  if (match && z.email().safeParse(match[2]).success && !/[\r\n]/.test(value)) {
    return { name: match[1]?.trim() || null, address: match[2]!.toLowerCase() };
  }
  ctx.addIssue({ code: 'custom', message: 'must be an address such as "Gemeente Voorbeeld <info@gemeente.nl>"' });
  return z.NEVER;
});

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const environment = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PUBLIC_URL: url.optional(),
  WIDGET_ORIGINS: origins.default([]),
  ADMIN_EMAIL: z.email('must be an e-mail address').optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  REFERENCE_PREFIX: referencePrefix.default('BAL'),
  SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
  /** A session ends this long after login however active it is (issue 12.9); default max(24, SESSION_HOURS). */
  SESSION_ABSOLUTE_HOURS: z.coerce.number({ error: 'must be a number of hours' }).int('must be a whole number').min(1, 'must be between 1 and 2160').max(24 * 90, 'must be between 1 and 2160').optional(),
  /** Where to report a vulnerability, served in /.well-known/security.txt (RFC 9116): mailto:, https: or an address. */
  SECURITY_CONTACT: z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean).map((item) => (/^[^:@\s]+@[^@\s]+$/.test(item) ? `mailto:${item}` : item)))
    .pipe(z.array(z.string().regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+|tel:\+?[\d-]+)$/, 'must be e-mail addresses, mailto:, https: or tel: URIs, separated by commas')).min(1))
    .optional(),
  CHAT_SESSION_HOURS: z.coerce.number({ error: 'must be a number of hours' }).int('must be a whole number').min(1, 'must be between 1 and 720').max(720, 'must be between 1 and 720').default(24),
  /** A queued chat with no widget connected for this long is abandoned (domain.md: 2 minutes). */
  CHAT_ABANDON_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(1, 'must be between 1 and 3600').max(3600, 'must be between 1 and 3600').default(120),
  PRESENCE_HEARTBEAT_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(0.1, 'must be between 0.1 and 300').max(300, 'must be between 0.1 and 300').default(15),
  PUBLIC_RATE_LIMIT: z.coerce.number({ error: 'must be a number of requests' }).int().min(1, 'must be at least 1').default(60),
  PUBLIC_SUBMIT_LIMIT: z.coerce.number({ error: 'must be a number of requests' }).int().min(1, 'must be at least 1').default(30),
  WIDGET_SOCKET_RATE_LIMIT: z.coerce.number({ error: 'must be a number of events' }).int().min(1, 'must be at least 1').default(120),
  WIDGET_IP_RATE_LIMIT: z.coerce.number({ error: 'must be a number of events' }).int().min(1, 'must be at least 1').default(1200),
  LOG_LEVEL: logLevel.default('info'),
  NORM: normId.default('vng'),
  BUSINESS_HOURS: weeklyHours.optional(),
  CHAT_HOURS: weeklyHours.optional(),
  CLOSURE_DAYS: closureDays.default([]),
  DUE_SOON_HOURS: z.coerce.number({ error: 'must be a number of business hours' }).min(0, 'must be between 0 and 40').max(40, 'must be between 0 and 40').default(4),
  IMAP_HOST: z.string().min(1).optional(),
  IMAP_PORT: port.optional(),
  IMAP_SECURE: bool(true),
  IMAP_USER: z.string().min(1).optional(),
  IMAP_PASSWORD: z.string().optional(),
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  IMAP_POLL_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).int().min(5, 'must be at least 5').max(3600, 'must be at most 3600').default(30),
  IMAP_MARK_SEEN: bool(true),
  /** How long an IMAP session must stay up before a drop starts the reconnect backoff over (poller.ts). */
  IMAP_HEALTHY_AFTER_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(1, 'must be at least 1').max(3600, 'must be at most 3600').default(10),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.optional(),
  SMTP_SECURE: bool(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  MAIL_FROM: mailbox.optional(),
  AUTO_ACK: bool(true),
  MAIL_MAX_BYTES: z.coerce.number({ error: 'must be a number of bytes' }).int().min(10_000, 'must be at least 10000').default(25 * 1024 * 1024),
  TRUST_PROXY: z
    .string()
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value))
    .default(false),
  /** Issue 12 §2: concurrent socket connections per client address without an agent session (citizens' widgets). */
  SOCKETS_PER_ADDRESS: z.coerce.number({ error: 'must be a number of connections' }).int('must be a whole number').min(1, 'must be at least 1').default(50),
  /** Issue 12 §2: concurrent socket connections per logged-in agent (tabs, and reconnects overlapping). */
  SOCKETS_PER_AGENT: z.coerce.number({ error: 'must be a number of connections' }).int('must be a whole number').min(1, 'must be at least 1').default(20),
  /** Issue 12 §2: concurrent socket connections per instance; keep it well below the file descriptor limit (ulimit -n). */
  SOCKETS_MAX: z.coerce.number({ error: 'must be a number of connections' }).int('must be a whole number').min(4, 'must be at least 4').default(800),
  /** Issue 12 §8: how often an agent's socket re-checks its session (expired, disabled, logged out). */
  AGENT_SESSION_CHECK_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(0.1, 'must be between 0.1 and 3600').max(3600, 'must be between 0.1 and 3600').default(60),
  /** Issue 12 §10: after an agent closes a chat, the citizen's open widget may still rate it and ask for the transcript this long. */
  CHAT_CLOSED_GRACE_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(1, 'must be between 1 and 86400').max(86400, 'must be between 1 and 86400').default(900),
  /** Issue 12.11: a bearer token that gets the details of /healthz (database, e-mail) without a session; anonymous callers get the status only. */
  HEALTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Issue 13.2: how long transient SMTP failures are retried before a mail is failed (resendable). */
  OUTBOX_RETRY_HOURS: z.coerce.number({ error: 'must be a number of hours' }).min(0.001, 'must be between 0.001 and 720').max(720, 'must be between 0.001 and 720').default(96),
  /** Issue 13.2: the longest wait between two attempts to send a mail. */
  OUTBOX_RETRY_MAX_DELAY_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).int('must be a whole number').min(1, 'must be between 1 and 3600').max(3600, 'must be between 1 and 3600').default(900),
  /** Issue 12.5: transcripts and acknowledgements to one address per 24 hours. */
  AUTOMATIC_MAIL_PER_RECIPIENT_DAY: z.coerce.number({ error: 'must be a number of mails' }).int('must be a whole number').min(1, 'must be at least 1').default(5),
  /** Issue 12.5: transcripts and acknowledgements to all addresses together per hour. */
  AUTOMATIC_MAIL_PER_HOUR: z.coerce.number({ error: 'must be a number of mails' }).int('must be a whole number').min(1, 'must be at least 1').default(300),
  /** Issue 12.1: an HTML body larger than this is not shown; the mail keeps its text and the HTML as an attachment. */
  MAIL_HTML_MAX_BYTES: z.coerce.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(10_000, 'must be at least 10000').default(2 * 1024 * 1024),
  /** Issue 12.1: worker threads that parse and sanitise mail, off the event loop. */
  MAIL_PARSE_THREADS: z.coerce.number({ error: 'must be a number of threads' }).int('must be a whole number').min(1, 'must be between 1 and 16').max(16, 'must be between 1 and 16').default(1),
  /** Issue 12.1: one mail may take this long to read; longer, and it is quarantined with the reason. */
  MAIL_PARSE_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).min(1, 'must be between 1 and 3600').max(3600, 'must be between 1 and 3600').default(120),
  /** Poison-mail guard: a mail Balie died while reading this many times is quarantined without being read again (server/mail/poison-guard.ts). */
  MAIL_CRASH_QUARANTINE_AFTER: z.coerce.number({ error: 'must be a number of crashes' }).int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').default(2),
  /** Issue 16.3: the largest file an agent may attach to a mail. */
  OUTGOING_ATTACHMENT_MAX_BYTES: z.coerce.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(1024, 'must be at least 1024').max(50 * 1024 * 1024, 'must be at most 52428800').default(10 * 1024 * 1024),
  /** Issue 16.3: all of one agent's attachments not yet sent, together. */
  OUTGOING_ATTACHMENT_MAX_PENDING_BYTES: z.coerce.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(1024, 'must be at least 1024').default(25 * 1024 * 1024),
  /** Issue 16.7: the largest photo or PDF a citizen may send from the widget. */
  CHAT_UPLOAD_MAX_BYTES: z.coerce.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(1024, 'must be at least 1024').max(25 * 1024 * 1024, 'must be at most 26214400').default(5 * 1024 * 1024),
  /** Issue 16.7: uploads one chat may send per hour, and one IP address (all its chats) per hour. */
  CHAT_UPLOADS_PER_CHAT_HOUR: z.coerce.number({ error: 'must be a number of uploads' }).int('must be a whole number').min(1, 'must be at least 1').default(10),
  CHAT_UPLOADS_PER_ADDRESS_HOUR: z.coerce.number({ error: 'must be a number of uploads' }).int('must be a whole number').min(1, 'must be at least 1').default(30),
  /** Issue 16.3: the kinds of file agents may attach, known by their bytes. */
  OUTGOING_ATTACHMENT_TYPES: z
    .string()
    .transform((value) => value.split(',').map((kind) => kind.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(OUTGOING_KINDS, `must be kinds of file separated by commas: ${OUTGOING_KINDS.join(', ')}`)).min(1, 'must name at least one kind'))
    .default([...OUTGOING_KINDS]),
  /**
   * Issue 14: hosts (host or host:port) whose iCalendar free/busy addresses may be read over plain
   * http and on private addresses (a calendar server inside the gemeente's network); any other is
   * read over https from public addresses only (server/backoffice/freebusy.ts).
   */
  FREEBUSY_ALLOW_HOSTS: z
    .string()
    .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/, 'must be hosts (host or host:port) separated by commas')))
    .default([]),
});

export type MailConfig = Readonly<{
  imap: Readonly<{ host: string; port: number; secure: boolean; user: string; password: string; mailbox: string; pollSeconds: number; markSeen: boolean; healthyAfterSeconds: number }>;
  /** Undefined: replies and acknowledgements stay queued until SMTP_HOST is set. */
  smtp: Readonly<{ host: string; port: number; secure: boolean; user: string | undefined; password: string | undefined }> | undefined;
  from: Readonly<{ name: string | null; address: string }>;
  autoAck: boolean;
  maxBytes: number;
  /** Retries of the outbox (issue 13.2): transient failures for windowHours, waits of at most maxDelaySeconds. */
  outbox: Readonly<{ windowHours: number; maxDelaySeconds: number }>;
  /** Automatic mail (transcripts, acknowledgements) per recipient per day and in all per hour (issue 12.5). */
  automaticMail: Readonly<{ perRecipientPerDay: number; perHour: number }>;
  /** Reading mail on worker threads (issue 12.1): threads, the time one mail may take, the HTML shown at most. */
  parsing: Readonly<{ threads: number; timeoutMs: number; htmlMaxBytes: number }>;
  /** A mail Balie died while reading this often is quarantined unread (MAIL_CRASH_QUARANTINE_AFTER, poison-guard.ts). */
  crashQuarantineAfter: number;
}>;

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  /** Absent: Balie runs its own embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /** The address citizens and agents use; decides cookie security and the agents' origin. */
  publicUrl: URL;
  /** Origins of gemeente websites that may embed the widget. */
  widgetOrigins: readonly string[];
  admin: { email: string; password: string } | undefined;
  referencePrefix: string;
  sessionHours: number;
  /** A session's absolute lifetime in hours, at least sessionHours. */
  sessionAbsoluteHours: number;
  /** Contacts for /.well-known/security.txt; empty: Balie serves none. */
  securityContacts: readonly string[];
  /** How long a citizen's chat session (the token in the widget's localStorage) lasts. */
  chatSessionHours: number;
  /** A chat not yet picked up whose widget has been gone this long leaves the queue as abandoned. */
  chatAbandonSeconds: number;
  /** How often each instance refreshes its agents' presence; a presence older than 3 beats is gone. */
  presenceHeartbeatSeconds: number;
  /** Limits on what anyone on the internet can do, per IP address (and per socket). */
  rateLimits: Readonly<{
    /** GET /api/public/* per IP per minute. */
    publicPerMinute: number;
    /** Chats started and questions left (POST /api/public/*) per IP per hour. */
    submitPerHour: number;
    /** Events one /widget socket may send per minute. */
    widgetSocketPerMinute: number;
    /** /widget connections plus events per IP per minute, all sockets together. */
    widgetIpPerMinute: number;
  }>;
  logLevel: z.infer<typeof logLevel>;
  trustProxy: boolean | number | string;
  /** The e-mail channel; undefined when IMAP_HOST is not set (Balie then runs chat only). */
  mail: MailConfig | undefined;
  /**
   * Service settings for the first start only (NORM, BUSINESS_HOURS, CHAT_HOURS, CLOSURE_DAYS,
   * DUE_SOON_HOURS); from then on they live in PostgreSQL and admins change them in Balie.
   */
  serviceSeed: Readonly<{
    normId: string;
    businessHours: WeeklyHours;
    chatHours: WeeklyHours;
    closureDays: readonly string[];
    dueSoonHours: number;
  }>;
  /** Socket ceilings and session re-checks (issue 12 §2, §8, §10). */
  sockets: Readonly<{
    /** Concurrent connections per client address without an agent session. */
    perAddress: number;
    /** Concurrent connections per logged-in agent. */
    perAgent: number;
    /** Concurrent connections per instance; a quarter of it is kept for agents. */
    max: number;
    /** How often an agent socket re-checks its session. */
    agentSessionCheckSeconds: number;
    /** How long a citizen's open widget may still rate and ask for the transcript after an agent closed the chat. */
    chatClosedGraceSeconds: number;
  }>;
  /** Bearer token for /healthz details (HEALTH_TOKEN); undefined: only agents' sessions see them. */
  healthToken: string | undefined;
  /** What agents may attach to outgoing mail (issue 16.3). */
  outgoingAttachments: Readonly<{ maxBytes: number; maxPendingBytes: number; kinds: readonly OutgoingKind[] }>;
  /** Issue 16.7: citizens' photos and PDFs from the widget: the size cap and the hourly limits. */
  chatUploads: Readonly<{ maxBytes: number; perChatPerHour: number; perAddressPerHour: number }>;
  /** Issue 14: iCalendar free/busy reading; allowHosts may use http and private addresses (FREEBUSY_ALLOW_HOSTS). */
  freeBusy: Readonly<{ allowHosts: readonly string[] }>;
}>;

/**
 * Parses the environment (process.env in production, a plain record in tests).
 * Throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "not set": `PORT= npm start` should behave like no PORT at all.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const got = present[variable];
    const shown = variable.includes('PASSWORD') || variable === 'DATABASE_URL' ? '' : ` (got "${got}")`;
    throw new ConfigError(variable, `${issue.message}${got === undefined ? '' : shown}`);
  }
  const e = parsed.data;
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    const missing = e.ADMIN_EMAIL === undefined ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD';
    throw new ConfigError(missing, 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const businessHours = e.BUSINESS_HOURS ?? DEFAULT_BUSINESS_HOURS;
  // Working-day terms end at business close and due-soon counts business hours back from it.
  if ([1, 2, 3, 4, 5, 6, 7].every((day) => businessHours[day as 1].length === 0)) {
    throw new ConfigError('BUSINESS_HOURS', 'must open at least once a week (got "never")');
  }
  if (e.SESSION_ABSOLUTE_HOURS !== undefined && e.SESSION_ABSOLUTE_HOURS < e.SESSION_HOURS) {
    throw new ConfigError('SESSION_ABSOLUTE_HOURS', `must be at least SESSION_HOURS (${e.SESSION_HOURS}) (got "${e.SESSION_ABSOLUTE_HOURS}")`);
  }
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  let mail: MailConfig | undefined;
  if (e.IMAP_HOST) {
    if (!e.IMAP_USER) throw new ConfigError('IMAP_USER', 'must be set with IMAP_HOST');
    if (!e.MAIL_FROM) throw new ConfigError('MAIL_FROM', 'must be set with IMAP_HOST: the address citizens mail and replies come from');
    mail = Object.freeze({
      imap: Object.freeze({
        host: e.IMAP_HOST,
        port: e.IMAP_PORT ?? (e.IMAP_SECURE ? 993 : 143),
        secure: e.IMAP_SECURE,
        user: e.IMAP_USER,
        password: e.IMAP_PASSWORD ?? '',
        mailbox: e.IMAP_MAILBOX,
        pollSeconds: e.IMAP_POLL_SECONDS,
        markSeen: e.IMAP_MARK_SEEN,
        healthyAfterSeconds: e.IMAP_HEALTHY_AFTER_SECONDS,
      }),
      smtp: e.SMTP_HOST
        ? Object.freeze({ host: e.SMTP_HOST, port: e.SMTP_PORT ?? (e.SMTP_SECURE ? 465 : 587), secure: e.SMTP_SECURE, user: e.SMTP_USER, password: e.SMTP_PASSWORD })
        : undefined,
      from: Object.freeze(e.MAIL_FROM),
      autoAck: e.AUTO_ACK,
      maxBytes: e.MAIL_MAX_BYTES,
      outbox: Object.freeze({ windowHours: e.OUTBOX_RETRY_HOURS, maxDelaySeconds: e.OUTBOX_RETRY_MAX_DELAY_SECONDS }),
      automaticMail: Object.freeze({ perRecipientPerDay: e.AUTOMATIC_MAIL_PER_RECIPIENT_DAY, perHour: e.AUTOMATIC_MAIL_PER_HOUR }),
      parsing: Object.freeze({ threads: e.MAIL_PARSE_THREADS, timeoutMs: e.MAIL_PARSE_TIMEOUT_SECONDS * 1000, htmlMaxBytes: e.MAIL_HTML_MAX_BYTES }),
      crashQuarantineAfter: e.MAIL_CRASH_QUARANTINE_AFTER,
    });
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl,
    widgetOrigins: Object.freeze([...e.WIDGET_ORIGINS]),
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    referencePrefix: e.REFERENCE_PREFIX,
    sessionHours: e.SESSION_HOURS,
    sessionAbsoluteHours: e.SESSION_ABSOLUTE_HOURS ?? Math.max(24, e.SESSION_HOURS),
    securityContacts: Object.freeze(e.SECURITY_CONTACT ?? []),
    chatSessionHours: e.CHAT_SESSION_HOURS,
    chatAbandonSeconds: e.CHAT_ABANDON_SECONDS,
    presenceHeartbeatSeconds: e.PRESENCE_HEARTBEAT_SECONDS,
    rateLimits: Object.freeze({
      publicPerMinute: e.PUBLIC_RATE_LIMIT,
      submitPerHour: e.PUBLIC_SUBMIT_LIMIT,
      widgetSocketPerMinute: e.WIDGET_SOCKET_RATE_LIMIT,
      widgetIpPerMinute: e.WIDGET_IP_RATE_LIMIT,
    }),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    mail,
    serviceSeed: Object.freeze({
      normId: e.NORM,
      businessHours,
      // CHAT_HOURS defaults to the business hours (issue 3).
      chatHours: e.CHAT_HOURS ?? businessHours,
      closureDays: Object.freeze(e.CLOSURE_DAYS),
      dueSoonHours: e.DUE_SOON_HOURS,
    }),
    sockets: Object.freeze({
      perAddress: e.SOCKETS_PER_ADDRESS,
      perAgent: e.SOCKETS_PER_AGENT,
      max: e.SOCKETS_MAX,
      agentSessionCheckSeconds: e.AGENT_SESSION_CHECK_SECONDS,
      chatClosedGraceSeconds: e.CHAT_CLOSED_GRACE_SECONDS,
    }),
    healthToken: e.HEALTH_TOKEN,
    chatUploads: Object.freeze({ maxBytes: e.CHAT_UPLOAD_MAX_BYTES, perChatPerHour: e.CHAT_UPLOADS_PER_CHAT_HOUR, perAddressPerHour: e.CHAT_UPLOADS_PER_ADDRESS_HOUR }),
    outgoingAttachments: Object.freeze({
      maxBytes: e.OUTGOING_ATTACHMENT_MAX_BYTES,
      maxPendingBytes: Math.max(e.OUTGOING_ATTACHMENT_MAX_PENDING_BYTES, e.OUTGOING_ATTACHMENT_MAX_BYTES),
      kinds: Object.freeze([...e.OUTGOING_ATTACHMENT_TYPES]),
    }),
    freeBusy: Object.freeze({ allowHosts: Object.freeze([...e.FREEBUSY_ALLOW_HOSTS]) }),
  });
}
