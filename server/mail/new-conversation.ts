// A new e-mail conversation in one statement: its reference number, the row and its first
// milestones — what createConversationIn does in five round trips (issue 17, item 2).
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { firstEmailMilestoneColumns, milestoneFromJson, milestoneUnnestInsert, milestoneUnnestValues } from '../deadlines/milestones.ts';
import type { Milestone, ServiceContext } from '../deadlines/index.ts';

export interface NewEmailConversation {
  subject: string | null;
  contactId: number | null;
  referencePrefix: string;
  receivedAt: Date;
}

/**
 * Creates an e-mail conversation as createConversationIn (server/conversations/conversations.ts)
 * does — the year's next reference under the counter row's lock (gapless, rolled back with the
 * transaction), the row, the active norm's acknowledgement and answer milestones from `receivedAt`
 * (openMilestonesFor; a new conversation has nothing unmet) — in one statement. `context` is the
 * transaction's service context. The caller announces the milestones (notifyMilestonesChanged),
 * once per transaction. Lock order (server/db/lock-order.ts): the conversation is new, its
 * milestones come after it in the same statement.
 */
export async function createEmailConversation(tx: Db, input: NewEmailConversation, context: ServiceContext): Promise<{ id: number; reference: string; milestones: Milestone[] }> {
  const year = DateTime.fromJSDate(input.receivedAt, { zone: 'Europe/Amsterdam' }).year;
  const { rows } = await tx.query<{ id: number; reference: string; milestones: Record<string, unknown>[] }>(
    `WITH counter AS (
       INSERT INTO reference_counters (year, last_value) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + 1
       RETURNING last_value
     ), conversation AS (
       INSERT INTO conversations (reference, channel, subject, contact_id)
       SELECT $2 || '-' || $1::int || '-' || lpad(last_value::text, greatest(6, length(last_value::text)), '0'), 'email', $3, $4 FROM counter
       RETURNING id, reference
     ), milestone AS (${milestoneUnnestInsert('(SELECT id FROM conversation)', 5)})
     SELECT c.id, c.reference, coalesce((SELECT json_agg(milestone ORDER BY milestone.id) FROM milestone), '[]'::json) AS milestones FROM conversation c`,
    [year, input.referencePrefix, input.subject, input.contactId, ...milestoneUnnestValues(firstEmailMilestoneColumns(context, input.receivedAt))],
  );
  const row = rows[0]!;
  return { id: row.id, reference: row.reference, milestones: row.milestones.map(milestoneFromJson) };
}
