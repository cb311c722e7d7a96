// Shared by the inbox's browser tests: agents with Dutch names, logging in through the real login
// page, and waiting until an agent's /agent socket is connected (so live events reach the page).
import type { Browser, Page } from 'playwright-core';
import { createAgent, type Role } from '../../server/agents/agents.ts';
import type { Db } from '../../server/db/index.ts';
import { watchForErrors } from '../support/browser.ts';

export interface TestAgent {
  id: number;
  name: string;
  email: string;
  password: string;
}

export async function namedAgent(db: Db, name: string, role: Role = 'agent'): Promise<TestAgent> {
  const email = `${name.split(' ')[0]!.toLowerCase()}@gemeente.test`;
  const password = 'een wachtwoord voor de test';
  const agent = await createAgent(db, { email, name, role, password });
  if (agent === 'email_taken') throw new Error(`agent ${email} exists`);
  return { id: agent.id, name, email, password };
}

export interface AgentPage {
  page: Page;
  errors: string[];
  close: () => Promise<void>;
}

/** A fresh browser context (its own cookies) with the agent logged in and the inbox live. */
export async function openInbox(browser: Browser, url: string, db: Db, agent: { id?: number; email: string; password: string }, options: { permissions?: string[] } = {}): Promise<AgentPage> {
  const context = await browser.newContext();
  // As if the agent had allowed them earlier (Chromium's own permission state, per context).
  if (options.permissions) await context.grantPermissions(options.permissions, { origin: url });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(url);
  await page.getByLabel('E-mailadres').fill(agent.email);
  await page.getByLabel('Wachtwoord').fill(agent.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  const id = agent.id ?? (await db.query<{ id: number }>('SELECT id FROM agents WHERE email = $1', [agent.email])).rows[0]!.id;
  await until(async () => (await db.query('SELECT 1 FROM agent_connections WHERE agent_id = $1', [id])).rowCount! > 0, 'the agent socket');
  return { page, errors, close: () => context.close() };
}

export async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens the header's account menu (who is logged in, notifications, shortcuts, language, logout) if closed. */
export async function accountMenu(page: Page): Promise<void> {
  const button = page.locator('#account-button');
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}

/** The row of a conversation in the list, found by the citizen's name. */
export function row(page: Page, name: string | RegExp) {
  return page.getByRole('list', { name: 'Gesprekken' }).getByRole('button', { name: typeof name === 'string' ? new RegExp(name) : name });
}
