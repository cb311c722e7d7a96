// POST /api/conversations/:id/merge (issue 16.5): merges another conversation about the same
// question into this one (server/inbox/merge.ts); both audited, both announced live.
import { Router } from 'express';
import { z } from 'zod';
import { announceChange } from '../conversations/apply.ts';
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { mergeConversations } from './merge.ts';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const idParam = z.object({ id });
export const mergeBody = z.strictObject({ absorbedId: id });

export function mergeRoutes(options: { pool: Pool; events: DomainEvents }): Router {
  const { pool, events } = options;
  const router = Router();
  router.post('/conversations/:id/merge', async (req, res) => {
    const params = validate(idParam, req.params);
    const { absorbedId } = validate(mergeBody, req.body);
    const outcome = await mergeConversations(pool, params.id, absorbedId, req.agent!);
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      if (outcome.code === 'conversation_closed') throw httpErrors.conversationClosed('Both conversations must be open; reopen a closed one first.');
      throw new HttpError(409, 'merge_refused', 'A conversation cannot be merged into itself.');
    }
    const { absorbed, kept } = outcome;
    events.emit('conversation.closed', {
      conversationId: absorbed.conversation.conversationId,
      reference: absorbed.conversation.reference,
      channel: absorbed.conversation.channel,
      outcome: 'no_answer_needed',
      closedAt: absorbed.conversation.closedAt!,
    });
    announceChange(events, absorbed);
    events.emit('conversation.updated', { conversationId: kept.conversationId, reference: kept.reference, channel: kept.channel, status: await statusOf(pool, kept.conversationId), milestones: kept.milestones });
    res.json({ conversationId: kept.conversationId, reference: kept.reference, absorbed: { conversationId: absorbedId, reference: absorbed.conversation.reference }, moved: outcome.moved, milestones: kept.milestones });
  });
  return router;
}

async function statusOf(pool: Pool, conversationId: number): Promise<'new' | 'open' | 'waiting' | 'closed'> {
  const { rows } = await pool.query<{ status: 'new' | 'open' | 'waiting' | 'closed' }>('SELECT status FROM conversations WHERE id = $1', [conversationId]);
  return rows[0]!.status;
}
