// Logging in and out, and who is logged in.
import { z } from 'zod';
import { loginSchema } from '../../agents/routes.ts';
import { area, json } from './registry.ts';
import { sessionAgentSchema } from './schemas.ts';

export default area('Auth', 'Sessions: log in (sets the session cookie), log out, who am I.', [
  {
    method: 'post',
    path: '/api/auth/login',
    summary: 'Log in; sets the session cookie',
    access: 'public',
    body: loginSchema,
    responses: { 200: json('Logged in', z.looseObject({ agent: sessionAgentSchema })) },
    errors: ['invalid_credentials', 'account_disabled', 'rate_limited', 'validation_failed', 'invalid_json', 'cross_origin_refused', 'unsupported_media_type'],
  },
  { method: 'post', path: '/api/auth/logout', summary: 'Log out: ends the session and its live connection', access: 'session', responses: { 204: { description: 'Logged out' } } },
  { method: 'get', path: '/api/auth/me', summary: 'The logged-in agent', access: 'session', responses: { 200: json('The agent', z.looseObject({ agent: sessionAgentSchema })) } },
]);
