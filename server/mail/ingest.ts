// Turns one raw mail from the mailbox into stored conversation data, exactly once: de-duplicated,
// threaded, with its attachments, milestones and acknowledgement, and the mailbox checkpoint, all in
// one transaction.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { contactForEmailInOneStatement } from '../contacts/contacts.ts';
import { applyEvent, type LifecycleChange } from '../conversations/apply.ts';
import type { LifecycleEvent } from '../conversations/lifecycle.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { loadServiceContext, ZONE, type Milestone, type ServiceContext } from '../deadlines/index.ts';
import { notifyMilestonesChanged } from '../deadlines/milestones.ts';
import { acknowledgementMail } from './acknowledgement.ts';
import { acknowledgementBlocker, readHeaderFields, type AcknowledgementBlocker } from './classify.ts';
import { newMessageIdValue, referencesChain, writableMessageId } from './compose.ts';
import { dedupeKey } from './fingerprint.ts';
import { contactsForEmails, createEmailConversations, insertIncomingMessages, queueAcknowledgements, type AcknowledgementRow, type IncomingRow } from './batch-insert.ts';
import type { ParsedMail } from './parse.ts';
// Parsing and sanitising run on worker threads: a large mail must not stall the event loop (issue 12, item 1).
import { parseMailOffThread, rewriteCidImagesOffThread } from './parse-pool.ts';
import { conversationByMessageIds, conversationsByReference, emailHeadersInsert, emailHeaderValues, saveCheckpoint, type EmailHeaders } from './store.ts';
import { createEmailConversation } from './new-conversation.ts';
import { chooseThread, threadHints } from './threading.ts';

export interface MailSettings {
  referencePrefix: string;
  /** The address replies come from; with `ownAddresses`, never acknowledged. */
  from: { name: string | null; address: string };
  /** Our other addresses, e.g. the mailbox's login when it differs from MAIL_FROM. */
  ownAddresses?: readonly string[];
  autoAck: boolean;
  maxBytes: number;
}

export interface MailboxPosition {
  mailbox: string;
  uidValidity: string;
  uid: number;
}

export type IngestResult =
  | {
      outcome: 'stored';
      conversationId: number;
      messageId: number;
      newConversation: boolean;
      reopened: boolean;
      acknowledged: boolean;
      /** What the mail did to an existing conversation (reopened it, resumed a suspended term). */
      change?: LifecycleChange;
    }
  | { outcome: 'duplicate'; messageId: number };

/**
 * Stores a mail read from the mailbox at `position`. `receivedAt` is when the gemeente's server
 * received it (IMAP INTERNALDATE): service-norm terms run from there, not from when Balie read it.
 */
export async function ingestMail(
  pool: Pool,
  raw: Buffer,
  settings: MailSettings,
  options: { position?: MailboxPosition; receivedAt?: Date; size?: number } = {},
): Promise<IngestResult> {
  const mail = await parseForIngest(raw, settings, options.size);
  return inTransaction(pool, async (tx) => {
    if (options.position) await saveCheckpoint(tx, options.position.mailbox, { uidValidity: options.position.uidValidity, lastUid: options.position.uid });
    const into = openStore(tx, settings);
    const result = await storeOnce(into, mail, raw, options.receivedAt ?? new Date());
    await into.finish();
    return result;
  });
}

/** One mail of a batch read from the mailbox (see {@link ingestBatch}). */
export interface BatchMail {
  raw: Buffer;
  position: MailboxPosition;
  receivedAt?: Date;
  size?: number;
}

export interface BatchOutcome {
  /** The mails stored (or recognised) and committed, in order, with the checkpoint after the last. */
  readonly stored: { mail: BatchMail; result: IngestResult }[];
  /**
   * The first mail that could not be parsed or stored, and why: nothing of it, nor of the mails
   * after it, is committed (the checkpoint stands just before it). The caller quarantines it, or,
   * for a passing problem, stops and reads it again later.
   */
  readonly failed?: { index: number; error: unknown };
}

