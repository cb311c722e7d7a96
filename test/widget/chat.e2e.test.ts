// A citizen chats with an agent through the widget on a gemeente page of another origin: both ways
// live, queue → "U chat met Fatima", typing both ways, read receipts, safe rendering, the rating in
// the database, the conversation kept across a reload and a navigation, and ending it.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../server/agents/agents.ts';
import type { MessageActivity, TypingActivity } from '../../server/realtime/events.ts';
import type { TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, closeSockets, next, startChatBalie, waitUntil, type AgentSocket } from '../server/chat/chat-support.ts';
import { say, startChatting, startHostPage, widget, type HostPage } from './widget-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let fatima: string;
let inbox: AgentSocket;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { WIDGET_ORIGINS: host.url }), launchBrowser()]);
  const agent = await createAgent(db.pool, { email: 'fatima@gemeente.test', name: 'Fatima el Amrani', role: 'agent', password: 'an agent password' });
  if (agent === 'email_taken') throw new Error('taken');
  fatima = await balie.login('fatima@gemeente.test', 'an agent password');
  // Fatima's inbox is open: chat is available.
  inbox = await agentSocket(balie, fatima, { keep: true });
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

const agentReply = (conversationId: number, text: string) =>
  balie.request(`/api/conversations/${conversationId}/messages`, { cookie: fatima, body: { kind: 'reply', text } });

