// The supervisor view's outbox panel (issue 13.2) in real Chromium against a real Balie, PostgreSQL,
// Dovecot and an SMTP server that refuses one recipient: the refused acknowledgement is listed with
// its reason, "Opnieuw versturen" queues it again and it is delivered once the address works; no
// WCAG 2.1 A/AA violations.
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/process.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { openInbox, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;
let smtp: SMTPServer;
const refused = new Set(['vol@example.nl']);
const received: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address)) return callback(Object.assign(new Error('5.2.2 Mailbox full'), { responseCode: 552 }));
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        received.push(((await simpleParser(Buffer.concat(chunks))).messageId ?? '').replace(/^<|>$/g, ''));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', () => resolve()));
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld({ NORM: 'vng' }), launchBrowser()]);
  balie = await startTestBalie(db.url, { ...world.env, SMTP_PORT: String(port) });
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

describe('the outbox panel', () => {
  it('lists a refused acknowledgement with its reason, and "Opnieuw versturen" delivers it once the address works', { timeout: 120_000 }, async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'vol-1@example.nl', from: 'Karin <vol@example.nl>', subject: 'Afvalpas kwijt' }));
    const failed = await eventually(() => db.pool.query("SELECT o.id, o.rfc_message_id, c.reference FROM mail_outbox o JOIN conversations c ON c.id = o.conversation_id WHERE o.state = 'failed'"), (r) => r.rowCount === 1, 60_000);
    const { reference, rfc_message_id: rfcMessageId } = failed.rows[0];

    const { page } = admin;
    await page.getByRole('button', { name: 'Overzicht teamleider' }).click();
    const panel = page.getByRole('region', { name: 'Uitgaande e-mail' });
    await panel.getByRole('heading', { name: 'Niet bezorgd (1)' }).waitFor();
    const table = panel.getByRole('table', { name: /^Niet bezorgd/ });
    const line = table.getByRole('row', { name: new RegExp(`Ontvangstbevestiging · ${reference}`) });
    await line.waitFor();
    expect(await line.textContent()).toContain('aan vol@example.nl');
    expect(await line.textContent()).toContain('Geweigerd door de mailserver');
    expect(await line.textContent()).toContain('Mailbox full');
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['E-mail', 'Reden', 'Opgegeven', 'Acties']);
    expect(await axeViolations(page)).toEqual([]);

    refused.delete('vol@example.nl');
    await line.getByRole('button', { name: `Opnieuw versturen: Ontvangstbevestiging ${reference} vol@example.nl` }).click();
    await panel.getByRole('status').filter({ hasText: `De e-mail aan vol@example.nl (${reference}) staat weer in de wachtrij.` }).waitFor();
    await panel.getByText('Er is geen e-mail die niet bezorgd kon worden.').waitFor();
    await eventually(async () => received.filter((id) => id === rfcMessageId).length, (count) => count === 1, 30_000);
    const met = await eventually(() => db.pool.query("SELECT state FROM milestones WHERE kind = 'acknowledgement'"), (r) => r.rows[0]?.state === 'met', 30_000);
    expect(met.rows).toEqual([{ state: 'met' }]);
    expect(await axeViolations(page)).toEqual([]);
  });
});
