// Balie restarted in the middle of a chat, and network drops at the worst moments (issue 5 §4):
// the widget resends what was not acknowledged and fetches what it missed — each message exactly
// once in the database, in the widget and in the agent's inbox.
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../server/agents/agents.ts';
import type { TestBalie } from '../support/balie.ts';
import { launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, closeSockets, next, startChatBalie } from '../server/chat/chat-support.ts';
import { say, startChatting, startHostPage, widget, type HostPage } from './widget-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let page: Page;

beforeAll(async () => {
  db = await createTestDatabase();
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { WIDGET_ORIGINS: host.url }), launchBrowser()]);
  const agent = await createAgent(db.pool, { email: 'fatima@gemeente.test', name: 'Fatima el Amrani', role: 'agent', password: 'an agent password' });
  if (agent === 'email_taken') throw new Error('taken');
  page = await (await browser.newContext()).newPage();
});
afterAll(async () => {
  closeSockets();
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
});

const login = () => balie.login('fatima@gemeente.test', 'an agent password');

describe('a Balie restart in the middle of a chat', () => {
  it('loses and doubles nothing on either side', async () => {
    const w = widget(page);
    const errors = watchForErrors(page);
    let cookie = await login();
    const inbox = await agentSocket(balie, cookie);
    const created = next<{ conversationId: number; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
    await page.goto(host.url);
    await startChatting(page, 'Ik wil verhuizen, hoe geef ik dat door?');
    const { conversationId } = await created;
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie });
    await balie.request(`/api/conversations/${conversationId}/messages`, { cookie, body: { kind: 'reply', text: 'Per wanneer verhuist u?' } });
    await w.messages().filter({ hasText: 'Per wanneer verhuist u?' }).waitFor();
    await say(page, 'Per 1 januari.');
    await w.messages().filter({ hasText: 'Per 1 januari.' }).getByText('Verzonden', { exact: true }).waitFor();

    const port = new URL(balie.url).port;
    await balie.stop();
    // The citizen keeps writing while Balie is down: kept in the outbox, shown as on its way.
    await page.getByText('De verbinding is verbroken.', { exact: false }).waitFor();
    await say(page, 'Naar de Kerkstraat 5.');
    await say(page, 'Samen met mijn dochter.');
    await w.messages().filter({ hasText: 'Samen met mijn dochter.' }).getByText('Wordt verzonden…').waitFor();

    balie = await startChatBalie(db.url, { WIDGET_ORIGINS: host.url, PORT: port });
    cookie = await login();
    // The agent answers right away, possibly before the widget is back: it must fetch it.
    await balie.request(`/api/conversations/${conversationId}/messages`, { cookie, body: { kind: 'reply', text: 'Dank u, ik zet het klaar.' } });

    await w.messages().filter({ hasText: 'Dank u, ik zet het klaar.' }).waitFor({ timeout: 20_000 });
    await w.messages().filter({ hasText: 'Samen met mijn dochter.' }).getByText('Verzonden', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByText('De verbinding is verbroken.', { exact: false }).waitFor({ state: 'detached' });

    const expected = ['Ik wil verhuizen, hoe geef ik dat door?', 'Per wanneer verhuist u?', 'Per 1 januari.', 'Naar de Kerkstraat 5.', 'Samen met mijn dochter.', 'Dank u, ik zet het klaar.'];
    const inWidget = (await w.thread()).map(([, text]) => text);
    expect([...inWidget].sort()).toEqual([...expected].sort());
    // The citizen's messages kept the order in which they were typed.
    expect(inWidget.filter((text) => ['Per 1 januari.', 'Naar de Kerkstraat 5.', 'Samen met mijn dochter.'].includes(text))).toEqual(['Per 1 januari.', 'Naar de Kerkstraat 5.', 'Samen met mijn dochter.']);

    const { rows } = await db.pool.query<{ text: string }>("SELECT body_text AS text FROM messages WHERE conversation_id = $1 AND kind = 'message' ORDER BY id", [conversationId]);
    expect(rows.map((r) => r.text).sort()).toEqual([...expected].sort());
    // And the agent's inbox shows the same thread.
    const thread = (await (await balie.request(`/api/conversations/${conversationId}`, { cookie })).json()).conversation;
    const forAgent = thread.messages.filter((m: { kind: string }) => m.kind === 'message').map((m: { text: string }) => m.text);
    expect(forAgent).toEqual(rows.map((r) => r.text));
    expect(inWidget).toEqual(forAgent);
    // The only console errors are the refused connections while Balie was down.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection/.test(e))).toEqual([]);
  });

  it('after a network drop resends a message the server never got, and does not double one whose answer was lost', async () => {
    const page = await (await browser.newContext()).newPage();
    const w = widget(page);
    // Between the page and Balie: forwards every frame, except while `drop` says otherwise.
    let drop: { text: string; side: 'request' | 'answer' } | null = null;
    let cuts = 0;
    await page.routeWebSocket(/\/socket\.io\//, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      const cut = () => {
        drop = null;
        cuts += 1;
        void ws.close();
        void server.close();
      };
      ws.onMessage((frame) => {
        if (drop?.side === 'request' && String(frame).includes(drop.text)) return cut(); // lost on the way in
        server.send(frame);
      });
      server.onMessage((frame) => {
        const text = String(frame);
        // Stored by the server, but neither its answer nor its echo reaches the widget.
        if (drop?.side === 'answer' && text.includes(drop.text)) {
          if (text.startsWith('43/widget')) cut();
          return;
        }
        ws.send(frame);
      });
    });
    const cookie = await login();
    const inbox = await agentSocket(balie, cookie);
    const created = next<{ conversationId: number; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
    await page.goto(host.url);
    await startChatting(page, 'Mijn paspoort is verlopen.');
    const { conversationId } = await created;
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie });
    await page.getByText('U chat met Fatima').waitFor();

    drop = { text: 'Nooit aangekomen.', side: 'request' };
    await say(page, 'Nooit aangekomen.');
    await w.messages().filter({ hasText: 'Nooit aangekomen.' }).getByText('Verzonden', { exact: true }).waitFor({ timeout: 20_000 });

    drop = { text: 'Antwoord kwijt.', side: 'answer' };
    await say(page, 'Antwoord kwijt.');
    await w.messages().filter({ hasText: 'Antwoord kwijt.' }).getByText('Verzonden', { exact: true }).waitFor({ timeout: 20_000 });
    await say(page, 'Alles goed.');
    await w.messages().filter({ hasText: 'Alles goed.' }).getByText('Verzonden', { exact: true }).waitFor();

    expect(cuts).toBe(2);
    const expected = ['Mijn paspoort is verlopen.', 'Nooit aangekomen.', 'Antwoord kwijt.', 'Alles goed.'];
    const { rows } = await db.pool.query<{ text: string }>("SELECT body_text AS text FROM messages WHERE conversation_id = $1 AND kind = 'message' ORDER BY id", [conversationId]);
    expect(rows.map((r) => r.text)).toEqual(expected);
    expect((await w.thread()).map(([, text]) => text)).toEqual(expected);
    expect(await page.evaluate(() => Object.values(localStorage).map((v) => JSON.parse(v).outbox))).toEqual([[]]);
  });
});
