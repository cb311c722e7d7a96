// Issue 12 §10: when an agent closes the chat, the widget drops the session token from the gemeente
// site's localStorage at once — the next person at a shared computer finds nothing to open — while
// the citizen on the page can still rate the chat for the grace period.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../server/agents/agents.ts';
import type { TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, citizenSocket, closeSockets, next, refusal, startChatBalie, type AgentSocket } from '../server/chat/chat-support.ts';
import { startChatting, startHostPage, widget, type HostPage } from './widget-support.ts';

const GRACE_SECONDS = 4;

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let cookie: string;
let inbox: AgentSocket;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { WIDGET_ORIGINS: host.url, CHAT_CLOSED_GRACE_SECONDS: String(GRACE_SECONDS) }), launchBrowser()]);
  const agent = await createAgent(db.pool, { email: 'fatima@gemeente.test', name: 'Fatima el Amrani', role: 'agent', password: 'an agent password' });
  if (agent === 'email_taken') throw new Error('taken');
  cookie = await balie.login('fatima@gemeente.test', 'an agent password');
  inbox = await agentSocket(balie, cookie, { keep: true });
});
afterAll(async () => {
  inbox?.disconnect();
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
});
afterEach(async () => {
  closeSockets();
  await context.close();
});

const storedTokens = (p: Page) => p.evaluate(() => Object.values(localStorage).map((value) => (JSON.parse(value) as { token?: string }).token));

async function chatClosedByAgent(): Promise<{ conversationId: number; token: string }> {
  const created = next<{ conversationId: number; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
  await page.goto(host.url);
  await startChatting(page, 'Waar vind ik mijn WOZ-beschikking?');
  const { conversationId } = await created;
  const [token] = await storedTokens(page);
  expect(token).toEqual(expect.any(String));
  await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie });
  await page.getByText('U chat met Fatima').waitFor();
  const closed = await balie.request(`/api/conversations/${conversationId}/close`, { cookie, body: { outcome: 'handled_first_contact' } });
  expect(closed.status).toBe(200);
  await page.getByText('De medewerker heeft het gesprek afgesloten.').waitFor();
  return { conversationId, token: token! };
}

describe('a chat the agent closed, in the browser', () => {
  it('leaves no token on the device, and still takes the rating', async () => {
    const { conversationId, token } = await chatClosedByAgent();
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    // The token the site's storage held opens nothing any more.
    expect(await refusal(citizenSocket(balie, token))).toBe('unauthorized');

    await page.getByRole('radio', { name: '4 – tevreden' }).check();
    await page.getByRole('button', { name: 'Waardering versturen' }).click();
    await page.getByText('Bedankt voor uw waardering.').waitFor();
    expect((await db.pool.query('SELECT csat_score FROM conversations WHERE id = $1', [conversationId])).rows[0].csat_score).toBe(4);
    // Nothing put the token back.
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // The next person at this computer opens the widget: no conversation, a fresh start.
    await page.reload();
    await widget(page).launcher().click();
    await page.getByLabel('Uw vraag').waitFor();
    expect(await widget(page).messages().count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows the chat as closed and removed once the time to rate is over', async () => {
    await chatClosedByAgent();
    await page.getByText('De medewerker heeft het gesprek afgesloten. Het is van dit apparaat gewist.').waitFor({ timeout: (GRACE_SECONDS + 20) * 1000 });
    await page.getByRole('button', { name: 'Nieuw gesprek beginnen' }).waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  });
});