/**
 * Stores mails read from the mailbox in one transaction, together with the checkpoint after the
 * last: one commit (one WAL flush) for the batch instead of one per mail, and the checkpoint moves
 * only with the mails it covers, so a crash at any point loses nothing and repeats nothing
 * (issue 17, item 2). Each mail is parsed on a worker while the ones before it are written, at
 * most PARSE_AHEAD ahead, so a queued mail never spends much of its parse timeout waiting.
 *
 * A mail that fails rolls the transaction back; the mails before it are then stored again in a
 * transaction of their own (they did not fail: the same statements succeed), and the failure is
 * returned for the caller to quarantine. A connection problem while storing is thrown.
 */
export async function ingestBatch(pool: Pool, mails: readonly BatchMail[], settings: MailSettings): Promise<BatchOutcome> {
  if (mails.length === 0) return { stored: [] };
  const parsed: (Promise<ParsedMail> | undefined)[] = [];
  const parse = (index: number) => {
    if (index >= mails.length || parsed[index]) return;
    const promise = parseForIngest(mails[index]!.raw, settings, mails[index]!.size);
    // Awaited in turn below; a rejection met only after an earlier failure must not go unhandled.
    promise.catch(() => {});
    parsed[index] = promise;
  };
  let failedAt: { index: number; error: unknown } | undefined;
  // grouped: the new conversations of plain mails are stored together (NewMailGroup); a failure
  // there cannot name its mail, so the batch is then stored again one mail at a time, which does.
  let grouped = true;
  const storeUpTo = async (end: number) =>
    inTransaction(pool, async (tx) => {
      const stored: { mail: BatchMail; result: IngestResult }[] = [];
      const into = openStore(tx, settings);
      const group = grouped ? new NewMailGroup(into) : undefined;
      const flush = async () => {
        try {
          await group?.flush();
        } catch (error) {
          throw new GroupFailed(error);
        }
      };
      for (let index = 0; index < end; index++) {
        const mail = mails[index]!;
        parse(index);
        let content: ParsedMail;
        try {
          content = await parsed[index]!;
        } catch (error) {
          failedAt = { index, error };
          break;
        }
        for (let ahead = 1; ahead <= PARSE_AHEAD; ahead++) parse(index + ahead);
        const receivedAt = mail.receivedAt ?? new Date();
        const deferred = group?.add(content, mail.raw, receivedAt);
        if (deferred) {
          const entry = { mail, result: deferred.result };
          stored.push(entry);
          deferred.onStored((result) => (entry.result = result));
          continue;
        }
        await flush();
        try {
          stored.push({ mail, result: await storeOnce(into, content, mail.raw, receivedAt) });
        } catch (error) {
          failedAt = { index, error };
          throw new BatchRolledBack();
        }
      }
      await flush();
      await into.finish();
      const last = stored.at(-1)?.mail.position;
      if (last) await saveCheckpoint(tx, last.mailbox, { uidValidity: last.uidValidity, lastUid: last.uid });
      return stored;
    });
  try {
    const stored = await storeUpTo(mails.length).catch((error: unknown) => {
      if (!(error instanceof GroupFailed)) throw error;
      if (isPassingProblem(error.cause)) throw error.cause;
      grouped = false;
      failedAt = undefined;
      return storeUpTo(mails.length);
    });
    return failedAt ? { stored, failed: failedAt } : { stored };
  } catch (error) {
    if (!(error instanceof BatchRolledBack) || !failedAt) throw error;
    const failed: { index: number; error: unknown } = failedAt;
    if (isPassingProblem(failed.error)) throw failed.error;
    const stored =
      failed.index > 0
        ? await storeUpTo(failed.index).catch((again: unknown) => {
            // The mails before it failed too, this time: nothing is committed; read them again later.
            throw again instanceof BatchRolledBack && failedAt ? failedAt.error : again;
          })
        : [];
    return { stored, failed };
  }
}

/**
 * Mails parsed ahead of the one being stored. A parse's timeout (120 s) runs from when it is queued
 * (parse-pool.ts); a few small parses ahead wait milliseconds, and a mail stored in a group takes
 * less time than its parse, so one ahead left the store waiting on the workers (issue 17).
 */
const PARSE_AHEAD = 3;

/** Rolls a batch back to store its mails before the one that failed (see ingestBatch). */
class BatchRolledBack extends Error {}

