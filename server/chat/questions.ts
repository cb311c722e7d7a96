// The offline flow (issue 5 §5): nobody can chat, so the citizen leaves the question with an e-mail
// address. It becomes an e-mail conversation like any mail — milestones from the active norm, the
// acknowledgement through the outbox — and the citizen is told the date the gemeente promises.
import { DateTime } from 'luxon';
import { contactForEmail } from '../contacts/contacts.ts';
import { createConversationIn } from '../conversations/index.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { loadServiceContext, ZONE, type Milestone } from '../deadlines/index.ts';
import { acknowledgementMail } from '../mail/acknowledgement.ts';
import { newMessageIdValue } from '../mail/compose.ts';
import { acknowledgedRecently, automaticMailAllowance, enqueueMail, type AutomaticMailLimits } from '../mail/outbox.ts';
import { insertEmailHeaders } from '../mail/store.ts';
import type { AnswerPromise } from './service.ts';

export const QUESTION_SUBJECT = { nl: 'Vraag via de website', en: 'Question via the website' } as const;

export interface Question {
  clientId: string;
  email: string;
  name: string | null;
  text: string;
  lang: 'nl' | 'en';
}

export interface QuestionOutcome {
  created: boolean;
  conversationId: number;
  messageId: number;
  reference: string;
  promise: AnswerPromise | null;
  /**
   * queued: the acknowledgement mail is in the outbox; skipped: one went to this address within the
   * hour, or the address (or Balie in all) had its share of automatic mail; not_configured: no e-mail channel.
   */
  acknowledgement: 'queued' | 'skipped' | 'not_configured' | 'disabled';
}

export interface QuestionMailSettings {
  from: { name: string | null; address: string };
  autoAck: boolean;
  /** Limits on automatic mail (AUTOMATIC_MAIL_PER_RECIPIENT_DAY, AUTOMATIC_MAIL_PER_HOUR); defaults when absent. */
  automaticMail?: AutomaticMailLimits;
}

const iso = (at: string | undefined) => (at ? DateTime.fromISO(at, { zone: ZONE }).toISO()! : undefined);

function promiseOf(milestones: readonly Pick<Milestone, 'kind' | 'dueAt'>[]): AnswerPromise | null {
  const answer = milestones.find((m) => m.kind === 'answer');
  if (answer) return { kind: 'answer', dueAt: iso(answer.dueAt)! };
  const acknowledgement = milestones.find((m) => m.kind === 'acknowledgement');
  return acknowledgement ? { kind: 'acknowledgement', dueAt: iso(acknowledgement.dueAt)! } : null;
}

async function milestonesOf(db: Db, conversationId: number): Promise<Pick<Milestone, 'kind' | 'dueAt'>[]> {
  const { rows } = await db.query<{ kind: Milestone['kind']; dueAt: Date }>('SELECT kind, due_at AS "dueAt" FROM milestones WHERE conversation_id = $1 ORDER BY id', [conversationId]);
  return rows.map((row) => ({ kind: row.kind, dueAt: row.dueAt.toISOString() }));
}

/**
 * Stores the question once per client id: a retry after a lost answer gets the same reference and
 * promise. The acknowledgement follows the rules of a mail's: at most one per address per hour, which
 * here also keeps the form from being used to flood someone else's mailbox.
 */
