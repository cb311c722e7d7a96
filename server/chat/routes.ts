// HTTP routes of the chat: the public ones the widget calls from the gemeente's website (CORS for
// WIDGET_ORIGINS, rate-limited, no login) and the agents' claim and close.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { limiter } from '../http/rate-limit.ts';
import { allowedOriginsOnly } from '../http/same-origin.ts';
import type { Chat } from './chat.ts';
import { closeBody, questionBody, startChatBody } from './schemas.ts';
import { chatUploadRoutes, type ChatUploadOptions } from './uploads.ts';

/** CORS for the gemeente websites that embed the widget; everyone else gets no CORS headers. */
function widgetCors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && (any || origins.includes(origin))) {
      res.set('Access-Control-Allow-Origin', any ? '*' : origin);
      // Loaded cross-origin by design (helmet sets same-origin by default).
      res.set('Cross-Origin-Resource-Policy', 'cross-origin');
      res.vary('Origin');
      if (req.method === 'OPTIONS') {
        res.set({ 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Content-Type, Authorization', 'Access-Control-Max-Age': '600' });
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** Public, no login: GET /service, POST /chats, POST /questions. Mount at /public before requireAgent. */
export function publicChatRoutes(options: {
  chat: Chat;
  widgetOrigins: readonly string[];
  publicOrigin: string;
  rateLimits: { publicPerMinute: number; submitPerHour: number };
  /** The citizen's photos and PDFs (issue 16.7); without it there is no upload route. */
  uploads?: ChatUploadOptions;
}): Router {
  const { chat } = options;
  const router = Router();
  const origins = [...options.widgetOrigins, options.publicOrigin];
  router.use(widgetCors(origins));
  // Uploads send the file's bytes, not JSON: mounted before the JSON-only check, with their own origin check.
  if (options.uploads) router.use(chatUploadRoutes({ ...options.uploads, chat, origins }));
  // CORS only stops a page reading the answer; a form post or a no-cors fetch from any site would
  // still start a chat or leave a question: state changes are refused outside the list (issue 12.4).
  router.use(allowedOriginsOnly(origins));
  const reads = limiter({ windowMs: 60_000, limit: options.rateLimits.publicPerMinute });
  // Starting chats and leaving questions create conversations and send mail: far stricter.
  const submissions = limiter({ windowMs: 60 * 60_000, limit: options.rateLimits.submitPerHour });

  router.get('/service', reads, async (_req, res) => {
    res.json(await chat.service());
  });

  /** Starts a chat with the citizen's first message; the answer's token opens the /widget socket. */
  router.post('/chats', submissions, async (req, res) => {
    const body = validate(startChatBody, req.body);
    const outcome = await chat.start(body);
    if (!outcome.ok) {
      if (outcome.code === 'chat_unavailable') throw httpErrors.chatUnavailable(outcome.service);
      throw httpErrors.conversationClosed('This chat was closed; start a new one with a new client id.');
    }
    const { ok: _ok, created, ...answer } = outcome;
    res.status(created ? 201 : 200).json(answer);
  });

  /** The offline flow: a question left with an e-mail address becomes an e-mail conversation. */
  router.post('/questions', submissions, async (req, res) => {
    const body = validate(questionBody, req.body);
    const outcome = await chat.ask(body);
    res.status(outcome.created ? 201 : 200).json({ reference: outcome.reference, promise: outcome.promise, acknowledgement: outcome.acknowledgement });
  });
  return router;
}

const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** With a session: POST /conversations/:id/claim and /conversations/:id/close. */
export function agentChatRoutes(options: { chat: Chat; pool: Pool }): Router {
  const { chat, pool } = options;
  const router = Router();

  router.post('/conversations/:id/claim', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const agent = req.agent!;
    const outcome = await chat.claim(id, agent);
    if (!outcome.ok) {
      if ('assignee' in outcome) throw httpErrors.alreadyClaimed(outcome.assignee);
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      throw httpErrors.conversationClosed();
    }
    if (outcome.claimed) await recordAudit(pool, { agentId: agent.id, action: 'conversation.claim', subjectType: 'conversation', subjectId: id });
    res.json({ conversationId: id, reference: outcome.conversation.reference, assignee: outcome.assignee, claimed: outcome.claimed });
  });

  router.post('/conversations/:id/close', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { outcome: result, reason, topicId } = validate(closeBody, req.body ?? {});
    const outcome = await chat.close(id, req.agent!, result, reason, topicId);
    if (!outcome.ok) {
      if (outcome.code === 'not_found') throw httpErrors.notFound('conversation');
      if (outcome.code === 'reason_required') {
        throw new HttpError(400, 'validation_failed', 'reason: say why no answer is needed', [{ field: 'reason', message: 'required with no_answer_needed' }]);
      }
      if (outcome.code === 'topic_required') throw new HttpError(400, 'topic_required', 'topicId: this gemeente requires a topic when closing', [{ field: 'topicId', message: 'required' }]);
      if (outcome.code === 'unknown_topic') throw new HttpError(400, 'unknown_topic', 'topicId: no such active topic', [{ field: 'topicId', message: 'unknown or archived' }]);
      throw httpErrors.conversationClosed('This conversation is already closed.');
    }
    await recordAudit(pool, { agentId: req.agent!.id, action: 'conversation.close', subjectType: 'conversation', subjectId: id, details: { outcome: result, reason: reason ?? null, topicId: topicId ?? null } });
    res.json({ conversationId: id, outcome: result, closedAt: outcome.closedAt.toISOString() });
  });
  return router;
}
