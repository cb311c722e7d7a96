// Takes the README's screenshots from a real Balie on a throwaway embedded database:
//   npm run screenshots   → docs/screenshots/*.png
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBalie } from '../server/balie.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { ingestMail } from '../server/mail/ingest.ts';
import { citizenMail } from '../test/server/mail/mail-support.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { freePort } from '../test/support/process.ts';

const out = path.resolve(import.meta.dirname, '../docs/screenshots');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-screenshots-'));
const port = await freePort();
const admin = { email: 'fatima@gemeente-voorbeeld.nl', password: 'screenshot password' };
const balie = await startBalie(
  loadConfig({ DATA_DIR: dataDir, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }),
  createLogger('warn'),
);
await balie.database.pool.query("UPDATE agents SET name = 'Fatima' WHERE email = $1", [admin.email]);
// A few citizens' mails, stored through the same code path the IMAP poller uses.
const settings = { referencePrefix: 'BAL', from: { name: 'Gemeente Voorbeeld', address: 'info@gemeente-voorbeeld.nl' }, autoAck: false, maxBytes: 1e7 };
for (const [from, subject, body] of [
  ['Sanne de Boer <sanne@example.nl>', 'Kapotte lantaarnpaal', 'Goedemiddag, de lantaarnpaal voor Dorpsstraat 12 is al een week kapot.'],
  ['Ahmed El Amrani <ahmed@example.nl>', 'Afspraak paspoort', 'Kan ik volgende week een afspraak maken voor een nieuw paspoort?'],
  ['Joke Visser <joke@example.nl>', 'Vraag over de afvalpas', 'Ik ben mijn afvalpas kwijt. Hoe vraag ik een nieuwe aan?'],
]) {
  await ingestMail(balie.database.pool, Buffer.from(citizenMail({ from, subject, body }).replace(/\n/g, '\r\n')), settings);
}
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  await page.goto(balie.url);
  await page.getByLabel('E-mailadres').fill(admin.email);
  await page.screenshot({ path: path.join(out, 'inbox-login.png') });
  await page.getByLabel('Wachtwoord').fill(admin.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByText('Ingelogd als Fatima').waitFor();
  await page.getByRole('button', { name: /Sanne de Boer/ }).click();
  await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();
  await page.screenshot({ path: path.join(out, 'inbox.png') });

  await page.goto(`${balie.url}/demo`);
  await page.getByRole('button', { name: 'Chat met de gemeente' }).click();
  await page.getByRole('dialog').waitFor();
  await page.screenshot({ path: path.join(out, 'widget.png') });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await balie.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
