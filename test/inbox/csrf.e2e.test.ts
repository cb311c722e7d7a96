// Same-site request forgery in real Chromium (issue 12.4): a page on another host of the same site
// (www.balie.test beside balie.test, as www.gemeente.nl beside balie.gemeente.nl) posts forms and
// no-cors fetches to Balie while an agent is logged in. SameSite=Strict lets the cookie through
// between hosts of one site; Balie must refuse the requests, and the inbox must keep working.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../support/balie.ts';
import { launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/process.ts';
import { seedConversation } from '../server/inbox/seed.ts';
import { namedAgent, openInbox, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let sibling: Server;
let siblingUrl: string;
let balieOrigin: string;
let agent: TestAgent;
let inbox: AgentPage;

/** What the sibling host's page does: forms into iframes (bodiless POSTs) and a no-cors fetch. */
function attackPage(target: string, chatId: number, closedId: number, fetchedChatId: number): string {
  const form = (name: string, path: string) =>
    `<iframe name="${name}"></iframe><form target="${name}" method="post" action="${target}${path}"></form>`;
  return `<!doctype html><html lang="nl"><head><title>Gemeente</title></head><body>
${form('claim', `/api/conversations/${chatId}/claim`)}
${form('reopen', `/api/conversations/${closedId}/reopen`)}
${form('text', `/api/conversations/${closedId}/reopen`).replace('<form ', '<form enctype="text/plain" ').replace('></form>', '><input name=\'{"a":"\' value=\'"}\'></form>')}
<script>
  fetch(${JSON.stringify(`${target}/api/conversations/${fetchedChatId}/claim`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(() => { document.title = 'fetched'; }, (error) => { document.title = 'fetch failed: ' + error; });
  for (const form of document.forms) form.submit();
</script></body></html>`;
}

const logoutPage = (target: string) =>
  `<!doctype html><html lang="nl"><head><title>Gemeente</title></head><body><iframe name="out"></iframe>
<form target="out" method="post" action="${target}/api/auth/logout"></form><script>document.forms[0].submit();</script></body></html>`;

let pages: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  balieOrigin = `http://balie.test:${port}`;
  sibling = createServer((req, res) => {
    res.writeHead(pages[req.url ?? ''] ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(pages[req.url ?? ''] ?? '');
  });
  await new Promise<void>((resolve) => sibling.listen(0, '127.0.0.1', resolve));
  siblingUrl = `http://www.balie.test:${(sibling.address() as AddressInfo).port}`;
  [balie, browser] = await Promise.all([
    startTestBalie(db.url, { PORT: String(port), PUBLIC_URL: balieOrigin, CHAT_HOURS: 'always' }),
    launchBrowser({ hostResolverRules: 'MAP balie.test 127.0.0.1, MAP www.balie.test 127.0.0.1' }),
  ]);
  agent = await namedAgent(balie.database.pool, 'Sanne de Vries');
  inbox = await openInbox(browser, balieOrigin, balie.database.pool, agent);
});
afterAll(async () => {
  await inbox?.close();
  await browser?.close();
  await balie?.stop();
  await new Promise((resolve) => sibling?.close(resolve));
  await db?.drop();
});

const assignee = async (id: number) => (await db.pool.query<{ assignee_id: number | null; status: string }>('SELECT assignee_id, status FROM conversations WHERE id = $1', [id])).rows[0]!;
const sessions = async () => Number((await db.pool.query('SELECT count(*) FROM sessions WHERE agent_id = $1', [agent.id])).rows[0].count);

describe('a page on a sibling host of the same site', () => {
  it('cannot make the logged-in agent claim a chat or reopen a conversation', async () => {
    const chat = await seedConversation(db.pool, { channel: 'chat', status: 'new', contact: { name: 'Inwoner Een' }, messages: [{ direction: 'in', text: 'Hallo' }] });
    const closed = await seedConversation(db.pool, { channel: 'email', status: 'closed', contact: { name: 'Inwoner Twee', email: 'twee@example.nl' }, messages: [{ direction: 'in', text: 'Vraag' }] });
    const fetched = await seedConversation(db.pool, { channel: 'chat', status: 'new', contact: { name: 'Inwoner Vier' }, messages: [{ direction: 'in', text: 'Hallo?' }] });
    pages = { '/attack': attackPage(balieOrigin, chat.id, closed.id, fetched.id) };
    const page = await inbox.page.context().newPage();
    // Every forged request reached Balie and was answered: the two form posts, the text/plain one
    // (its body looks like JSON) and the no-cors fetch, whose answer the page cannot read.
    const answers: { path: string; status: number }[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === balieOrigin && response.request().resourceType() === 'document') answers.push({ path: url.pathname, status: response.status() });
    });
    await page.goto(`${siblingUrl}/attack`);
    await expect.poll(() => answers.length, { timeout: 15_000 }).toBe(3);
    // The fetch settles either way: Balie's Cross-Origin-Resource-Policy hides even an opaque answer.
    await page.waitForFunction(() => document.title.startsWith('fetch'));
    await page.close();
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403]);
    expect(await assignee(chat.id)).toEqual({ assignee_id: null, status: 'new' });
    expect(await assignee(fetched.id)).toEqual({ assignee_id: null, status: 'new' });
    expect((await assignee(closed.id)).status).toBe('closed');
  });

  it('cannot log the agent out', async () => {
    pages = { '/logout': logoutPage(balieOrigin) };
    const before = await sessions();
    expect(before).toBeGreaterThan(0);
    const page = await inbox.page.context().newPage();
    const answered = page.waitForResponse((response) => response.url() === `${balieOrigin}/api/auth/logout`);
    await page.goto(`${siblingUrl}/logout`);
    expect((await answered).status()).toBe(403);
    await page.close();
    expect(await sessions()).toBe(before);
    await inbox.page.reload();
    await inbox.page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  });

  it('leaves the inbox itself working: its own requests still change things', async () => {
    const chat = await seedConversation(db.pool, { channel: 'chat', status: 'new', contact: { name: 'Inwoner Drie' }, messages: [{ direction: 'in', text: 'Hoi' }] });
    const status = await inbox.page.evaluate(async (id) => (await fetch(`/api/conversations/${id}/claim`, { method: 'POST', credentials: 'same-origin' })).status, chat.id);
    expect(status).toBe(200);
    expect((await assignee(chat.id)).assignee_id).toBe(agent.id);
  });
});
