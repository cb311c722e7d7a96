// What the agent sees of a stranger who quotes a citizen's reference (issue 12, item 6), in real
// Chromium against a real Balie, Dovecot and SMTP server: the mail is a conversation of its own, the
// message names the reference it quoted, and the sender's address stands beside the typed name.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInbox, row, type AgentPage } from '../../inbox/inbox-support.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { axeViolations, launchBrowser } from '../../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../mail/mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  balie = await startTestBalie(db.url, world.env);
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

const conversationOf = async (messageId: string) =>
  (
    await eventually(
      () => db.pool.query<{ id: number; reference: string }>('SELECT c.id, c.reference FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id WHERE e.rfc_message_id = $1', [messageId]),
      (result) => result.rowCount === 1,
      45_000,
    )
  ).rows[0]!;

describe("a stranger quoting a citizen's reference", () => {
  it('shows as its own conversation, naming the quoted reference, with the address beside the name; no WCAG 2.1 A/AA violations', async () => {
    await deliver(world.dovecot, citizenMail({ from: 'Jan Jansen <jan@example.nl>', messageId: 'jan-e2e@example.nl', subject: 'Mijn paspoort' }));
    const jans = await conversationOf('jan-e2e@example.nl');
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    expect((await balie.request(`/api/conversations/${jans.id}/close`, { method: 'POST', cookie, body: { outcome: 'handled_first_contact' } })).status).toBe(200);

    await deliver(world.dovecot, citizenMail({ from: 'Jan Jansen <mallory@evil.example>', messageId: 'mallory-e2e@evil.example', subject: `Re: Mijn paspoort [${jans.reference}]` }));
    const theirs = await conversationOf('mallory-e2e@evil.example');
    expect(theirs.id).not.toBe(jans.id);

    const { page } = admin;
    await row(page, 'Jan Jansen').waitFor({ timeout: 15_000 });
    await row(page, 'Jan Jansen').click();
    await page.getByRole('heading', { name: `Re: Mijn paspoort [${jans.reference}]` }).waitFor();
    const main = page.getByRole('main');
    await main.getByText(`Noemt referentie ${jans.reference}`).waitFor();
    await main.getByText('<mallory@evil.example>').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(admin.errors).toEqual([]);
  });
});
