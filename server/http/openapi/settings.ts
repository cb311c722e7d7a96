// The service settings (hours, closure days, norms) and the public norm page's opt-in.
import { z } from 'zod';
import { normSchema } from '../../deadlines/norms.ts';
import { settingsPatchSchema } from '../../deadlines/settings.ts';
import { settingsBody } from '../../public-page/routes.ts';
import { area, json } from './registry.ts';

const normChanged = z.looseObject({ norm: z.looseObject({ id: z.string() }), recomputed: z.unknown() });
const serviceSettings = z.looseObject({ settings: z.looseObject({ activeNormId: z.string(), businessHours: z.string(), chatHours: z.string(), closureDays: z.array(z.unknown()), version: z.number().int() }) });

/** server/public-page/settings.ts PublicPageSettings, and where the page is. */
const publicPageSettings = z.looseObject({ settings: z.looseObject({ enabled: z.boolean(), updatedAt: z.string().nullable() }), path: z.string() });

export default area('Settings', 'Service hours, closure days, the norms, and the public norm page.', [
  { method: 'get', path: '/api/settings/service', summary: 'The service settings and norms', access: 'session', responses: { 200: json('The settings', serviceSettings) } },
  { method: 'put', path: '/api/settings/service', summary: 'Change the service settings (teamleiders: hours and closure days only)', access: 'session', roles: ['supervisor', 'admin'], body: settingsPatchSchema, responses: { 200: json('The settings and whether deadlines were recomputed', z.looseObject({ settings: z.looseObject({ version: z.number().int() }), recomputed: z.unknown() })) } },
  { method: 'put', path: '/api/settings/norms/:id', summary: 'Change a norm (a custom norm: its terms, targets and source; the id in the body, if any, is the path’s)', access: 'session', roles: ['admin'], params: z.strictObject({ id: z.string() }), body: normSchema, responses: { 200: json('The norm, changed', normChanged), 201: json('The norm, created', normChanged) } },
  { method: 'get', path: '/api/settings/public-page', summary: 'Whether the public norm page (/prestaties) is published', access: 'session', responses: { 200: json('The setting', publicPageSettings) } },
  { method: 'put', path: '/api/settings/public-page', summary: 'Publish or withdraw the public norm page', access: 'session', roles: ['admin'], body: settingsBody, responses: { 200: json('The setting', publicPageSettings) } },
]);
