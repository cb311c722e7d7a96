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
import { sessionCookie } from '../test/support/balie.ts';
import { freePort } from '../test/support/process.ts';

const out = path.resolve(import.meta.dirname, '../docs/screenshots');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-screenshots-'));
const port = await freePort();
const admin = { email: 'fatima@gemeente-voorbeeld.nl', password: 'screenshot password' };
const balie = await startBalie(
  // Chat open around the clock, so the widget's screenshots do not depend on the time they are taken.
  loadConfig({ DATA_DIR: dataDir, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, CHAT_HOURS: 'always' }),
  createLogger('warn'),
);
// Fatima chose her own password long ago (a first admin is otherwise asked to at the first login).
await balie.database.pool.query("UPDATE agents SET name = 'Fatima', password_must_change = false WHERE email = $1", [admin.email]);
// A few citizens' mails, stored through the same code path the IMAP poller uses.
const settings = { referencePrefix: 'BAL', from: { name: 'Gemeente Voorbeeld', address: 'info@gemeente-voorbeeld.nl' }, autoAck: false, maxBytes: 1e7 };
for (const [from, subject, body] of [
  ['Sanne de Boer <sanne@example.nl>', 'Kapotte lantaarnpaal', 'Goedemiddag, de lantaarnpaal voor Dorpsstraat 12 is al een week kapot.'],
  ['Ahmed El Amrani <ahmed@example.nl>', 'Afspraak paspoort', 'Kan ik volgende week een afspraak maken voor een nieuw paspoort?'],
  ['Joke Visser <joke@example.nl>', 'Vraag over de afvalpas', 'Ik ben mijn afvalpas kwijt. Hoe vraag ik een nieuwe aan?'],
  ['Pieter Jansen <pieter@example.nl>', 'Parkeervergunning bezoekers', 'Hoeveel bezoekersuren krijg ik per jaar bij mijn parkeervergunning?'],
  ['Fleur de Vries <fleur@example.nl>', 'Verhuizing doorgeven', 'Ik verhuis op 1 februari naar de Kerkstraat 4. Moet ik dat zelf doorgeven?'],
  ['Mohamed Ouali <mohamed@example.nl>', 'Bezwaar WOZ-waarde', 'Ik wil bezwaar maken tegen de WOZ-waarde van mijn woning. Wat is de termijn?'],
  ['Anna Smit <anna@example.nl>', 'Grofvuil ophalen', 'Wanneer kan ik een bank laten ophalen als grofvuil?'],
  ['Kees Bakker <kees@example.nl>', 'Kapotte stoeptegel', 'Bij de bushalte aan de Markt ligt een stoeptegel los. Iemand is er al over gestruikeld.'],
  ['Lotte Mulder <lotte@example.nl>', 'Subsidie zonnepanelen', 'Geeft de gemeente nog subsidie voor zonnepanelen op een huurwoning?'],
  ['Yusuf Demir <yusuf@example.nl>', 'Evenementenvergunning', 'Wij willen in juni een straatfeest houden. Welke vergunning is nodig?'],
]) {
  await ingestMail(balie.database.pool, Buffer.from(citizenMail({ from, subject, body }).replace(/\n/g, '\r\n')), settings);
}
const browser = await launchBrowser();
try {
  // The widths of issue 16.1: a full screen, half of one beside a back-office system, a phone.
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  await page.goto(balie.url);
  await page.getByLabel('E-mailadres').fill(admin.email);
  await page.screenshot({ path: path.join(out, 'inbox-login.png') });
  await page.getByLabel('Wachtwoord').fill(admin.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  await page.getByRole('button', { name: /Sanne de Boer/ }).click();
  await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();
  await page.screenshot({ path: path.join(out, 'inbox.png') });
  await page.setViewportSize({ width: 960, height: 800 });
  await page.getByRole('button', { name: 'Menu' }).or(page.getByRole('button', { name: 'Overzicht teamleider' })).first().waitFor();
  await page.screenshot({ path: path.join(out, 'inbox-960.png') });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.getByRole('button', { name: 'Terug naar de lijst' }).waitFor();
  await page.screenshot({ path: path.join(out, 'inbox-375.png') });
  await page.setViewportSize({ width: 1366, height: 800 });

  // The widget on the demo page, while Fatima's inbox (the page above) stays open: chat is offered.
  const citizen = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  await citizen.goto(`${balie.url}/demo`);
  await citizen.getByRole('button', { name: 'Chat met de gemeente' }).click();
  await citizen.getByLabel('Uw vraag').fill('Hoe vraag ik een parkeervergunning aan?');
  await citizen.screenshot({ path: path.join(out, 'widget.png') });
  await citizen.getByRole('button', { name: 'Versturen' }).click();
  await citizen.getByText('U staat in de wachtrij.', { exact: false }).waitFor();
  const login = await fetch(`${balie.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  const cookie = sessionCookie(login);
  const { rows } = await balie.database.pool.query<{ id: number }>("SELECT id FROM conversations WHERE channel = 'chat' ORDER BY id DESC LIMIT 1");
  const chatId = rows[0]!.id;
  const api = (route: string, body?: unknown) =>
    fetch(`${balie.url}/api/conversations/${chatId}/${route}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  await api('claim');
  await api('messages', { kind: 'reply', text: 'Goedemiddag, dat kan via https://www.gemeente-voorbeeld.nl/parkeren. Voor welk kenteken?' });
  await citizen.getByText('Voor welk kenteken?', { exact: false }).first().waitFor();
  await citizen.getByLabel('Uw bericht').fill('AB-12-CD');
  await citizen.getByLabel('Uw bericht').press('Enter');
  await citizen.locator('balie-widget').getByText('Verzonden', { exact: true }).last().waitFor();
  await citizen.screenshot({ path: path.join(out, 'widget-chat.png') });

  // Nobody online: the question form with the promised date, on a 320 px wide phone.
  await page.close();
  for (let tries = 0; tries < 50; tries++) {
    const service = (await (await fetch(`${balie.url}/api/public/service`)).json()) as { chat: { available: boolean } };
    if (!service.chat.available) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const phone = await browser.newPage({ viewport: { width: 320, height: 640 } });
  await phone.goto(`${balie.url}/demo`);
  await phone.getByRole('button', { name: 'Chat met de gemeente' }).click();
  await phone.getByLabel('Uw e-mailadres').waitFor();
  await phone.screenshot({ path: path.join(out, 'widget-offline-320.png') });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await balie.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
