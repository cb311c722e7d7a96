// The widget's endpoints (gemeente websites call them; CORS and rate limits of their own), the
// public norms, and the health probe.
import { z } from 'zod';
import { questionBody, startChatBody } from '../../chat/schemas.ts';
import { uploadQuery } from '../../chat/uploads.ts';
import { deadlinesQuery } from '../../deadlines/routes.ts';
import { area, json } from './registry.ts';
import { rows } from './schemas.ts';

const questionStored = z.looseObject({ reference: z.string(), promise: z.unknown(), acknowledgement: z.unknown() });
const chatStarted = z.looseObject({ token: z.string(), expiresAt: z.string(), conversation: z.looseObject({}), message: z.looseObject({}) });
const chatUpload = z.looseObject({ message: z.looseObject({}), attachment: z.strictObject({ id: z.number().int(), contentType: z.string(), size: z.number().int() }) });

export default area('Public', 'Called without a session: the chat widget on gemeente websites, the published norms, the health probe.', [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Health: the status for anyone; checks and details for an agent or the HEALTH_TOKEN bearer',
    access: 'public',
    responses: { 200: json('Up', z.looseObject({ status: z.literal('ok') })), 503: json('The database is unreachable', z.looseObject({ status: z.literal('unavailable') })) },
  },
  { method: 'get', path: '/api/public/service', summary: 'Whether chat is open now, and the service hours', access: 'public', responses: { 200: json('The service', z.looseObject({ chat: z.looseObject({ open: z.boolean(), available: z.boolean() }), now: z.string() })) } },
  { method: 'post', path: '/api/public/chats', summary: 'Start a chat from the widget', access: 'public', body: startChatBody, responses: { 201: json('The chat', chatStarted), 200: json('The same chat again (same clientId)', chatStarted) }, errors: ['chat_unavailable', 'rate_limited', 'cross_origin_refused'] },
  { method: 'post', path: '/api/public/questions', summary: 'Leave a question when nobody can chat', access: 'public', body: questionBody, responses: { 201: json('Stored', questionStored), 200: json('Stored before (same clientId)', questionStored) }, errors: ['rate_limited', 'cross_origin_refused'] },
  {
    method: 'post',
    path: '/api/public/chats/uploads',
    summary: "A citizen's photo or PDF in the chat, sent with the chat's session token as `Authorization: Bearer`; the same clientId again answers 200",
    access: 'public',
    query: uploadQuery,
    body: z.string(),
    bodyContentType: 'application/octet-stream',
    responses: { 201: json('Stored as the citizen’s message', chatUpload), 200: json('Stored before (same clientId)', chatUpload) },
    errors: ['attachment_type_refused', 'attachment_too_large', 'rate_limited', 'unauthorized', 'cross_origin_refused'],
  },
  { method: 'get', path: '/api/norms', summary: "The gemeente's norms (what it promises citizens)", access: 'public', responses: { 200: json('The norms', z.looseObject({ activeNormId: z.string(), norms: z.array(z.looseObject({ id: z.string(), name: z.string(), source: z.string(), terms: rows('kind', 'unit', 'amount', 'description', 'target') })) })) } },
  { method: 'get', path: '/api/deadlines', summary: 'The deadlines a message received now (or at `received`) gets under each norm', access: 'public', query: deadlinesQuery, responses: { 200: json('The deadlines', z.looseObject({ norm: z.string(), received: z.string(), due: z.record(z.string(), z.string().nullable()) })) } },
]);