export async function askQuestion(pool: Pool, question: Question, settings: { referencePrefix: string; mail: QuestionMailSettings | undefined }): Promise<QuestionOutcome> {
  const key = `question:${question.clientId}`;
  const attempt = () =>
    inTransaction(pool, async (tx): Promise<QuestionOutcome> => {
      const earlier = await tx.query<{ conversationId: number; messageId: number; reference: string; ackSkipped: string | null; acked: boolean }>(
        `SELECT m.conversation_id AS "conversationId", m.id AS "messageId", c.reference, e.ack_skipped AS "ackSkipped",
                EXISTS (SELECT 1 FROM mail_outbox o WHERE o.conversation_id = c.id AND o.purpose = 'acknowledgement') AS acked
           FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN email_messages e ON e.message_id = m.id
          WHERE m.idempotency_key = $1`,
        [key],
      );
      const found = earlier.rows[0];
      if (found) {
        const skipped = found.ackSkipped === 'recently_acknowledged' || found.ackSkipped === 'automatic_mail_limit';
        const acknowledgement = found.acked ? 'queued' : skipped ? 'skipped' : found.ackSkipped === 'disabled' ? 'disabled' : 'not_configured';
        return { created: false, ...found, promise: promiseOf(await milestonesOf(tx, found.conversationId)), acknowledgement };
      }
      const receivedAt = new Date();
      const email = question.email.toLowerCase();
      const contactId = await contactForEmail(tx, email, question.name);
      const subject = QUESTION_SUBJECT[question.lang];
      const { conversation, milestones } = await createConversationIn(tx, { channel: 'email', subject, contactId, referencePrefix: settings.referencePrefix, receivedAt });
      const inserted = await tx.query<{ id: number }>(
        `INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, idempotency_key)
         VALUES ($1, 'in', 'message', $2, $3, $4) RETURNING id`,
        [conversation.id, contactId, question.text, key],
      );
      const messageId = inserted.rows[0]!.id;
      const mail = settings.mail;
      let acknowledgement: QuestionOutcome['acknowledgement'] = 'not_configured';
      let skipReason: 'recently_acknowledged' | 'automatic_mail_limit' = 'recently_acknowledged';
      if (mail && !mail.autoAck) acknowledgement = 'disabled';
      else if (mail && (await acknowledgedRecently(tx, email, receivedAt))) acknowledgement = 'skipped';
      else if (mail && (await automaticMailAllowance(tx, email, mail.automaticMail)) !== 'allowed') {
        // Anyone can type any address here (issue 12.5): the question is kept and answered by an
        // agent, but the gemeente's address does not mail a stranger over and over.
        acknowledgement = 'skipped';
        skipReason = 'automatic_mail_limit';
      } else if (mail) acknowledgement = 'queued';
      // Stored like an incoming mail: agents' replies find the address to answer (lastIncomingMail),
      // and the citizen's answer to our mail threads on this id.
      const domain = mail?.from.address.split('@')[1] ?? 'balie.local';
      const rfcMessageId = `question-${question.clientId}@${domain}`;
      await insertEmailHeaders(tx, messageId, {
        rfcMessageId,
        inReplyTo: [],
        references: [],
        fromAddress: email,
        fromName: question.name,
        toAddresses: mail ? [mail.from.address] : [],
        subject,
        sentAt: receivedAt,
        ackSkipped: acknowledgement === 'skipped' ? skipReason : acknowledgement === 'disabled' ? 'disabled' : acknowledgement === 'not_configured' ? 'not_configured' : null,
      });
      if (acknowledgement === 'queued') {
        await queueAcknowledgement(tx, { conversationId: conversation.id, reference: conversation.reference, question, email, subject, rfcMessageId, receivedAt, milestones, from: mail!.from });
      }
      return { created: true, conversationId: conversation.id, messageId, reference: conversation.reference, promise: promiseOf(milestones), acknowledgement };
    });
  try {
    return await attempt();
  } catch (error) {
    // Two submissions of the same client id raced: the second finds the first.
    if ((error as { code?: string }).code === '23505') return attempt();
    throw error;
  }
}

async function queueAcknowledgement(
  tx: Db,
  input: { conversationId: number; reference: string; question: Question; email: string; subject: string; rfcMessageId: string; receivedAt: Date; milestones: Milestone[]; from: { name: string | null; address: string } },
): Promise<void> {
  const context = await loadServiceContext(tx);
  const dueOf = (kind: Milestone['kind']) => {
    const milestone = input.milestones.find((candidate) => candidate.kind === kind);
    return milestone ? DateTime.fromISO(milestone.dueAt, { zone: ZONE }) : null;
  };
  // Nothing the visitor typed goes into this mail (issue 12.5): whoever filled in the form chose the
  // address, so the name would be a stranger's words in the gemeente's mail to someone else. The
  // salutation is neutral, the question is not repeated, and the To header carries no name.
  const content = acknowledgementMail({
    reference: input.reference,
    citizenName: null,
    subject: input.subject,
    receivedAt: DateTime.fromJSDate(input.receivedAt, { zone: ZONE }),
    due: { acknowledgement: dueOf('acknowledgement'), answer: dueOf('answer'), complexAnswer: dueOf('complexAnswer'), callback: dueOf('callback') },
    norm: context.activeNorm,
    gemeenteName: input.from.name ?? undefined,
    lang: input.question.lang,
  });
  const message = await tx.query<{ id: number }>(`INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'out', 'system', $2) RETURNING id`, [
    input.conversationId,
    content.text,
  ]);
  await enqueueMail(tx, {
    conversationId: input.conversationId,
    messageId: message.rows[0]!.id,
    purpose: 'acknowledgement',
    rfcMessageId: newMessageIdValue(input.from.address.split('@')[1] ?? 'balie.local'),
    from: input.from,
    to: { name: null, address: input.email },
    subject: content.subject,
    text: content.text,
    html: content.html,
    inReplyTo: input.rfcMessageId,
    references: [input.rfcMessageId],
  });
}
