// Balie's one lock order: conversations rows first, in ascending id order, then their milestones
// (and other rows that hang off a conversation). Every writer that takes more than one
// conversation, or a conversation's milestones, follows it, so no two transactions can wait on
// each other in a circle (40P01). The 0006 triggers update conversations whenever milestones
// change, so touching milestones without first locking their conversation inverts the order.
import type { Db } from './pool.ts';

/**
 * Locks these conversations in ascending id order and returns the ids that exist. FOR NO KEY
 * UPDATE: it conflicts with every other writer of the row (and with `FOR UPDATE`), but not with
 * the key-share locks that inserting a message or milestone takes through its foreign key.
 */
export async function lockConversations(tx: Db, conversationIds: readonly number[]): Promise<number[]> {
  if (conversationIds.length === 0) return [];
  // LockRows runs above the sort: rows are locked in the order the ORDER BY gives.
  const { rows } = await tx.query<{ id: number }>('SELECT id FROM conversations WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE', [
    [...conversationIds],
  ]);
  return rows.map((row) => row.id);
}