/** Rolls a batch back whose group of new conversations failed: stored again one mail at a time. */
class GroupFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a group of new conversations failed');
  }
}

interface GroupedMail {
  mail: ParsedMail;
  raw: Buffer;
  receivedAt: Date;
  key: string;
  citizen: { name: string | null; address: string };
  settle: (result: IngestResult) => void;
}

/**
 * Mails of a batch that certainly start a new conversation, stored together in a handful of
 * multi-row statements (batch-insert.ts) instead of five or more statements each (issue 17, item 2):
 * a plain citizen's mail that names no reference and no Message-ID (nothing to thread into), is
 * no bounce, and would be acknowledged (no robot: robots close at once through the lifecycle, and
 * go one by one). Every other mail first flushes the group, so that it sees the group's rows as
 * it would have in turn: a reply in the batch to a mail earlier in it threads into its
 * conversation, a mail sent twice is recognised. The flush decides per mail in the mails' order
 * what store() would decide — duplicate or not, acknowledged or not (once per sender per hour) —
 * and writes the same rows; new conversations get no lifecycle event in either path.
 */
class NewMailGroup {
  private mails: GroupedMail[] = [];
  private year: number | undefined;

  constructor(private readonly into: MailStore) {}

  /** Takes the mail into the group (its result is settled at flush), or undefined: store it alone. */
  add(mail: ParsedMail, raw: Buffer, receivedAt: Date): { result: IngestResult; onStored(settled: (result: IngestResult) => void): void } | undefined {
    const { settings } = this.into;
    const citizen = mail.replyTo ?? mail.from;
    if (!citizen || mail.deliveryReport) return undefined;
    const hints = threadHints(mail, settings.referencePrefix);
    if (hints.references.length > 0 || hints.messageIds.length > 0) return undefined;
    const ownAddresses = [settings.from.address, ...(settings.ownAddresses ?? [])];
    if (acknowledgementBlocker({ ...mail, from: citizen }, { ownAddresses, fields: readHeaderFields(raw) }) !== null) return undefined;
    const year = DateTime.fromJSDate(receivedAt, { zone: 'Europe/Amsterdam' }).year;
    // One block of references is one year's: a backlog across New Year is split there.
    if (this.year !== undefined && year !== this.year) return undefined;
    this.year = year;
    let settled: ((result: IngestResult) => void) | undefined;
    this.mails.push({ mail, raw, receivedAt, key: mailIdempotencyKey(mail), citizen, settle: (result) => settled?.(result) });
    return { result: { outcome: 'duplicate', messageId: 0 }, onStored: (callback) => (settled = callback) };
  }

