// Topics, API tokens and the audit trail: the admins' screens.
import { z } from 'zod';
import { createApiTokenSchema } from '../../api-tokens/index.ts';
import { auditQuery } from '../../audit.ts';
import { listQuery as topicListQuery, topicCreateBody, topicSettingsBody, topicUpdateBody } from '../../topics/routes.ts';
import { area, idParams, json } from './registry.ts';
import { apiTokenSchema, rows, topicListSchema, topicSchema } from './schemas.ts';

const admin = ['admin'] as const;

export const topics = area('Topics', 'Onderwerpen: the list agents choose from when closing, and whether one is required.', [
  { method: 'get', path: '/api/topics', summary: 'The active topics (all=true: archived too, admins)', access: 'session', roles: ['agent', 'supervisor', 'admin'], query: topicListQuery, responses: { 200: json('The topics', topicListSchema) } },
  { method: 'get', path: '/api/topics/settings', summary: 'Whether closing needs a topic', access: 'session', roles: ['agent', 'supervisor', 'admin'], responses: { 200: json('The setting', z.looseObject({ required: z.boolean() })) } },
  { method: 'put', path: '/api/topics/settings', summary: 'Require a topic on close, or not', access: 'session', roles: admin, body: topicSettingsBody, responses: { 200: json('The setting', z.looseObject({ required: z.boolean() })) } },
  { method: 'post', path: '/api/topics', summary: 'Add a topic', access: 'session', roles: admin, body: topicCreateBody, responses: { 201: json('The topic', topicSchema) }, errors: ['topic_name_taken'] },
  { method: 'patch', path: '/api/topics/:id', summary: 'Rename, archive or restore a topic', access: 'session', roles: admin, params: idParams, body: topicUpdateBody, responses: { 200: json('The topic', topicSchema) }, errors: ['topic_name_taken'] },
]);

export const apiTokens = area('API tokens', 'Read-only tokens for integrations (a BI tool pulling the export), created and revoked by admins, audited.', [
  { method: 'get', path: '/api/api-tokens', summary: 'Every API token (never a secret)', access: 'session', roles: admin, responses: { 200: json('The tokens', z.strictObject({ tokens: z.array(apiTokenSchema) })) } },
  { method: 'post', path: '/api/api-tokens', summary: 'Create a token: its secret is in this answer only', access: 'session', roles: admin, body: createApiTokenSchema, responses: { 201: json('The token and its secret', z.looseObject({ token: apiTokenSchema, secret: z.string() })) } },
  { method: 'delete', path: '/api/api-tokens/:id', summary: 'Revoke a token', access: 'session', roles: admin, params: idParams, responses: { 200: json('The revoked token', z.strictObject({ token: apiTokenSchema })) } },
]);

export default area('Audit', 'The audit trail: who did what, when, from where.', [
  { method: 'get', path: '/api/audit', summary: 'Audit entries, newest first, by page', access: 'session', roles: admin, query: auditQuery, responses: { 200: json('A page of entries', z.looseObject({ entries: rows('id', 'at', 'action', 'subjectType', 'subjectId', 'agent'), next: z.number().int().nullable() })) } },
]);
