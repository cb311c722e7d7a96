// Logging in and out, and who is logged in.
import { z } from 'zod';
import { passwordChangeSchema } from '../../agents/own-password.ts';
import { loginSchema } from '../../agents/routes.ts';
import { area, json } from './registry.ts';
import { sessionAgentSchema } from './schemas.ts';

export default area('Auth', 'Sessions: log in (sets the session cookie), log out, who am I, choose a new password. A session whose password somebody else set (passwordMustChange) reaches nothing else: every other route answers 403 password_change_required.', [
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
  {
    method: 'post',
    path: '/api/auth/password',
    summary: 'Choose a new password (the current one required); ends every session of the agent and sets a new session cookie',
    access: 'session',
    body: passwordChangeSchema,
    responses: { 200: json('Changed; the new session cookie is set', z.looseObject({ agent: sessionAgentSchema })) },
    errors: ['invalid_credentials', 'rate_limited'],
  },
  { method: 'get', path: '/api/auth/me', summary: 'The logged-in agent', access: 'session', responses: { 200: json('The agent', z.looseObject({ agent: sessionAgentSchema })) } },
]);