  async flush(): Promise<void> {
    const mails = this.mails;
    this.mails = [];
    const year = this.year;
    this.year = undefined;
    if (mails.length === 0 || year === undefined) return;
    const { tx, settings } = this.into;
    // What store() reads before it writes: stored keys, and the last acknowledgement per sender.
    const { rows } = await tx.query<{ existing: Record<string, number> | null; acknowledged: Record<string, string> | null; now: Date }>(
      `SELECT (SELECT json_object_agg(idempotency_key, id) FROM messages WHERE idempotency_key = ANY($1)) AS existing,
              (SELECT json_object_agg(address, last) FROM (
                 SELECT address, (SELECT max(created_at) FROM mail_outbox WHERE purpose = 'acknowledgement' AND to_address = address) AS last
                   FROM unnest($2::text[]) AS address) a WHERE last IS NOT NULL) AS acknowledged,
              now() AS now`,
      [mails.map((mail) => mail.key), [...new Set(mails.map((mail) => mail.citizen.address.toLowerCase()))]],
    );
    const existing = new Map(Object.entries(rows[0]!.existing ?? {}));
    const lastAcknowledged = new Map(Object.entries(rows[0]!.acknowledged ?? {}).map(([address, at]) => [address, new Date(at).getTime()]));
    const now = rows[0]!.now.getTime();
    const fresh: (GroupedMail & { acknowledge: boolean })[] = [];
    const firstOf = new Map<string, GroupedMail>();
    const duplicates: { mail: GroupedMail; of: GroupedMail }[] = [];
    for (const grouped of mails) {
      const stored = existing.get(grouped.key);
      if (stored !== undefined) {
        grouped.settle({ outcome: 'duplicate', messageId: Number(stored) });
        continue;
      }
      const earlier = firstOf.get(grouped.key);
      if (earlier) {
        duplicates.push({ mail: grouped, of: earlier });
        continue;
      }
      firstOf.set(grouped.key, grouped);
      const address = grouped.citizen.address.toLowerCase();
      const last = lastAcknowledged.get(address);
      // outbox.ts acknowledgedRecently: created_at > receivedAt - 1 hour.
      const recently = last !== undefined && last > grouped.receivedAt.getTime() - 3_600_000;
      const acknowledge = settings.autoAck && !recently;
      // An acknowledgement queued here has created_at = now() of this transaction.
      if (acknowledge) lastAcknowledged.set(address, now);
      fresh.push({ ...grouped, acknowledge });
    }
    if (fresh.length === 0) return;
    const contacts = await contactsForEmails(tx, fresh.map((grouped) => grouped.citizen));
    const contactOf = (grouped: GroupedMail) => contacts.get(grouped.citizen.address.toLowerCase()) ?? null;
    const created = await createEmailConversations(
      tx,
      year,
      settings.referencePrefix,
      fresh.map((grouped) => ({ subject: grouped.mail.subject || null, contactId: contactOf(grouped), receivedAt: grouped.receivedAt })),
      await this.into.serviceContext(),
    );
    if (created.some((conversation) => conversation.milestones.length > 0)) this.into.milestonesOpened();
    const html = await Promise.all(fresh.map((grouped) => htmlBeforeInsert(grouped.mail)));
    const incoming: IncomingRow[] = fresh.map((grouped, index) => ({
      conversationId: created[index]!.id,
      contactId: contactOf(grouped),
      text: grouped.mail.text,
      html: html[index]!,
      idempotencyKey: grouped.key,
      headers: incomingHeaders(grouped.mail, grouped.raw, settings.autoAck ? (grouped.acknowledge ? null : 'recently_acknowledged') : 'disabled', null),
    }));
    const messageIds = await insertIncomingMessages(tx, incoming);
    const acknowledgements: AcknowledgementRow[] = [];
    for (const [index, grouped] of fresh.entries()) {
      await storeAttachments(tx, messageIds[index]!, grouped.mail, html[index]!);
      if (grouped.acknowledge) {
        acknowledgements.push(await acknowledgementRow(this.into, created[index]!.id, created[index]!.reference, { ...grouped.mail, from: grouped.citizen }, created[index]!.milestones, grouped.receivedAt));
      }
    }
    await queueAcknowledgements(tx, acknowledgements);
    const messageOf = new Map(fresh.map((grouped, index) => [grouped.key, messageIds[index]!]));
    for (const [index, grouped] of fresh.entries()) {
      grouped.settle({ outcome: 'stored', conversationId: created[index]!.id, messageId: messageIds[index]!, newConversation: true, reopened: false, acknowledged: grouped.acknowledge });
    }
    for (const { mail, of } of duplicates) mail.settle({ outcome: 'duplicate', messageId: messageOf.get(of.key)! });
  }
}

/**
 * Errors that say nothing about the mail, so it is read again later instead of quarantined: the
 * network or database is away or busy — SQLSTATE classes 08 (connection), 40 (rollback, deadlock),
 * 53 (resources), 55 (lock not available), 57 (shutdown, timeout), 58 (system), XX (internal) —
 * and Node's own socket errors.
 */
export function isPassingProblem(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return /^(08|40|53|55|57|58|XX)/.test(code) || code.startsWith('E') || /Connection terminated|timeout exceeded/i.test(String((error as Error).message));
}

async function parseForIngest(raw: Buffer, settings: MailSettings, size: number | undefined): Promise<ParsedMail> {
  return withoutNul(await parseMailOffThread(raw, { maxBytes: settings.maxBytes, size }));
}