/** Opens the widget, asks the first question, and returns the conversation the agents see. */
async function citizenStarts(text: string, name?: string): Promise<{ conversationId: number; reference: string }> {
  const created = next<{ conversationId: number; reference: string; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
  await page.goto(host.url);
  await startChatting(page, text, name);
  return created;
}

describe('chatting with an agent', () => {
  it('queues, shows the agent by first name, and carries messages, typing and receipts both ways', async () => {
    const w = widget(page);
    // No request to any third party: only the gemeente's page and its Balie.
    const origins = new Set<string>();
    page.on('request', (request) => void origins.add(new URL(request.url()).origin.replace(/^ws/, 'http')));
    const { conversationId } = await citizenStarts('Hoe vraag ik een parkeervergunning aan?', 'Piet');
    await page.getByText('U staat in de wachtrij. Een medewerker komt zo bij u.').waitFor();
    expect(await w.thread()).toEqual([['U', 'Hoe vraag ik een parkeervergunning aan?']]);
    const { rows } = await db.pool.query('SELECT ct.name FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1', [conversationId]);
    expect(rows[0]).toMatchObject({ name: 'Piet' });

    expect((await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie: fatima })).status).toBe(200);
    await page.getByText('U chat met Fatima').waitFor();

    // The agent types: the citizen sees it; then the reply arrives live and is announced.
    inbox.emit('typing.set', { conversationId, typing: true });
    await page.getByText('Fatima typt…').waitFor();
    expect((await agentReply(conversationId, 'Dat kan via https://www.gemeente.nl/parkeren. Welk kenteken?')).status).toBe(201);
    await widget(page).messages().filter({ hasText: 'Welk kenteken?' }).waitFor();
    await page.getByText('Fatima typt…').waitFor({ state: 'detached' });
    const link = page.locator('balie-widget').getByRole('link', { name: 'https://www.gemeente.nl/parkeren' });
    expect(await link.evaluate((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')])).toEqual([
      'https://www.gemeente.nl/parkeren',
      '_blank',
      'noopener noreferrer nofollow',
    ]);
    const live = page.locator('balie-widget').locator('[aria-live="polite"]');
    expect(await live.textContent()).toBe('Fatima: Dat kan via https://www.gemeente.nl/parkeren. Welk kenteken?');
    // The widget tells the server the citizen has read it (panel open, page visible).
    await waitUntil(async () => (await db.pool.query('SELECT citizen_read_through AS r FROM conversations WHERE id = $1', [conversationId])).rows[0].r !== null, 5_000, 'citizen read receipt');

    // The citizen types and sends: the agent sees typing, then the message.
    const typing = next<TypingActivity>(inbox, 'conversation.typing', 5_000, (t) => t.conversationId === conversationId && t.by.type === 'citizen' && t.typing);
    const arrived = next<MessageActivity>(inbox, 'message.created', 5_000, (m) => m.conversationId === conversationId && m.direction === 'in');
    await page.getByLabel('Uw bericht').pressSequentially('AB-12');
    await typing;
    await page.getByLabel('Uw bericht').pressSequentially('-CD');
    await page.getByLabel('Uw bericht').press('Enter');
    const message = await arrived;
    const mine = w.messages().filter({ hasText: 'AB-12-CD' });
    await mine.getByText('Verzonden', { exact: true }).waitFor();
    // The agent reads it: "Gelezen".
    inbox.emit('messages.mark_read', { conversationId, throughId: message.messageId });
    await mine.getByText('Gelezen', { exact: true }).waitFor();

    expect(await w.thread()).toEqual([
      ['U', 'Hoe vraag ik een parkeervergunning aan?'],
      ['Fatima', 'Dat kan via https://www.gemeente.nl/parkeren. Welk kenteken?'],
      ['U', 'AB-12-CD'],
    ]);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    expect([...origins].sort()).toEqual([balie.url, host.url].sort());
  });

  it('shows markup typed by anyone as text, never as HTML', async () => {
    const w = widget(page);
    const { conversationId } = await citizenStarts('<b>vet</b> vraag');
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie: fatima });
    const attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    await agentReply(conversationId, attack);
    await say(page, 'javascript:alert(1) <a href="javascript:alert(2)">klik</a>');
    await widget(page).messages().filter({ hasText: attack }).waitFor();
    await w.messages().filter({ hasText: 'javascript:alert(1)' }).getByText('Verzonden', { exact: true }).waitFor();
    const found = await page.evaluate(() => {
      const root = document.querySelector('balie-widget')!.shadowRoot!;
      return { img: root.querySelectorAll('img, script, b').length, links: root.querySelectorAll('a').length, pwned: (window as unknown as { pwned?: number }).pwned ?? null };
    });
    expect(found).toEqual({ img: 0, links: 0, pwned: null });
    expect(await w.thread()).toEqual([
      ['U', '<b>vet</b> vraag'],
      ['Fatima', attack],
      ['U', 'javascript:alert(1) <a href="javascript:alert(2)">klik</a>'],
    ]);
  });

  it('asks for a rating when the agent closes the chat and stores it as the CSAT', async () => {
    const { conversationId } = await citizenStarts('Wanneer wordt het grofvuil opgehaald?');
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie: fatima });
    await agentReply(conversationId, 'Elke eerste maandag van de maand.');
    await widget(page).messages().filter({ hasText: 'Elke eerste maandag van de maand.' }).waitFor();
    const closed = await balie.request(`/api/conversations/${conversationId}/close`, { cookie: fatima, body: { outcome: 'handled_first_contact' } });
    expect(closed.status).toBe(200);
    await page.getByText('De medewerker heeft het gesprek afgesloten.').waitFor();
    const group = page.getByRole('group', { name: 'Hoe tevreden bent u over dit gesprek?' });
    await group.waitFor();
    expect(await group.getByRole('radio').count()).toBe(5);
    expect(await axeViolations(page)).toEqual([]);
    // By keyboard: focus the first radio, arrow to 4.
    await group.getByRole('radio', { name: '1 – zeer ontevreden' }).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await group.getByRole('radio', { name: '4 – tevreden' }).isChecked()).toBe(true);
    await page.getByLabel('Toelichting (niet verplicht)').fill('Snel geholpen.');
    await page.getByRole('button', { name: 'Waardering versturen' }).click();
    await page.getByText('Bedankt voor uw waardering.').waitFor();
    const { rows } = await db.pool.query('SELECT csat_score, csat_comment FROM conversations WHERE id = $1', [conversationId]);
    expect(rows[0]).toEqual({ csat_score: 4, csat_comment: 'Snel geholpen.' });
    // Nothing more can be typed into a closed chat.
    expect(await page.getByLabel('Uw bericht').count()).toBe(0);
  });

  it('keeps the conversation across a reload and a navigation; "Gesprek beëindigen" clears it from the device', async () => {
    const w = widget(page);
    const { conversationId } = await citizenStarts('Mijn container is niet geleegd.');
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie: fatima });
    await agentReply(conversationId, 'Welk adres?');
    await widget(page).messages().filter({ hasText: 'Welk adres?' }).waitFor();
    await say(page, 'Dorpsstraat 1');
    await w.messages().filter({ hasText: 'Dorpsstraat 1' }).getByText('Verzonden', { exact: true }).waitFor();
    const expected: [string, string][] = [
      ['U', 'Mijn container is niet geleegd.'],
      ['Fatima', 'Welk adres?'],
      ['U', 'Dorpsstraat 1'],
    ];

    // Acknowledged: nothing left in the outbox kept in localStorage.
    const kept = await page.evaluate(() => Object.entries(localStorage).map(([key, value]) => [key, JSON.parse(value).outbox]));
    expect(kept).toEqual([[`balie-chat:${balie.url}`, []]]);
    // Panel closed, page still open: an agent's message shows on the launcher.
    await page.keyboard.press('Escape');
    await agentReply(conversationId, 'Ik kijk het na.');
    await page.getByRole('button', { name: 'Chat met de gemeente 1 nieuw bericht' }).waitFor();
    await w.launcher().click();
    await w.messages().filter({ hasText: 'Ik kijk het na.' }).waitFor();
    expect(await w.launcher().textContent()).not.toContain('nieuw');
    expected.push(['Fatima', 'Ik kijk het na.']);

    await page.reload();
    await w.launcher().click();
    await page.getByText('U chat met Fatima').waitFor();
    await widget(page).messages().filter({ hasText: 'Dorpsstraat 1' }).waitFor();
    expect(await w.thread()).toEqual(expected);

    // An agent's message while the citizen is on another page of the site, panel closed.
    await page.goto(`${host.url}/other-page`);
    await agentReply(conversationId, 'We komen morgen langs.');
    await w.launcher().click();
    await widget(page).messages().filter({ hasText: 'We komen morgen langs.' }).waitFor();
    expect(await w.thread()).toEqual([...expected, ['Fatima', 'We komen morgen langs.']]);

    const ended = next(inbox, 'chat.ended', 5_000);
    await page.getByRole('button', { name: 'Gesprek beëindigen' }).click();
    await page.getByText('Weet u zeker dat u het gesprek wilt beëindigen?').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // A rating given while ending is stored before the session ends.
    await page.getByRole('radio', { name: '5 – zeer tevreden' }).check();
    await page.getByRole('button', { name: 'Ja, beëindigen' }).click();
    await page.getByText('Het gesprek is beëindigd en van dit apparaat gewist.').waitFor();
    await ended;
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    const sessions = await db.pool.query('SELECT count(*)::int AS live FROM chat_sessions WHERE conversation_id = $1 AND ended_at IS NULL', [conversationId]);
    expect(sessions.rows[0].live).toBe(0);
    expect((await db.pool.query('SELECT csat_score FROM conversations WHERE id = $1', [conversationId])).rows[0].csat_score).toBe(5);

    // A new start after that: the question box again, not the old chat.
    await page.reload();
    await w.launcher().click();
    await page.getByLabel('Uw vraag').waitFor();
    expect(errors).toEqual([]);
  });
});
