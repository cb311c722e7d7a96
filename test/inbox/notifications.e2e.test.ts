// Notifications reach the right agent's browser only (issue 16 §4): an assignment by a colleague
// and a citizen's reply go to the assignee, a mention in a note to the colleague named; the tab
// title counts what is not yet opened. Desktop notifications are captured from `new Notification`.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ChatMessage } from '../../server/realtime/events.ts';
import { closeSockets, readyCitizen, startChat, startChatBalie, waitUntil } from '../server/chat/chat-support.ts';
import type { TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { namedAgent, openInbox, row, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let fatima: TestAgent;
let jan: TestAgent;
let pages: { fatima: AgentPage; jan: AgentPage };

interface Shown {
  title: string;
  body: string;
}

/** Records every desktop notification the page creates, before any of its scripts run. */
async function captureNotifications(agentPage: AgentPage): Promise<void> {
  const { page } = agentPage;
  await page.context().addInitScript(() => {
    const Native = window.Notification;
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class Captured extends Native {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '' });
      }
    }
    window.Notification = Captured;
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
}

/** What the page notified, besides the new chats every agent hears of (not this test's subject). */
const shownIn = async (page: Page) =>
  (await page.evaluate(() => (window as unknown as { shownNotifications: Shown[] }).shownNotifications)).filter((shown) => shown.title !== 'Nieuwe chat in Balie');

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  fatima = await namedAgent(balie.database.pool, 'Fatima Yilmaz');
  jan = await namedAgent(balie.database.pool, 'Jan de Vries');
  const [a, b] = await Promise.all([
    openInbox(browser, balie.url, balie.database.pool, fatima, { permissions: ['notifications'] }),
    openInbox(browser, balie.url, balie.database.pool, jan, { permissions: ['notifications'] }),
  ]);
  pages = { fatima: a, jan: b };
  await Promise.all([captureNotifications(a), captureNotifications(b)]);
});
afterAll(async () => {
  closeSockets();
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

describe('notifications for one agent', () => {
  it('tells the assignee of an assignment and the citizen’s reply, counts them in the tab title, and tells nobody else', async () => {
    const chat = await startChat(balie, 'Mijn afvalcontainer is niet geleegd.', { name: 'Kees Smit' });
    const { page: giver } = pages.fatima;
    const { page: taker } = pages.jan;
    await row(giver, 'Kees Smit').click();
    await giver.getByRole('button', { name: 'Oppakken', exact: true }).click();
    await giver.getByText('U heeft dit gesprek opgepakt.').waitFor();
    // The claim's live update re-reads the conversation (and its assign control): choose after it.
    await row(giver, 'Kees Smit').filter({ hasText: `Behandelaar: ${fatima.name}` }).waitFor();
    await waitUntil(async () => (await giver.getByLabel('Toewijzen aan').inputValue()) === String(fatima.id), 5_000, 'the assign control on Fatima');
    await giver.getByLabel('Toewijzen aan').selectOption({ label: `${jan.name} (Beschikbaar)` });
    await giver.getByRole('button', { name: 'Toewijzen', exact: true }).click();

    await waitUntil(async () => (await shownIn(taker)).length === 1, 10_000, 'the assignment at Jan');
    expect(await shownIn(taker)).toEqual([{ title: 'Aan u toegewezen', body: `${fatima.name} heeft ${chat.conversation.reference} aan u toegewezen.` }]);
    await waitUntil(async () => (await taker.title()) === '(1) Balie', 5_000, 'the count in Jan’s tab title');

    const { socket } = await readyCitizen(balie, chat.token);
    const sent = await socket.timeout(5_000).emitWithAck('message.send', { clientId: crypto.randomUUID(), text: 'Hij staat nog steeds vol.' }) as Ack<{ message: ChatMessage }>;
    expect(sent.ok).toBe(true);
    await waitUntil(async () => (await shownIn(taker)).length === 2, 10_000, 'the reply at Jan');
    expect((await shownIn(taker))[1]).toEqual({ title: 'Nieuwe reactie van een inwoner', body: `De inwoner reageerde in ${chat.conversation.reference}.` });
    await waitUntil(async () => (await taker.title()) === '(2) Balie', 5_000, 'two in Jan’s tab title');

    // Opening the conversation reads its notifications.
    await row(taker, 'Kees Smit').click();
    await taker.getByRole('heading', { name: chat.conversation.reference }).waitFor();
    await waitUntil(async () => (await taker.title()) === 'Balie', 5_000, 'the count cleared');
    // Fatima gave it away and is not its assignee: neither the assignment nor the reply was hers.
    expect(await shownIn(giver)).toEqual([]);
    expect(await giver.title()).toBe('Balie');
  });

  it('offers colleagues after @ in a note by keyboard (axe clean), and tells only the colleague named', async () => {
    const { page: writer } = pages.jan;
    const { page: named } = pages.fatima;
    await writer.getByLabel('Soort bericht').selectOption('note');
    const box = writer.getByLabel('Uw bericht');
    await box.pressSequentially('Kun jij meekijken, @Fat');
    const listbox = writer.getByRole('listbox', { name: 'Collega’s om te noemen' });
    await listbox.getByRole('option', { name: fatima.name }).waitFor();
    expect(await box.getAttribute('aria-controls')).toBe('reply-mentions');
    expect(await box.getAttribute('aria-activedescendant')).toBe(`reply-mentions-${fatima.id}`);
    expect(await listbox.getByRole('option', { name: jan.name }).count()).toBe(0);
    expect(await axeViolations(writer, '.reply')).toEqual([]);
    await box.press('Enter');
    await listbox.waitFor({ state: 'detached' });
    await box.pressSequentially('?');
    expect(await box.inputValue()).toBe(`Kun jij meekijken, @${fatima.name} ?`);
    const before = (await shownIn(writer)).length;
    await writer.getByRole('button', { name: 'Notitie opslaan' }).click();

    await waitUntil(async () => (await shownIn(named)).length === 1, 10_000, 'the mention at Fatima');
    expect((await shownIn(named))[0]!.title).toBe('U bent genoemd in een notitie');
    expect((await shownIn(named))[0]!.body).toContain(jan.name);
    await waitUntil(async () => (await named.title()) === '(1) Balie', 5_000, 'the count in Fatima’s tab title');
    const { rows } = await db.pool.query<{ agentId: number }>('SELECT agent_id::int AS "agentId" FROM message_mentions');
    expect(rows).toEqual([{ agentId: fatima.id }]);
    expect((await shownIn(writer)).length).toBe(before);
  });
});
