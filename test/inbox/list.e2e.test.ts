// The list with 10,000 open conversations: only the rows in view are in the DOM, scrolling pages
// in the next cursor page, and a live arrival above the view leaves the agent's place alone.
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatBalie } from '../server/chat/chat-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openInbox, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  // 10,000 open e-mail conversations without deadlines (older than any the test adds).
  await db.pool.query(
    `INSERT INTO conversations (reference, channel, status, subject, created_at, last_message_at)
     SELECT 'BAL-2020-' || lpad(n::text, 6, '0'), 'email', 'open', 'Vraag nummer ' || n, now() - interval '30 days', now() - (n || ' seconds')::interval
       FROM generate_series(1, 10000) n`,
  );
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

const scroller = '.scroller';

describe('the list with 10,000 open conversations', () => {
  it('renders only the rows in view and announces the whole size to assistive technology', async () => {
    const { page } = admin;
    await page.locator('[data-id]').first().waitFor();
    const rendered = await page.locator('[data-id]').count();
    expect(rendered).toBeGreaterThan(3);
    expect(rendered).toBeLessThan(40);
    await page.locator('li[aria-setsize="10000"]').first().waitFor();
  });

  it('scrolls smoothly, loading the next cursor page near the end of what is loaded', async () => {
    const { page } = admin;
    const frames = await page.evaluate(async (selector) => {
      const element = document.querySelector<HTMLElement>(selector)!;
      const durations: number[] = [];
      for (let step = 0; step < 60; step++) {
        const started = performance.now();
        element.scrollTop += 400;
        element.dispatchEvent(new Event('scroll'));
        await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
        durations.push(performance.now() - started);
      }
      return durations.sort((a, b) => a - b);
    }, scroller);
    // Each scroll step re-renders a window of ~20 rows: well within a frame budget on any machine.
    expect(frames[Math.floor(frames.length / 2)]).toBeLessThan(50);
    // More than the first page is loaded now, and the DOM stayed small.
    await page.waitForFunction(() => Math.max(...[...document.querySelectorAll('li[aria-posinset]')].map((li) => Number(li.getAttribute('aria-posinset')))) > 50);
    expect(await page.locator('[data-id]').count()).toBeLessThan(40);
  });

  it('keeps the agent’s place when a new conversation arrives above the view', async () => {
    const { page } = admin;
    const topRow = () =>
      page.evaluate((selector) => {
        const element = document.querySelector<HTMLElement>(selector)!;
        const top = element.getBoundingClientRect().top;
        const rows = [...element.querySelectorAll<HTMLElement>('[data-id]')];
        return rows.find((row) => row.getBoundingClientRect().bottom > top + 2)?.dataset.id;
      }, scroller);
    // Somewhere in the first page, where a live refresh re-reads the rows.
    await page.locator(scroller).evaluate((element) => (element.scrollTop = 2000));
    await page.waitForTimeout(100);
    const before = await topRow();
    expect(Number(before)).toBeGreaterThan(0);
    const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: 'nieuw@example.nl', name: 'Nieuwe Inwoner', text: 'Een nieuwe vraag.' } });
    expect(response.status).toBe(201);
    await page.getByRole('status').filter({ hasText: /Nieuwe e-mail BAL-/ }).waitFor();
    await page.waitForTimeout(800);
    expect(await topRow()).toBe(before);
    // Back at the top, the new conversation is first: it has a deadline, the seeded ones have none.
    await page.locator(scroller).evaluate((element) => (element.scrollTop = 0));
    await page.locator('[data-id]').first().filter({ hasText: 'Nieuwe Inwoner' }).waitFor();
    expect(admin.errors).toEqual([]);
  });
});
