// Takes the README's screenshots from a real Balie on a throwaway embedded database:
//   npm run screenshots   → docs/screenshots/*.png
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBalie } from '../server/balie.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
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
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  await page.goto(balie.url);
  await page.getByLabel('E-mailadres').fill(admin.email);
  await page.screenshot({ path: path.join(out, 'inbox-login.png') });
  await page.getByLabel('Wachtwoord').fill(admin.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByText('Ingelogd als Fatima').waitFor();
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
