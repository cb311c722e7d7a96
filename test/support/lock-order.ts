// Tests that write milestones themselves write them as Balie does: the conversation locked first
// (server/db/lock-order.ts). Written straight on the pool, they deadlock with the running
// scheduler's breach pass, which locks the conversation and then its milestones.
import { inRetriedTransaction, lockConversations, type Db, type Pool } from '../../server/db/index.ts';

export const inLockOrder = <T>(pool: Pool, conversationId: number, work: (tx: Db) => Promise<T>): Promise<T> =>
  inRetriedTransaction(pool, async (tx) => {
    await lockConversations(tx, [conversationId]);
    return work(tx);
  });
