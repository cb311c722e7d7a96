// The workspace at the widths a KCC uses (issue 16.1): a full screen (1366, 1280), half of one
// beside a back-office system (960, 768) and a phone (375) — rows that fit, a header in one row,
// the deadlines and contact beside the thread, no sideways scrolling, every view by keyboard, axe.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMail } from '../../server/mail/ingest.ts';
import { startChatBalie } from '../server/chat/chat-support.ts';
import { citizenMail } from '../server/mail/mail-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;
let page: Page;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  // Thirty older conversations to fill the list, and one citizen's mail with its deadlines on top.
  await db.pool.query(
    `INSERT INTO conversations (reference, channel, status, subject, created_at, last_message_at)
     SELECT 'BAL-2020-' || lpad(n::text, 6, '0'), 'email', 'open', 'Vraag nummer ' || n, now() - interval '30 days', now() - interval '1 day' - (n || ' minutes')::interval
       FROM generate_series(1, 30) n`,
  );
  const settings = { referencePrefix: 'BAL', from: { name: 'Gemeente Voorbeeld', address: 'info@gemeente-voorbeeld.nl' }, autoAck: false, maxBytes: 1e7 };
  const mail = citizenMail({ from: 'Sanne de Boer <sanne@example.nl>', subject: 'Kapotte lantaarnpaal', body: 'De lantaarnpaal voor Dorpsstraat 12 is al een week kapot.', date: new Date().toUTCString() });
  await ingestMail(balie.database.pool, Buffer.from(mail.replace(/\r?\n/g, '\r\n')), settings);
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
  page = admin.page;
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

/** Rows of the list wholly inside the list's scrolling box (a row cut off at the bottom does not count). */
function fullyVisibleRows(): Promise<number> {
  return page.evaluate(() => {
    const scroller = document.querySelector('.scroller')!.getBoundingClientRect();
    const bottom = Math.min(scroller.bottom, window.innerHeight);
    return [...document.querySelectorAll('[data-id]')].filter((row) => {
      const box = row.getBoundingClientRect();
      return box.height > 0 && box.top >= scroller.top - 0.5 && box.bottom <= bottom + 0.5;
    }).length;
  });
}

/** How far the page, or a pane that scrolls on its own, is wider than its box (0: no sideways scrolling). */
function horizontalOverflow(): Promise<number> {
  return page.evaluate(() =>
    Math.max(
      ...[document.documentElement, ...document.querySelectorAll<HTMLElement>('.list-pane, .conversation-pane, .scroller')]
        .filter((box) => box === document.documentElement || box.offsetParent !== null)
        .map((box) => box.scrollWidth - box.clientWidth),
    ),
  );
}

/**
 * The header's height, whether its parts share one row, and whether any part is cut off or
 * covered (a view that does not fit must go behind the menu button, not under the account).
 */
function headerRows(): Promise<{ height: number; oneRow: boolean; clipped: string[] }> {
  return page.evaluate(() => {
    const header = document.querySelector('header.top')!;
    const parts = [...header.querySelectorAll<HTMLElement>('.menu-button, .brand, .views > *, .who > *')].filter((part) => part.offsetParent !== null);
    const boxes = parts.map((part) => part.getBoundingClientRect());
    const first = boxes[0]!;
    const clipped = parts.filter((part, index) => {
      const box = boxes[index]!;
      const overlaps = boxes.some((other, at) => at !== index && other.left < box.right - 1 && other.right > box.left + 1 && other.top < box.bottom && other.bottom > box.top);
      return box.right > window.innerWidth || overlaps;
    });
    return {
      height: header.getBoundingClientRect().height,
      oneRow: boxes.every((box) => box.top < first.bottom && box.bottom > first.top),
      clipped: clipped.map((part) => part.textContent ?? ''),
    };
  });
}

/** Whether the views are behind the menu button at this width. */
const collapsed = () => page.getByRole('button', { name: 'Menu' }).isVisible();

async function noAxeViolations() {
  const violations = await axeViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

/** Presses Tab until the focused element is the one `name` labels; fails after `max` presses. */
async function tabTo(name: string | RegExp, max = 60) {
  for (let presses = 0; presses < max; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim();
    });
    if (typeof name === 'string' ? focused === name : name.test(focused)) return;
  }
  throw new Error(`Tab never reached ${String(name)}`);
}

/** From the top of the page, by keyboard alone: each view, then back to the inbox. */
async function everyViewByKeyboard() {
  const narrow = await collapsed();
  const views: [string, string][] = [
    ['Overzicht teamleider', 'Overzicht teamleider'],
    ['Beheer', 'Beheer'],
    ['Inbox', 'Inbox'],
  ];
  for (const [button, heading] of views) {
    await page.locator('body').focus();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    if (narrow) {
      await tabTo('Menu');
      await page.keyboard.press('Enter');
    }
    await tabTo(button);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: heading, level: 1, exact: true }).waitFor();
    // At narrow widths choosing a view closes the menu, so its buttons are out of view then.
    if (!narrow) expect(await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('button', { name: button, exact: true }).getAttribute('aria-current')).toBe('page');
  }
}

