// The supervisor view's quarantine panel (issue 13.4) in real Chromium against a real Balie,
// PostgreSQL and Dovecot: a mail the database refused is listed with its reason in Dutch, can be
// downloaded, and "Opnieuw proberen" stores it once its cause is gone; no WCAG 2.1 A/AA violations.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { openInbox, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;

const MARKER = 'WEIGEREN-IN-E2E';

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  // A cause we can lift: the database refuses any message whose text holds the marker.
  await db.pool.query(`
    CREATE FUNCTION test_refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.body_text LIKE '%${MARKER}%' THEN RAISE EXCEPTION 'test constraint refuses this mail' USING ERRCODE = '23514'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_marked BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse_marked();`);
  balie = await startTestBalie(db.url, world.env);
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

const stored = async () => (await db.pool.query("SELECT 1 FROM email_messages WHERE rfc_message_id = 'kapvergunning@example.nl'")).rowCount;

describe('the quarantine panel', () => {
  it('lists a refused mail with its reason, offers the raw mail, and "Opnieuw proberen" stores it once the cause is gone', { timeout: 120_000 }, async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'kapvergunning@example.nl', from: 'Els de Vries <els@example.nl>', subject: 'Kapvergunning eik', body: `Mag ik de eik kappen? ${MARKER}` }));
    await eventually(() => db.pool.query('SELECT 1 FROM mail_quarantine'), (result) => result.rowCount === 1, 60_000);

    const { page } = admin;
    await page.getByRole('button', { name: 'Overzicht teamleider' }).click();
    const panel = page.getByRole('region', { name: /^Quarantaine/ });
    await panel.getByRole('heading', { name: 'Quarantaine (1)' }).waitFor();
    const table = panel.getByRole('table', { name: /^Quarantaine/ });
    const line = table.getByRole('row', { name: /Kapvergunning eik/ });
    await line.waitFor();
    // The reason in words, the error itself beside it, the sender, the attempts.
    expect(await line.textContent()).toContain('De database weigerde de e-mail');
    expect(await line.textContent()).toContain('test constraint refuses this mail');
    expect(await line.textContent()).toContain('Els de Vries <els@example.nl>');
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Ontvangen', 'Onderwerp en afzender', 'Reden', 'Pogingen', 'Acties']);
    expect(await axeViolations(page)).toEqual([]);

    // The download link serves the mail as it came in, as an attachment.
    const download = line.getByRole('link', { name: 'Download: Kapvergunning eik' });
    const href = await download.getAttribute('href');
    const raw = await page.request.get(new URL(href!, balie.url).href);
    expect(raw.status()).toBe(200);
    expect(raw.headers()['content-disposition']).toMatch(/^attachment; filename="quarantine-\d+\.eml"$/);
    expect((await raw.text()).replace(/\r\n/g, '\n')).toContain(`Mag ik de eik kappen? ${MARKER}`);

    // Trying while the cause is still there: the live region says so, the attempts go up.
    const retry = line.getByRole('button', { name: 'Opnieuw proberen: Kapvergunning eik' });
    await retry.click();
    await panel.getByRole('status').filter({ hasText: 'Opslaan lukte weer niet: De database weigerde de e-mail' }).waitFor();
    await line.getByRole('cell', { name: '2', exact: true }).waitFor();
    expect(await stored()).toBe(0);

    // The cause lifted: stored, off the list, exactly once.
    await db.pool.query('DROP TRIGGER test_refuse_marked ON messages; DROP FUNCTION test_refuse_marked()');
    await retry.click();
    await panel.getByRole('status').filter({ hasText: '“Kapvergunning eik” is opgeslagen en staat nu in de inbox.' }).waitFor();
    await panel.getByText('Er staat geen e-mail in quarantaine.').waitFor();
    await panel.getByRole('heading', { name: 'Quarantaine (0)' }).waitFor();
    expect(await stored()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    expect(admin.errors).toEqual([]);
  });
});
