// Every area's described routes. A new area file: import it here. A new route in an existing
// area: add its entry in that area's file (see docs/api.md).
import admin, { apiTokens, topics } from './admin.ts';
import agents from './agents.ts';
import auth from './auth.ts';
import backoffice, { teams } from './backoffice.ts';
import contacts from './contacts.ts';
import description, { exportArea } from './export.ts';
import inbox from './inbox.ts';
import mail from './mail.ts';
import publicArea from './public.ts';
import reports from './reports.ts';
import type { ApiArea } from './registry.ts';
import settings from './settings.ts';

export const areas: readonly ApiArea[] = [publicArea, auth, inbox, contacts, reports, exportArea, backoffice, teams, topics, agents, settings, mail, apiTokens, admin, description];
