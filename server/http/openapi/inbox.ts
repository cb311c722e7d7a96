// The agents' inbox: conversations, their messages and commands, attachments, canned answers,
// outgoing mail with uploads, signatures.
import { z } from 'zod';
import { closeBody } from '../../chat/schemas.ts';
import { cannedBody, useParams } from '../../canned/routes.ts';
import { newOutgoingMailSchema } from '../../inbox/outgoing.ts';
import { pieceParams, startBody } from '../../inbox/outgoing-routes.ts';
import type { Upload } from '../../inbox/outgoing-uploads.ts';
import { newMessageSchema } from '../../inbox/replies.ts';
import { answeredElsewhereBody, assignBody, callbackAttemptBody, countsQuery, listQuery, statusBody } from '../../inbox/routes.ts';
import { signatureBody, teamParam } from '../../signatures/routes.ts';
import { area, idParams, json } from './registry.ts';
import { rows } from './schemas.ts';

/** server/inbox/outgoing-uploads.ts Upload. */
const uploadSchema: z.ZodType<Upload> = z.strictObject({ id: z.number().int(), filename: z.string(), contentType: z.string(), size: z.number().int(), inline: z.boolean(), complete: z.boolean() });
const supervisors = ['supervisor', 'admin'] as const;
const admin = ['admin'] as const;