/** One transaction that stores mail: its handle, the settings, and what its mails share. */
interface MailStore {
  readonly tx: Db;
  readonly settings: MailSettings;
  /**
   * The service settings and norms the acknowledgements name, read once per transaction: a batch
   * of 50 acknowledged mails read them once instead of 50 times (two queries each). A change an
   * admin commits meanwhile applies from the next batch, a fraction of a second later.
   */
  serviceContext(): Promise<ServiceContext>;
  /** Milestones were opened: announced once, at {@link MailStore.finish}, not once per mail. */
  milestonesOpened(): void;
  /** Before commit: tells the schedulers once that milestones changed (at commit, as before). */
  finish(): Promise<void>;
}

function openStore(tx: Db, settings: MailSettings): MailStore {
  let context: Promise<ServiceContext> | undefined;
  let opened = false;
  return {
    tx,
    settings,
    serviceContext: () => (context ??= loadServiceContext(tx)),
    milestonesOpened: () => {
      opened = true;
    },
    finish: async () => {
      if (opened) await notifyMilestonesChanged(tx);
      opened = false;
    },
  };
}

/** Stores a parsed mail unless a mail with its key is stored already (read twice, or sent twice). */
async function storeOnce(into: MailStore, mail: ParsedMail, raw: Buffer, receivedAt: Date): Promise<IngestResult> {
  const idempotencyKey = mailIdempotencyKey(mail);
  // With the same round trip: whether an acknowledgement went to the sender in the last hour
  // (outbox.ts acknowledgedRecently; read before anything of this mail is written, as it was).
  const citizen = mail.replyTo ?? mail.from;
  const existing = await into.tx.query<{ id: number | null; recently: boolean }>(
    `SELECT (SELECT id FROM messages WHERE idempotency_key = $1) AS id,
            $2::text IS NOT NULL AND EXISTS (
              SELECT 1 FROM mail_outbox WHERE purpose = 'acknowledgement' AND to_address = $2
                 AND created_at > $3::timestamptz - interval '1 hour') AS recently`,
    [idempotencyKey, citizen ? citizen.address.toLowerCase() : null, receivedAt],
  );
  const { id, recently } = existing.rows[0]!;
  if (id !== null) return { outcome: 'duplicate', messageId: id };
  return store(into, mail, raw, idempotencyKey, receivedAt, recently);
}

