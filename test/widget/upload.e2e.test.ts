// The citizen's photo in real Chromium (issue 16.7, 16.9): attached in the widget on a gemeente
// page of another origin, it reaches the agent's inbox and shows there inline; at 375 px the
// launcher with its unread badge stays on one line inside the window, and ending the chat asks
// yes/no first, in view, before the rating and the transcript form.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, closeSockets, next, startChatBalie, type AgentSocket } from '../server/chat/chat-support.ts';
import { png } from '../server/chat/upload-support.ts';
import { namedAgent, openInbox, row, type TestAgent } from '../inbox/inbox-support.ts';
import { startChatting, startHostPage, widget, type HostPage } from './widget-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let fatima: TestAgent;
let cookie: string;
let inbox: AgentSocket;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  db = await createTestDatabase();
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { WIDGET_ORIGINS: host.url }), launchBrowser()]);
  fatima = await namedAgent(db.pool, 'Fatima el Amrani');
  cookie = await balie.login(fatima.email, fatima.password);
  // Fatima is online: chat is available.
  inbox = await agentSocket(balie, cookie, { keep: true });
});
afterAll(async () => {
  inbox?.disconnect();
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
});
afterEach(async () => {
  closeSockets();
  await context?.close();
});

async function citizenStarts(viewport: { width: number; height: number }, text: string, name: string) {
  context = await browser.newContext({ viewport });
  page = await context.newPage();
  const errors = watchForErrors(page);
  const created = next<{ conversationId: number; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
  await page.goto(host.url);
  await startChatting(page, text, name);
  return { ...(await created), errors };
}

describe('a photo from the widget', () => {
  it('reaches the agent’s inbox and shows there inline', async () => {
    const { conversationId, errors } = await citizenStarts({ width: 1280, height: 800 }, 'De lantaarnpaal voor mijn huis is kapot', 'Henk de Vries');
    const stored = next<{ conversationId: number }>(inbox, 'message.created', 10_000, (event) => event.conversationId === conversationId);
    await page.locator('balie-widget').locator('#balie-file').setInputFiles({ name: 'lantaarnpaal.png', mimeType: 'image/png', buffer: png(40, 30) });
    await stored;
    await widget(page).messages().filter({ hasText: 'lantaarnpaal.png' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    const agent = await openInbox(browser, balie.url, db.pool, fatima);
    try {
      await row(agent.page, 'Henk de Vries').click();
      const photo = agent.page.getByRole('img', { name: 'lantaarnpaal.png' });
      await photo.waitFor();
      await agent.page.waitForFunction(() => [...document.querySelectorAll('img')].some((img) => img.complete && img.naturalWidth === 40));
      expect(await axeViolations(agent.page)).toEqual([]);
      expect(agent.errors).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});

describe('at 375 px', () => {
  it('keeps the launcher with its unread badge on one line, and asks yes/no first when ending', async () => {
    const { conversationId } = await citizenStarts({ width: 375, height: 667 }, 'Wanneer wordt het grofvuil opgehaald?', 'Ans');
    const w = widget(page);
    await page.keyboard.press('Escape');
    await w.launcher().waitFor();
    for (const text of ['Goedemorgen!', 'Ik kijk het even na.']) {
      const response = await balie.request(`/api/conversations/${conversationId}/messages`, { cookie, body: { kind: 'reply', text } });
      expect(response.status).toBe(201);
    }
    const launcher = page.locator('balie-widget').locator('button.launcher');
    await launcher.locator('.badge').waitFor();
    await expect.poll(() => launcher.locator('.badge').textContent()).toContain('2');
    const box = (await launcher.boundingBox())!;
    const badge = (await launcher.locator('.badge').boundingBox())!;
    // One line (the launcher is one button high), and nothing outside the window or the button.
    expect(box.height).toBeLessThan(60);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(badge.x + badge.width).toBeLessThanOrEqual(box.x + box.width);
    expect(badge.y + badge.height).toBeLessThanOrEqual(box.y + box.height);
    // Its name still says there are new messages.
    await page.getByRole('button', { name: /2 nieuwe berichten/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await launcher.click();
    await page.getByRole('button', { name: 'Gesprek beëindigen' }).click();
    const yes = page.getByRole('button', { name: 'Ja, beëindigen' });
    const no = page.getByRole('button', { name: 'Nee, verder chatten' });
    const rating = page.locator('balie-widget').locator('fieldset').first();
    const transcript = page.getByRole('button', { name: 'Gesprek mailen' });
    const [yesBox, noBox, ratingBox, transcriptBox] = await Promise.all([yes.boundingBox(), no.boundingBox(), rating.boundingBox(), transcript.boundingBox()]);
    expect(yesBox!.y + yesBox!.height).toBeLessThanOrEqual(667);
    expect(noBox!.y + noBox!.height).toBeLessThanOrEqual(667);
    expect(yesBox!.y).toBeLessThan(ratingBox!.y);
    expect(ratingBox!.y).toBeLessThan(transcriptBox!.y);
    expect(await axeViolations(page)).toEqual([]);
  });
});
