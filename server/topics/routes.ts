// REST routes of the topics (contract in types.ts): any agent reads, admins change (audited).
import { Router } from 'express';
import { z } from 'zod';
import { recordAudit, requestOrigin } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { createTopic, findTopic, listTopics, setTopicSettings, topicSettings, updateTopic, type TopicWrite } from './topics.ts';
import { TOPIC_NAME_MAX, type TopicList } from './types.ts';

const name = z.string().trim().min(1).max(TOPIC_NAME_MAX);
export const topicCreateBody = z.object({ name }).strict();
export const topicUpdateBody = z
  .object({ name: name.optional(), active: z.boolean().optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.active !== undefined, 'name or active');
export const topicSettingsBody = z.object({ required: z.boolean() }).strict();
export const listQuery = z.object({ all: z.enum(['true', 'false']).optional() });
const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
/** The close route's optional topic, beside outcome and reason (server/chat/routes.ts). */
export const closeTopicBody = z.object({ topicId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional() });

function refused(outcome: Extract<TopicWrite, { ok: false }>): HttpError {
  return outcome.code === 'name_taken' ? new HttpError(409, 'topic_name_taken', 'A topic with this name exists.') : httpErrors.notFound('topic');
}

/** Mount at /topics, behind requireAgent. */
export function topicRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();

  router.get('/', requireRole('agent'), async (req, res) => {
    const { all } = validate(listQuery, req.query);
    // Archived topics are for the admin screen only: agents choose among the active ones.
    if (all === 'true' && req.agent!.role !== 'admin') throw httpErrors.forbidden();
    const [topics, settings] = await Promise.all([listTopics(pool, { includeArchived: all === 'true' }), topicSettings(pool)]);
    const body: TopicList = { topics, required: settings.required };
    res.json(body);
  });

  router.get('/settings', requireRole('agent'), async (_req, res) => {
    res.json(await topicSettings(pool));
  });

  router.put('/settings', requireRole('admin'), async (req, res) => {
    const body = validate(topicSettingsBody, req.body ?? {});
    const before = await topicSettings(pool);
    const after = await setTopicSettings(pool, body, req.agent!);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'topic.settings', subjectType: 'topic_settings', before, after, ...requestOrigin(req) });
    res.json(after);
  });

  router.post('/', requireRole('admin'), async (req, res) => {
    const body = validate(topicCreateBody, req.body ?? {});
    const outcome = await createTopic(pool, body.name, req.agent!);
    if (!outcome.ok) throw refused(outcome);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'topic.create', subjectType: 'topic', subjectId: outcome.topic.id, after: outcome.topic, ...requestOrigin(req) });
    res.status(201).json(outcome.topic);
  });

  router.patch('/:id', requireRole('admin'), async (req, res) => {
    const { id } = validate(idParam, req.params);
    const body = validate(topicUpdateBody, req.body ?? {});
    const before = await findTopic(pool, id);
    if (!before) throw httpErrors.notFound('topic');
    const outcome = await updateTopic(pool, id, body);
    if (!outcome.ok) throw refused(outcome);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'topic.update', subjectType: 'topic', subjectId: id, before, after: outcome.topic, ...requestOrigin(req) });
    res.json(outcome.topic);
  });
  return router;
}