async function store(into: MailStore, mail: ParsedMail, raw: Buffer, idempotencyKey: string, receivedAt: Date, acknowledgedRecently: boolean): Promise<IngestResult> {
  const { tx, settings } = into;
  const hints = threadHints(mail, settings.referencePrefix);
  // A contact form sends From: noreply@… with Reply-To: the citizen; the citizen is who we answer.
  const citizen = mail.replyTo ?? mail.from;
  const bounceOf = mail.deliveryReport?.originalMessageId ? await conversationByMessageIds(tx, [mail.deliveryReport.originalMessageId]) : undefined;
  // A reference threads only into a conversation that knows the sender; a Message-ID of the thread
  // from anyone (threading.ts chooseThread says why).
  const byReference = bounceOf === undefined ? await conversationsByReference(tx, hints.references, citizen?.address ?? null) : [];
  const byMessageId = bounceOf === undefined && !byReference.some((named) => named.senderKnown) ? await conversationByMessageIds(tx, hints.messageIds) : undefined;
  const thread = chooseThread(hints, { bounceOf, byReference, byMessageId });
  let conversationId = thread.conversationId;
  const contactId = citizen && !bounceOf ? await contactForEmailInOneStatement(tx, citizen.address, citizen.name) : null;

  const ownAddresses = [settings.from.address, ...(settings.ownAddresses ?? [])];
  const blocker = mail.deliveryReport ? 'bounce' : acknowledgementBlocker({ ...mail, from: citizen }, { ownAddresses, fields: readHeaderFields(raw) });
  let newConversation = false;
  let milestones: Milestone[] = [];
  let change: LifecycleChange | undefined;
  let reference: string | undefined;
  if (conversationId === undefined) {
    const created = await createEmailConversation(tx, { subject: mail.subject || null, contactId, referencePrefix: settings.referencePrefix, receivedAt }, await into.serviceContext());
    conversationId = created.id;
    reference = created.reference;
    milestones = created.milestones;
    if (milestones.length > 0) into.milestonesOpened();
    newConversation = true;
    if (blocker !== null && MACHINE_MADE.has(blocker)) {
      // Nobody waits for an answer to a bounce, an out-of-office, a list or a report (issue 13,
      // item 3): the conversation closes at once as "geen antwoord nodig" (auto_reply), its
      // milestones not applicable with that reason and by nobody — the compliance report counts
      // them beside the norm, so a wrong guess here stays visible. An agent who sees a person
      // behind it reopens it, which opens the norm's milestones from then (lifecycle.ts).
      const applied = await applyEvent(tx, conversationId, CLOSE_MACHINE_MADE, { at: receivedAt });
      if (applied.ok) change = applied.change;
    }
  } else if (!bounceOf && !blocker) {
    // The citizen wrote: a closed conversation reopens (outcome cleared, the norm's milestones from
    // now), a suspended answer term runs on (server/conversations/lifecycle.ts). Machine-made mail
    // (an out-of-office answering our reply, a list) is stored but is not the citizen writing back.
    const applied = await applyEvent(tx, conversationId, { type: 'citizen_message' }, { at: receivedAt });
    if (applied.ok) change = applied.change;
  }
  const reopened = change?.before.status === 'closed' && change.conversation.status !== 'closed';

  // Whether to acknowledge is decided before the mail is stored, so that its headers, which record
  // why not, go in with the message in one statement.
  let ackSkipped: string | null = blocker;
  const acknowledge = newConversation && !blocker && citizen !== null;
  if (acknowledge) {
    if (!settings.autoAck) ackSkipped = 'disabled';
    else if (acknowledgedRecently) {
      // At most one automatic acknowledgement per sender per hour (loop and flood protection). The
      // earlier one named another reference, so this milestone stays open: the agent sees that an
      // acknowledgement is still owed and can send it (domain.md: met only when received).
      ackSkipped = 'recently_acknowledged';
    }
  }
  const headers = incomingHeaders(mail, raw, newConversation ? ackSkipped : null, thread.quotedReference);
  const messageId = await insertIncomingMessage(tx, conversationId, mail, headers, idempotencyKey, bounceOf !== undefined, contactId);
  let acknowledged = false;
  if (acknowledge && ackSkipped === null) {
    await queueAcknowledgements(tx, [await acknowledgementRow(into, conversationId, reference!, { ...mail, from: citizen }, milestones, receivedAt)]);
    acknowledged = true;
  }
  if (mail.deliveryReport && mail.deliveryReport.originalMessageId) {
    // The bounce tells agents which of our mails did not arrive.
    await tx.query(
      `UPDATE mail_outbox SET state = 'failed', last_error = $2 WHERE rfc_message_id = $1`,
      [mail.deliveryReport.originalMessageId, `bounced: ${mail.deliveryReport.status ?? ''} ${mail.deliveryReport.diagnostic ?? ''}`.trim()],
    );
  }
  // A conversation created in this transaction has both at now() already (their defaults): one
  // row version fewer, with an entry in every index of conversations (issue 17).
  if (!newConversation) await tx.query('UPDATE conversations SET last_message_at = now(), updated_at = now() WHERE id = $1', [conversationId]);
  return { outcome: 'stored', conversationId, messageId, newConversation, reopened, acknowledged, ...(change ? { change } : {}) };
}

/** The stored headers of a citizen's mail. */
function incomingHeaders(mail: ParsedMail, raw: Buffer, ackSkipped: string | null, quotedReference: string | null): EmailHeaders {
  return {
    rfcMessageId: mail.messageId ?? `balie-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}@no-message-id`,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    fromAddress: mail.from?.address ?? null,
    fromName: mail.from?.name ?? null,
    toAddresses: mail.to.map((address) => address.address),
    subject: mail.subject,
    sentAt: mail.date,
    stubReason: mail.oversize ? `too_large:${mail.oversize.bytes}` : null,
    deliveryReport: mail.deliveryReport ?? undefined,
    ackSkipped,
    quotedReference,
  };
}

/**
 * Blockers that mean a machine wrote the mail. `no_sender` is not among them: a mail without a
 * readable From is odd, not automatic, and an agent should look at it.
 */