export default area('Inbox', 'Conversations on every channel, their messages, commands and attachments; canned answers; new mail; signatures.', [
  {
    method: 'get',
    path: '/api/conversations',
    summary: 'The conversation list, filtered, newest due first, by cursor',
    access: 'session',
    query: listQuery,
    responses: { 200: json('A page of conversations', z.looseObject({ items: rows('id', 'reference', 'channel', 'status', 'assignee', 'lastMessageAt', 'nextDue', 'breached'), nextCursor: z.string().nullable() })) },
  },
  { method: 'get', path: '/api/conversations/counts', summary: 'Counts per status and assignee for the filter bar', access: 'session', query: countsQuery, responses: { 200: json('The counts', z.looseObject({ counts: z.record(z.string(), z.number().int()) })) } },
  { method: 'get', path: '/api/conversations/:id', summary: 'A conversation with its messages, deadlines and contact', access: 'session', params: idParams, responses: { 200: json('The conversation', z.looseObject({ conversation: z.looseObject({ id: z.number().int(), reference: z.string(), channel: z.string(), status: z.string(), messages: rows('id'), milestones: z.array(z.looseObject({})) }) })) } },
  { method: 'get', path: '/api/team', summary: 'The agents a conversation can be assigned to, with presence', access: 'session', responses: { 200: json('The team', z.looseObject({ agents: rows('id', 'name', 'role', 'status') })) } },
  { method: 'post', path: '/api/conversations/:id/claim', summary: 'Claim a conversation (a chat: pick it up)', access: 'session', params: idParams, responses: { 200: json('Claimed', z.looseObject({ conversationId: z.number().int(), reference: z.string(), assignee: z.unknown(), claimed: z.boolean() })) }, errors: ['already_claimed', 'conversation_closed'] },
  { method: 'post', path: '/api/conversations/:id/close', summary: 'Close a conversation, with its outcome and topic', access: 'session', params: idParams, body: closeBody, responses: { 200: json('Closed', z.looseObject({ conversationId: z.number().int(), outcome: z.string(), closedAt: z.string() })) }, errors: ['conversation_closed', 'topic_required', 'unknown_topic'] },
  { method: 'post', path: '/api/conversations/:id/assign', summary: 'Assign to an agent, or release (agentId null)', access: 'session', params: idParams, body: assignBody, responses: { 200: json('Assigned', z.looseObject({ conversationId: z.number().int(), assignee: z.unknown() })) }, errors: ['conversation_closed'] },
  { method: 'post', path: '/api/conversations/:id/status', summary: 'Set open or waiting', access: 'session', params: idParams, body: statusBody, responses: { 200: json('Changed', z.looseObject({ conversationId: z.number().int(), status: z.string(), milestones: z.array(z.unknown()) })) }, errors: ['conversation_closed'] },
  { method: 'post', path: '/api/conversations/:id/reopen', summary: 'Reopen a closed conversation', access: 'session', params: idParams, responses: { 200: json('Reopened', z.looseObject({ conversationId: z.number().int(), status: z.string(), milestones: z.array(z.unknown()) })) }, errors: ['not_closed'] },
  { method: 'post', path: '/api/conversations/:id/answered-elsewhere', summary: 'Record that the citizen was answered by phone, at the desk or otherwise', access: 'session', params: idParams, body: answeredElsewhereBody, responses: { 200: json('Recorded', z.looseObject({ conversationId: z.number().int(), status: z.string(), milestones: z.array(z.unknown()) })) }, errors: ['no_open_answer', 'conversation_closed'] },
  { method: 'post', path: '/api/conversations/:id/callback-attempts', summary: 'Record a callback attempt', access: 'session', params: idParams, body: callbackAttemptBody, responses: { 201: json('Recorded', z.looseObject({ conversationId: z.number().int(), milestones: z.array(z.unknown()) })) }, errors: ['conversation_closed', 'callback_held_by_handoff'] },
  { method: 'post', path: '/api/conversations/:id/messages', summary: 'Reply, send a tussenbericht, or add a note', access: 'session', params: idParams, body: newMessageSchema, responses: { 201: json('The message', z.looseObject({ messageId: z.number().int(), queued: z.boolean(), kind: z.string() })) }, errors: ['no_recipient', 'channel_not_supported', 'interim_not_allowed', 'no_open_answer', 'term_required', 'conversation_closed', 'email_disabled', 'upload_not_found', 'upload_incomplete'] },
  { method: 'get', path: '/api/attachments/:id', summary: "An attachment's bytes", access: 'session', params: idParams, responses: { 200: { description: 'The file, with its stored type', contentType: 'application/octet-stream' } } },
  { method: 'get', path: '/api/canned-answers', summary: 'The canned answers', access: 'session', responses: { 200: json('The canned answers', z.looseObject({ items: rows('id', 'title', 'body', 'updatedAt') })) } },
  { method: 'post', path: '/api/canned-answers', summary: 'Add a canned answer', access: 'session', roles: supervisors, body: cannedBody, responses: { 201: json('The canned answer', z.looseObject({ id: z.number().int(), title: z.string(), body: z.string() })) } },
  { method: 'put', path: '/api/canned-answers/:id', summary: 'Change a canned answer', access: 'session', roles: supervisors, params: idParams, body: cannedBody, responses: { 200: json('The canned answer', z.looseObject({ id: z.number().int(), title: z.string(), body: z.string() })) } },
  { method: 'delete', path: '/api/canned-answers/:id', summary: 'Remove a canned answer', access: 'session', roles: supervisors, params: idParams, responses: { 204: { description: 'Removed' } } },
  { method: 'get', path: '/api/conversations/:id/canned-answers/:cannedId', summary: "A canned answer's text with this conversation's variables filled in", access: 'session', params: useParams, responses: { 200: json('The text', z.strictObject({ text: z.string() })) }, errors: ['canned_variable_missing'] },
  {
    method: 'post',
    path: '/api/uploads',
    summary: "Start an outgoing attachment's upload with its first piece",
    access: 'session',
    body: startBody,
    responses: { 201: json('The upload', uploadSchema) },
    errors: ['attachment_type_refused', 'attachment_too_large', 'upload_piece_invalid'],
  },
  { method: 'put', path: '/api/uploads/:id/pieces/:seq', summary: "An upload's next piece (base64)", access: 'session', params: pieceParams, body: z.looseObject({ data: z.base64() }), responses: { 204: { description: 'Stored' } }, errors: ['upload_piece_invalid', 'attachment_type_refused', 'upload_not_found'] },
  { method: 'delete', path: '/api/uploads/:id', summary: 'Drop an upload', access: 'session', params: idParams, responses: { 204: { description: 'Dropped' } } },
  { method: 'post', path: '/api/outgoing-mail', summary: 'A new e-mail to a citizen, starting a conversation', access: 'session', body: newOutgoingMailSchema, responses: { 201: json('The conversation and its reference', z.looseObject({ conversationId: z.number().int(), reference: z.string(), messageId: z.number().int() })) }, errors: ['email_disabled', 'upload_not_found', 'upload_incomplete'] },
  { method: 'get', path: '/api/signatures', summary: "The mailbox's and teams' signatures", access: 'session', roles: admin, responses: { 200: json('The signatures', z.looseObject({ items: z.array(z.looseObject({})), variables: z.array(z.string()) })) } },
  { method: 'get', path: '/api/signatures/mine', summary: 'The signature under my replies', access: 'session', responses: { 200: json('The signature', z.looseObject({ signature: z.unknown() })) } },
  { method: 'put', path: '/api/signatures/mailbox', summary: "Set the mailbox's signature", access: 'session', roles: admin, body: signatureBody, responses: { 204: { description: 'Set' } } },
  { method: 'put', path: '/api/signatures/teams/:teamId', summary: "Set a team's signature", access: 'session', roles: admin, params: teamParam, body: signatureBody, responses: { 204: { description: 'Set' } } },
  { method: 'delete', path: '/api/signatures/mailbox', summary: "Remove the mailbox's signature", access: 'session', roles: admin, responses: { 204: { description: 'Removed' } } },
  { method: 'delete', path: '/api/signatures/teams/:teamId', summary: "Remove a team's signature", access: 'session', roles: admin, params: teamParam, responses: { 204: { description: 'Removed' } } },
]);
