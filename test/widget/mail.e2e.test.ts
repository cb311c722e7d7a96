// The widget with Balie's e-mail channel configured (real Dovecot and SMTP): the transcript a
// citizen asks for after the chat arrives by mail, and a question left while nobody is online is
// acknowledged by mail with the reference the widget showed.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, next, startChatBalie, type AgentSocket } from '../server/chat/chat-support.ts';
import { eventually, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { startChatting, startHostPage, widget, type HostPage } from './widget-support.ts';

let world: MailWorld;
let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let admin: string;
let inbox: AgentSocket;

beforeAll(async () => {
  [world, db] = await Promise.all([startMailWorld(), createTestDatabase()]);
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { ...world.env, WIDGET_ORIGINS: host.url }), launchBrowser()]);
  admin = await balie.login(ADMIN.email, ADMIN.password);
  inbox = await agentSocket(balie, admin, { keep: true });
});
afterAll(async () => {
  inbox?.disconnect();
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
  await world?.close();
});

const newPage = async (): Promise<Page> => (await browser.newContext()).newPage();

describe('the widget with e-mail', () => {
  it('mails the transcript the citizen asks for after the agent closed the chat', async () => {
    const page = await newPage();
    const created = next<{ conversationId: number; channel: string }>(inbox, 'conversation.created', 10_000, (c) => c.channel === 'chat');
    await page.goto(host.url);
    await startChatting(page, 'Kan ik mijn verhuizing online doorgeven?');
    const { conversationId } = await created;
    await balie.request(`/api/conversations/${conversationId}/claim`, { method: 'POST', cookie: admin });
    await balie.request(`/api/conversations/${conversationId}/messages`, { cookie: admin, body: { kind: 'reply', text: 'Dat kan via MijnGemeente.' } });
    await widget(page).messages().filter({ hasText: 'Dat kan via MijnGemeente.' }).waitFor();
    await balie.request(`/api/conversations/${conversationId}/close`, { cookie: admin, body: { outcome: 'handled_first_contact' } });

    const form = page.getByRole('group', { name: 'Het gesprek per e-mail ontvangen' });
    await form.getByLabel('Uw e-mailadres').fill('piet@');
    await form.getByRole('button', { name: 'Gesprek mailen' }).click();
    await page.getByText('Vul een geldig e-mailadres in').waitFor();
    const before = world.smtp.received.length;
    await form.getByLabel('Uw e-mailadres').fill('piet@example.nl');
    await form.getByRole('button', { name: 'Gesprek mailen' }).click();
    await page.getByText('Het gesprek wordt naar piet@example.nl gestuurd.').waitFor();
    const mail = (await eventually(async () => world.smtp.received.slice(before).find((m) => m.to.includes('piet@example.nl')), (found) => found !== undefined))!;
    expect(mail.parsed.text).toContain('U: Kan ik mijn verhuizing online doorgeven?');
    expect(mail.parsed.text).toMatch(/\w+: Dat kan via MijnGemeente\./);
  });

  it('acknowledges a question left while nobody is online, with the reference the widget showed', async () => {
    inbox.disconnect();
    await eventually(async () => (await (await balie.request('/api/public/service')).json()).chat.available, (available) => available === false);
    const page = await newPage();
    await page.goto(host.url);
    await widget(page).launcher().click();
    await page.getByLabel('Uw e-mailadres').fill('eva@example.nl');
    await page.getByLabel('Uw vraag').fill('Mijn container is niet geleegd.');
    const before = world.smtp.received.length;
    await page.getByRole('button', { name: 'Vraag versturen' }).click();
    const received = page.getByText(/^Uw vraag is ontvangen onder nummer BAL-\d{4}-\d{6}\./);
    await received.waitFor();
    const reference = /BAL-\d{4}-\d{6}/.exec((await received.textContent())!)![0];
    expect(await received.textContent()).toContain('een antwoord per e-mail.');
    const mail = (await eventually(async () => world.smtp.received.slice(before).find((m) => m.to.includes('eva@example.nl')), (found) => found !== undefined))!;
    expect(mail.parsed.subject).toContain(reference);
  });
});