const MACHINE_MADE: ReadonlySet<AcknowledgementBlocker> = new Set(['bounce', 'auto_reply', 'list', 'bulk', 'system_sender', 'own_address']);

/**
 * Balie itself closes machine-made mail: no agent ends the milestones or becomes the assignee.
 * lifecycle.ts types the closing agent as a number; the state machine and apply.ts treat a missing
 * one as nobody (assignee stays null, ended_by NULL), which is what this close is.
 */
const CLOSE_MACHINE_MADE: LifecycleEvent = { type: 'close', outcome: 'no_answer_needed', reason: 'auto_reply', agentId: null };

/**
 * The de-duplication key of a mail (fingerprint.ts). A Message-ID has no length limit, but the key
 * sits in a unique btree index whose rows may not pass ~2.7 kB (issue 13, item 7): a long one is
 * keyed by its SHA-256. Short ids keep their key as before, so mail stored earlier is still
 * recognised when it is fetched again.
 */
export function mailIdempotencyKey(mail: ParsedMail): string {
  const key = dedupeKey(mail);
  if (key.length <= MAX_PLAIN_KEY) return `mail:${key}`;
  return `mail:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Well below the btree limit, even with the `mail:` prefix and multi-byte characters. */
const MAX_PLAIN_KEY = 512;

/**
 * PostgreSQL text cannot hold NUL characters, which broken or hostile mail may contain: they are
 * dropped rather than letting one such mail fail (and block) the mailbox.
 */
function withoutNul(mail: ParsedMail): ParsedMail {
  const clean = (value: string) => (value.includes('\u0000') ? value.replace(/\u0000/g, '') : value);
  const address = <T extends { name: string | null; address: string } | null>(value: T): T =>
    (value ? { ...value, name: value.name === null ? null : clean(value.name), address: clean(value.address) } : value) as T;
  return {
    ...mail,
    subject: clean(mail.subject),
    text: clean(mail.text),
    html: mail.html === null ? null : clean(mail.html),
    from: address(mail.from),
    replyTo: address(mail.replyTo),
    to: mail.to.map(address),
    attachments: mail.attachments.map((attachment) => ({ ...attachment, filename: attachment.filename === null ? null : clean(attachment.filename) })),
  };
}

async function insertIncomingMessage(
  tx: Db,
  conversationId: number,
  mail: ParsedMail,
  headers: EmailHeaders,
  idempotencyKey: string,
  isBounce: boolean,
  contactId: number | null,
): Promise<number> {
  // Without an attachment an image could name, the sanitised HTML is known before the message is
  // stored and goes in with it (one UPDATE fewer per mail, issue 17): the same rewrite, no images.
  const htmlNow = await htmlBeforeInsert(mail);
  const { rows } = await tx.query<{ id: number }>(
    `WITH message AS (
       INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, idempotency_key, body_html)
       VALUES ($1, 'in', $2, $3, $4, $5, $18) RETURNING id
     ), headers AS (${emailHeadersInsert('(SELECT id FROM message)', 6)})
     SELECT id FROM message`,
    [conversationId, isBounce ? 'system' : 'message', contactId, mail.text, idempotencyKey, ...emailHeaderValues(headers), htmlNow],
  );
  const messageId = rows[0]!.id;
  await storeAttachments(tx, messageId, mail, htmlNow);
  return messageId;
}

/** The sanitised HTML when no attachment can be one of its images (the same rewrite, none resolved); else null. */
async function htmlBeforeInsert(mail: ParsedMail): Promise<string | null> {
  return mail.html && !mail.attachments.some((attachment) => attachment.contentId) ? rewriteCidImagesOffThread(mail.html, new Map()) : null;
}

/** A stored mail's attachments, and its HTML with their URLs when {@link htmlBeforeInsert} could not. */
async function storeAttachments(tx: Db, messageId: number, mail: ParsedMail, htmlNow: string | null): Promise<void> {
  const cidToAttachment = new Map<string, number>();
  for (const attachment of mail.attachments) {
    const id = await insertAttachment(tx, messageId, attachment);
    if (attachment.contentId) cidToAttachment.set(attachment.contentId, id);
  }
  if (mail.html && htmlNow === null) {
    const html = await rewriteCidImagesOffThread(mail.html, new Map([...cidToAttachment].map(([cid, id]) => [cid, `/api/attachments/${id}`])));
    await tx.query('UPDATE messages SET body_html = $2 WHERE id = $1', [messageId, html]);
  }
}

/**
 * Attachments up to this size keep their bytes in attachments.content; larger ones are stored as
 * attachment_chunks rows of this size (migration 0016): pg copies a bytea parameter on the event
 * loop in one step, and PostgreSQL compresses and WAL-logs it in one go — for a 25 MB part that
 * held every answer up by 300 ms and more, in pieces the event loop gets its turn after each one.
 */
export const ATTACHMENT_CHUNK_BYTES = 256 * 1024;

/** Stores one attachment, in the mail's transaction; its id. */
/** What an attachment row needs: a mail's part, or a file a citizen sent in the chat. */
export type StoredAttachment = Pick<ParsedMail['attachments'][number], 'filename' | 'contentType' | 'size' | 'sha256' | 'contentId' | 'content'>;

/** Stores one attachment, in pieces when it is large (see ATTACHMENT_CHUNK_BYTES). */
export async function insertAttachment(tx: Db, messageId: number, attachment: StoredAttachment): Promise<number> {
  const content = attachment.content;
  const chunked = content.byteLength > ATTACHMENT_CHUNK_BYTES;
  const chunkCount = chunked ? Math.ceil(content.byteLength / ATTACHMENT_CHUNK_BYTES) : null;
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO attachments (message_id, filename, content_type, size_bytes, sha256, content_id, content, chunk_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [messageId, attachment.filename, attachment.contentType, attachment.size, attachment.sha256, attachment.contentId, chunked ? null : content, chunkCount],
  );
  const id = inserted.rows[0]!.id;
  for (let seq = 0; chunkCount !== null && seq < chunkCount; seq++) {
    const bytes = content.subarray(seq * ATTACHMENT_CHUNK_BYTES, (seq + 1) * ATTACHMENT_CHUNK_BYTES);
    await tx.query('INSERT INTO attachment_chunks (attachment_id, seq, bytes) VALUES ($1, $2, $3)', [id, seq, bytes]);
  }
  return id;
}

/** The acknowledgement of a new conversation, as batch-insert.ts queueAcknowledgements stores it. */
async function acknowledgementRow(into: MailStore, conversationId: number, reference: string, mail: ParsedMail, milestones: readonly Milestone[], receivedAt: Date): Promise<AcknowledgementRow> {
  const { settings } = into;
  const context = await into.serviceContext();
  const dueOf = (kind: Milestone['kind']) => {
    const milestone = milestones.find((candidate) => candidate.kind === kind);
    return milestone ? DateTime.fromISO(milestone.dueAt, { zone: ZONE }) : null;
  };
  const content = acknowledgementMail({
    reference,
    citizenName: mail.from!.name,
    subject: mail.subject,
    receivedAt: DateTime.fromJSDate(receivedAt, { zone: ZONE }),
    due: { acknowledgement: dueOf('acknowledgement'), answer: dueOf('answer'), complexAnswer: dueOf('complexAnswer'), callback: dueOf('callback') },
    norm: context.activeNorm,
    gemeenteName: settings.from.name ?? undefined,
  });
  const domain = settings.from.address.split('@')[1] ?? 'balie.local';
  const rfcMessageId = newMessageIdValue(domain);
  const inReplyTo = writableMessageId(mail.messageId);
  const references = referencesChain(mail.references, inReplyTo);
  const to = { name: mail.from!.name, address: mail.from!.address };
  // As outbox.ts enqueueMail queues it: the headers too, so that answers to it thread.
  return {
    conversationId,
    text: content.text,
    html: content.html,
    subject: content.subject,
    to,
    rfcMessageId,
    inReplyTo,
    references,
    headers: {
      rfcMessageId,
      inReplyTo: inReplyTo ? [inReplyTo] : [],
      references,
      fromAddress: settings.from.address,
      fromName: settings.from.name,
      toAddresses: [to.address],
      subject: content.subject,
      sentAt: null,
    },
  };
}