describe('the workspace at 1366×800', () => {
  it('shows at least 8 whole rows, a header in one row, and the deadlines and contact beside the thread', async () => {
    await page.setViewportSize({ width: 1366, height: 800 });
    // A full screen has room for every view of an admin in the header's row.
    await expect.poll(collapsed).toBe(false);
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).waitFor();
    expect(await fullyVisibleRows()).toBeGreaterThanOrEqual(8);
    // The views collapse behind the menu button once the resize is observed.
    await expect.poll(async () => (await headerRows()).clipped).toEqual([]);
    const header = await headerRows();
    expect(header.oneRow).toBe(true);
    expect(header.height).toBeLessThan(60);
    const thread = (await page.getByRole('region', { name: 'Berichten' }).boundingBox())!;
    const deadlines = (await page.getByRole('region', { name: 'Termijnen' }).boundingBox())!;
    const contact = (await page.getByRole('region', { name: 'Inwoner' }).boundingBox())!;
    expect(deadlines.x).toBeGreaterThanOrEqual(thread.x + thread.width);
    expect(contact.x).toBeGreaterThanOrEqual(thread.x + thread.width);
    expect(await horizontalOverflow()).toBe(0);
    await noAxeViolations();
  });

  it('reaches every view by keyboard', async () => {
    await everyViewByKeyboard();
  });
});

describe('the workspace at 960×800, beside a back-office system', () => {
  it('shows at least 5 whole rows and a header in one row, without sideways scrolling', async () => {
    await page.setViewportSize({ width: 960, height: 800 });
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).waitFor();
    expect(await fullyVisibleRows()).toBeGreaterThanOrEqual(5);
    // The views collapse behind the menu button once the resize is observed.
    await expect.poll(async () => (await headerRows()).clipped).toEqual([]);
    const header = await headerRows();
    expect(header.oneRow).toBe(true);
    expect(header.height).toBeLessThan(60);
    expect(await horizontalOverflow()).toBe(0);
    await noAxeViolations();
  });

  it('reaches every view by keyboard', async () => {
    await everyViewByKeyboard();
  });
});

describe('the workspace at 1280 and 768', () => {
  it('keeps the list and the conversation side by side without sideways scrolling', async () => {
    for (const width of [1280, 768]) {
      await page.setViewportSize({ width, height: 800 });
      await expect.poll(async () => (await headerRows()).clipped).toEqual([]);
      expect((await headerRows()).oneRow, `at ${width}`).toBe(true);
      // 1280 is the browser tests' own default: every view stays in the row there.
      if (width === 1280) expect(await collapsed()).toBe(false);
      await row(page, 'Sanne de Boer').click();
      await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).waitFor();
      const list = (await page.getByRole('list', { name: 'Gesprekken' }).boundingBox())!;
      const title = (await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).boundingBox())!;
      expect(title.x, `at ${width}`).toBeGreaterThanOrEqual(list.x + list.width);
      expect(await fullyVisibleRows(), `at ${width}`).toBeGreaterThanOrEqual(5);
      expect(await horizontalOverflow(), `at ${width}`).toBe(0);
    }
  });
});

describe('the workspace at 375×800, on a phone', () => {
  it('shows one pane at a time — the conversation, back to the list, the conversation — without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    // Opened at a wider width: the conversation alone fills the phone.
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).waitFor();
    await expect.poll(() => row(page, 'Sanne de Boer').isVisible()).toBe(false);
    expect(await horizontalOverflow()).toBe(0);
    await noAxeViolations();
    await page.getByRole('button', { name: 'Terug naar de lijst' }).click();
    // Back on the row it came from, so the keyboard user keeps their place.
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id !== undefined)).toBe(true);
    await page.getByRole('button', { name: 'Inbox' }).waitFor({ state: 'hidden' });
    expect(await horizontalOverflow()).toBe(0);
    await noAxeViolations();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal', level: 2 }).waitFor();
    await expect.poll(() => row(page, 'Sanne de Boer').isVisible()).toBe(false);
  });

  it('opens the menu with its button, shows every view in it, and closes it on Escape', async () => {
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('true');
    for (const name of ['Inbox', 'Telefoongesprek noteren', 'Overzicht teamleider', 'Standaardantwoorden beheren', 'Beheer']) {
      expect(await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('button', { name, exact: true }).isVisible(), name).toBe(true);
    }
    expect(await horizontalOverflow()).toBe(0);
    await noAxeViolations();
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('menu-button');
  });

  it('reaches every view by keyboard through the menu', async () => {
    await everyViewByKeyboard();
  });
});
