// Two agents in two browsers on one live inbox, with a citizen on the real /widget socket: a new
// chat appears for both, a claim race has one winner and the other is told who, the colleague sees
// "… typt een antwoord", a reply reaches the citizen live and an internal note never does.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../server/realtime/events.ts';
import { closeSockets, readyCitizen, record, startChat, startChatBalie, waitUntil, type StartedChat } from '../server/chat/chat-support.ts';
import type { TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { accountMenu, namedAgent, openInbox, row, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let fatima: TestAgent;
let jan: TestAgent;
let pages: { fatima: AgentPage; jan: AgentPage };
let chat: StartedChat;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  fatima = await namedAgent(balie.database.pool, 'Fatima Yilmaz');
  jan = await namedAgent(balie.database.pool, 'Jan de Vries');
  const [a, b] = await Promise.all([openInbox(browser, balie.url, balie.database.pool, fatima, { permissions: ['notifications'] }), openInbox(browser, balie.url, balie.database.pool, jan)]);
  pages = { fatima: a, jan: b };
});
afterAll(async () => {
  closeSockets();
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

describe('two agents on one live inbox', () => {
  it('both see a new chat appear live and announced; a claim race has one winner and the other is told who', async () => {
    chat = await startChat(balie, 'Hoe verleng ik mijn paspoort?', { name: 'Sanne de Boer' });
    for (const { page } of Object.values(pages)) {
      await row(page, 'Sanne de Boer').waitFor({ timeout: 10_000 });
      expect(await row(page, 'Sanne de Boer').textContent()).toContain('Chat wacht');
      await page.getByRole('status').filter({ hasText: `Nieuwe chat ${chat.conversation.reference}` }).waitFor();
    }
    // Fatima allowed notifications; Jan was never asked — not even by the new chat.
    await accountMenu(pages.fatima.page);
    await accountMenu(pages.jan.page);
    await pages.fatima.page.getByText('Meldingen staan aan').waitFor();
    expect(await pages.jan.page.evaluate(() => Notification.permission)).toBe('default');
    await pages.jan.page.getByRole('button', { name: 'Meldingen aanzetten' }).waitFor();

    await Promise.all(Object.values(pages).map(async ({ page }) => {
      await row(page, 'Sanne de Boer').click();
      await page.getByRole('heading', { name: chat.conversation.reference }).waitFor();
    }));

    // Both press Oppakken at once: the server decides.
    await Promise.all(Object.values(pages).map(({ page }) => page.getByRole('button', { name: 'Oppakken', exact: true }).click()));
    // A click returns when the browser has sent it, not when the server has committed the claim:
    // read the winner only once there is one (reading too early named nobody, i.e. the wrong page).
    let winnerId = 0;
    await waitUntil(async () => {
      const { rows } = await db.pool.query<{ assignee_id: string | null }>('SELECT assignee_id FROM conversations WHERE id = $1', [chat.conversationId]);
      winnerId = Number(rows[0]?.assignee_id ?? 0);
      return winnerId !== 0;
    }, 10_000, 'the claim to be committed');
    expect([fatima.id, jan.id]).toContain(winnerId);
    const [winner, loser] = winnerId === fatima.id ? [pages.fatima, pages.jan] : [pages.jan, pages.fatima];
    const winnerName = winnerId === fatima.id ? fatima.name : jan.name;
    await winner.page.getByText('U heeft dit gesprek opgepakt.').waitFor();
    await loser.page.getByRole('alert').filter({ hasText: `${winnerName} heeft dit gesprek al opgepakt` }).waitFor();
    // The loser's list shows it taken, live.
    await row(loser.page, 'Sanne de Boer').filter({ hasText: `Behandelaar: ${winnerName}` }).waitFor();
    // The winner's Oppakken goes once its own re-read lands (and an older read never brings it back).
    await winner.page.getByRole('button', { name: 'Oppakken', exact: true }).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await axeViolations(loser.page)).toEqual([]);
  });

  it('a reply reaches the citizen live, an internal note never does, and the colleague sees who is typing', async () => {
    const { rows } = await db.pool.query<{ assignee_id: string }>('SELECT assignee_id FROM conversations WHERE id = $1', [chat.conversationId]);
    const [writer, colleague, writerName] = Number(rows[0]!.assignee_id) === fatima.id ? [pages.fatima, pages.jan, fatima.name] : [pages.jan, pages.fatima, jan.name];
    const { socket, state } = await readyCitizen(balie, chat.token);
    // The agents opened the chat: the citizen sees the question as read.
    expect(state.readThrough).toBe(chat.message.id);
    const received = record<ChatMessage>(socket, 'message.created');
    socket.emit('typing.set', { typing: true });
    await colleague.page.getByText('De inwoner typt…').waitFor();

    await writer.page.getByLabel('Soort bericht').selectOption('note');
    await writer.page.getByLabel('Uw bericht').pressSequentially('Intern: paspoort verloopt 3 jan');
    await colleague.page.getByText(`${writerName} schrijft een interne notitie…`).waitFor();
    await writer.page.getByRole('button', { name: 'Notitie opslaan' }).click();
    await colleague.page.getByText('Intern: paspoort verloopt 3 jan', { exact: true }).waitFor();
    await expect(colleague.page.getByText('Interne notitie — niet zichtbaar voor de inwoner').count()).resolves.toBeGreaterThan(0);

    await writer.page.getByLabel('Soort bericht').selectOption('reply');
    await writer.page.getByLabel('Uw bericht').pressSequentially('Dat kan online via de website.');
    await colleague.page.getByText(`${writerName} typt een antwoord…`).waitFor();
    await writer.page.getByRole('button', { name: 'Versturen' }).click();

    await waitUntil(() => received.some((message) => message.text === 'Dat kan online via de website.'), 10_000, 'the reply at the widget');
    // Exact: the list row's preview (" — Dat kan…") may show it first.
    await colleague.page.getByText('Dat kan online via de website.', { exact: true }).waitFor();
    // The typing line clears when the message is sent.
    await colleague.page.getByText(`${writerName} typt een antwoord…`).waitFor({ state: 'detached', timeout: 8_000 });
    expect(received.some((message) => message.text.includes('paspoort verloopt'))).toBe(false);
    expect(received.find((message) => message.text === 'Dat kan online via de website.')!.from).toBe('agent');
  });

  it('hands the conversation to a colleague, who finds it under Van mij; releasing makes it unassigned', async () => {
    const { rows } = await db.pool.query<{ assignee_id: string }>('SELECT assignee_id FROM conversations WHERE id = $1', [chat.conversationId]);
    const [giver, taker, takerAgent] = Number(rows[0]!.assignee_id) === fatima.id ? [pages.fatima, pages.jan, jan] : [pages.jan, pages.fatima, fatima];
    await giver.page.getByLabel('Toewijzen aan').selectOption({ label: `${takerAgent.name} (Beschikbaar)` });
    await giver.page.getByRole('button', { name: 'Toewijzen', exact: true }).click();
    await giver.page.getByText(`Toegewezen aan ${takerAgent.name}.`).waitFor();
    await taker.page.getByLabel('Behandelaar').selectOption('mine');
    await row(taker.page, 'Sanne de Boer').filter({ hasText: `Behandelaar: ${takerAgent.name}` }).waitFor();
    expect(await taker.page.getByLabel('Behandelaar').locator('option[value="mine"]').textContent()).toBe('Van mij (1)');

    // The open conversation knows it is the taker's (its re-read can land after the list row): a
    // choice made before that is reset when the assignee changes under it, as it should be.
    await expect.poll(() => taker.page.getByLabel('Toewijzen aan').inputValue(), { timeout: 10_000 }).toBe(String(takerAgent.id));
    await taker.page.getByLabel('Toewijzen aan').selectOption({ label: 'Niemand (vrijgeven)' });
    await taker.page.getByRole('button', { name: 'Toewijzen', exact: true }).click();
    await taker.page.getByText('Het gesprek is vrijgegeven.').waitFor();
    // Gone from "Van mij", live; and unassigned for the colleague.
    await row(taker.page, 'Sanne de Boer').waitFor({ state: 'detached' });
    await row(giver.page, 'Sanne de Boer').filter({ hasText: 'Niet toegewezen' }).waitFor();
    await taker.page.getByLabel('Behandelaar').selectOption('all');

    // A status change shows up at the colleague's live (the reply may have set it to waiting already).
    const status = (await db.pool.query<{ status: string }>('SELECT status FROM conversations WHERE id = $1', [chat.conversationId])).rows[0]!.status;
    const [button, shown] = status === 'waiting' ? ['Open zetten', 'Open'] : ['Wachten op inwoner', 'Wacht op inwoner'];
    await giver.page.getByRole('button', { name: button }).click();
    await row(taker.page, 'Sanne de Boer').filter({ hasText: `Chat · ${shown}` }).waitFor();
    await taker.page.getByRole('main').locator('.meta').filter({ hasText: ` · ${shown} · ` }).waitFor();
  });

  it('shows who is online, and an agent going Afwezig is seen by the colleague live', async () => {
    const { page } = pages.jan;
    await page.getByText(/Wie is er online \(2\)/).click();
    await page.getByText(`${fatima.name} — Beschikbaar`).waitFor();
    await pages.fatima.page.getByLabel('Mijn status').selectOption('away');
    await page.getByText(`${fatima.name} — Afwezig`).waitFor();
    const { rows } = await db.pool.query<{ status: string }>('SELECT status FROM agent_connections WHERE agent_id = $1', [fatima.id]);
    expect(rows.every((connection) => connection.status === 'away')).toBe(true);
    await pages.fatima.page.getByLabel('Mijn status').selectOption('available');
    // The lost claim's 409 is logged by Chromium; it is the expected answer, not an error.
    for (const { errors } of Object.values(pages)) expect(errors.filter((error) => !error.includes('status of 409'))).toEqual([]);
  });
});
