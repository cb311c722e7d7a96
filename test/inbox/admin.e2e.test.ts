// The Beheer screens in real Chromium against a real Balie and PostgreSQL (issue 16 §2, issue 14
// §1), each worked by keyboard alone and axe-checked: an admin adds an agent (and sees the
// temporary password once), resets a password, changes the role, disables and enables, creates a
// team with a member, adds a topic,
// and changes the hours in Dutch syntax after a Dutch field error; a teamleider changes hours and
// closure days but cannot touch the norm.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { namedAgent, openInbox, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;
let lead: TestAgent;
let adminCookie: string;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startTestBalie(db.url);
  lead = await namedAgent(balie.database.pool, 'Ingrid Teamleider', 'supervisor');
  adminCookie = await balie.login(ADMIN.email, ADMIN.password);
  const afval = await balie.request('/api/teams', { cookie: adminCookie, body: { name: 'Afval' } });
  if (afval.status !== 201) throw new Error(`team not created: ${await afval.text()}`);
  admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

/** Presses Tab until `target` has the focus: it is reachable by keyboard, in the page's order. */
async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Opens a Beheer screen from the sub-navigation by keyboard. */
async function screen(page: Page, name: string): Promise<void> {
  const button = page.getByRole('navigation', { name: 'Onderdelen van beheer' }).getByRole('button', { name });
  await tabTo(page, button);
  await page.keyboard.press('Enter');
  expect(await button.getAttribute('aria-current')).toBe('page');
}

const json = async <T>(path: string): Promise<T> => (await (await balie.request(path, { cookie: adminCookie })).json()) as T;

describe('Beheer by keyboard', () => {
  it('an admin opens Beheer and adds a back-office agent in a team; the temporary password is shown once and works', async () => {
    const { page } = admin;
    await tabTo(page, page.getByRole('button', { name: 'Beheer', exact: true }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Beheer', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Medewerkers', level: 2 }).waitFor();
    await page.getByRole('rowheader', { name: 'Beheerder' }).waitFor();
    // A reset of oneself would end this session and lose the new password with the screen.
    expect(await page.getByRole('button', { name: 'Nieuw wachtwoord voor Beheerder' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await tabTo(page, page.getByLabel('Naam', { exact: true }));
    await page.keyboard.type('Petra Jansen');
    await page.keyboard.press('Tab');
    // A wrong address first: the server's code, worded in Dutch at the field.
    await page.keyboard.type('petra@');
    await page.keyboard.press('Enter');
    const email = page.getByLabel('E-mailadres', { exact: true });
    await page.locator(`[id="${await email.getAttribute('id')}-error"]`).filter({ hasText: 'Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl.' }).waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);
    await email.focus();
    await page.keyboard.type('gemeente.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type('backoffice'); // typeahead picks "backoffice-medewerker"
    await tabTo(page, page.getByRole('checkbox', { name: 'Afval' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('button', { name: 'Medewerker toevoegen' }));
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: 'Tijdelijk wachtwoord voor Petra Jansen' });
    await dialog.waitFor();
    const password = (await dialog.locator('output').textContent())!.trim();
    expect(password).toMatch(/^[\w-]{16}$/);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Enter'); // the focus is on "Ik heb het wachtwoord overgenomen"
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Petra Jansen' }) });
    expect(await row.textContent()).toContain('backoffice-medewerker');
    expect(await row.textContent()).toContain('Afval');
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password } })).status).toBe(200);

    // A reset: a new password, shown once; the old one no longer works.
    await tabTo(page, page.getByRole('button', { name: 'Nieuw wachtwoord voor Petra Jansen' }));
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    const reset = (await dialog.locator('output').textContent())!.trim();
    expect(reset).not.toBe(password);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password } })).status).toBe(401);
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password: reset } })).status).toBe(200);

    // The role changes in the edit dialog; disabling locks her out, enabling lets her in again.
    await tabTo(page, page.getByRole('button', { name: 'Petra Jansen wijzigen' }));
    await page.keyboard.press('Enter');
    const edit = page.getByRole('dialog', { name: 'Petra Jansen wijzigen' });
    await edit.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await tabTo(page, edit.getByLabel('Rol'));
    await page.keyboard.type('teamleider');
    await tabTo(page, edit.getByRole('button', { name: 'Opslaan' }));
    await page.keyboard.press('Enter');
    await edit.waitFor({ state: 'detached' });
    await page.getByText('De wijzigingen voor Petra Jansen zijn opgeslagen.').waitFor();
    expect(await row.textContent()).toContain('teamleider');
    await tabTo(page, page.getByRole('button', { name: 'Petra Jansen uitschakelen' }));
    await page.keyboard.press('Enter');
    await page.getByText('Petra Jansen is uitgeschakeld en overal uitgelogd.').waitFor();
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password: reset } })).status).toBe(403);
    await tabTo(page, page.getByRole('button', { name: 'Petra Jansen inschakelen' }));
    await page.keyboard.press('Enter');
    await page.getByText('Petra Jansen kan weer inloggen.').waitFor();
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password: reset } })).status).toBe(200);
  });

  it('an admin creates a team with a coordinator and a member', async () => {
    const { page } = admin;
    await screen(page, 'Teams');
    await page.getByRole('heading', { name: 'Nieuw team' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await tabTo(page, page.getByLabel('Naam', { exact: true }));
    await page.keyboard.type('Vergunningen');
    await page.keyboard.press('Tab');
    await page.keyboard.type('vergunningen@gemeente.test');
    await tabTo(page, page.getByLabel('Coördinator'));
    await page.keyboard.type('Petra');
    await tabTo(page, page.getByRole('group', { name: 'Leden' }).getByRole('checkbox', { name: /Petra Jansen/ }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('button', { name: 'Team aanmaken' }));
    await page.keyboard.press('Enter');
    await page.getByText('Team Vergunningen is aangemaakt.').waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Vergunningen' }) });
    expect(await row.textContent()).toContain('Petra Jansen');
    const { teams } = await json<{ teams: { name: string; notificationEmail: string; coordinator: { name: string }; members: { name: string }[] }[] }>('/api/teams');
    expect(teams.find((team) => team.name === 'Vergunningen')).toMatchObject({ notificationEmail: 'vergunningen@gemeente.test', coordinator: { name: 'Petra Jansen' }, members: [{ name: 'Petra Jansen' }] });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an admin adds a topic', async () => {
    const { page } = admin;
    await screen(page, 'Onderwerpen');
    await page.getByRole('heading', { name: 'Onderwerpen', level: 2 }).waitFor();
    await tabTo(page, page.getByLabel('Nieuw onderwerp'));
    await page.keyboard.type('Afval en grofvuil');
    await page.keyboard.press('Enter');
    await page.getByText('Afval en grofvuil is toegevoegd.').waitFor();
    await page.getByRole('list', { name: 'Onderwerpen' }).getByText('Afval en grofvuil', { exact: true }).waitFor();
    const { topics } = await json<{ topics: { name: string; active: boolean }[] }>('/api/topics');
    expect(topics).toContainEqual(expect.objectContaining({ name: 'Afval en grofvuil', active: true }));
    expect(await axeViolations(page)).toEqual([]);
  });

  it.each([
    ['Handtekeningen', '#admin-signatures-title'],
    ['API-sleutels', '#admin-tokens-title'],
  ])('an admin opens %s (another helper’s panel) from the same navigation', async (name, heading) => {
    const { page } = admin;
    await screen(page, name);
    await page.locator(heading).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an admin reads what each norm promises, gets a Dutch field error, then sets hours in Dutch syntax', async () => {
    const { page } = admin;
    await screen(page, 'Dienstverlening');
    const hours = page.getByLabel('Openingstijden');
    await hours.waitFor();
    expect(await hours.inputValue()).toBe('ma-vr 08:30-17:00');
    expect(await page.locator('#norms-explained').textContent()).toContain('Ontvangstbevestiging binnen 2 werkdagen (doel 100%)');
    expect(await page.locator('#norms-explained').textContent()).toContain('Terugbelverzoek de volgende werkdag vóór 17:00');
    expect(await axeViolations(page)).toEqual([]);

    await tabTo(page, hours);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('ma-vr 08:30-25:00');
    await page.keyboard.press('Enter');
    const error = page.locator('#businessHours-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('"25:00" is geen tijdstip op een dag; tijden lopen van 00:00 tot 24:00.');
    expect(await hours.getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('ma-vr 08:30-17:00; za 10:00-12:00');
    await page.keyboard.press('Enter');
    await page.getByText('Instellingen opgeslagen.').waitFor();
    expect(await hours.inputValue()).toBe('ma-vr 08:30-17:00; za 10:00-12:00');
    const { settings } = await json<{ settings: { businessHours: string } }>('/api/settings/service');
    expect(settings.businessHours).toBe('mon-fri 08:30-17:00; sat 10:00-12:00');
  });

  it('a teamleider sees only the service settings and changes hours and closure days, not the norm', async () => {
    const teamleider = await openInbox(browser, balie.url, balie.database.pool, lead);
    try {
      const { page } = teamleider;
      await tabTo(page, page.getByRole('button', { name: 'Beheer', exact: true }));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Instellingen dienstverlening' }).waitFor();
      expect(await page.getByRole('navigation', { name: 'Onderdelen van beheer' }).count()).toBe(0);
      expect(await page.getByLabel('Servicenorm').isDisabled()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      await tabTo(page, page.getByLabel('Chattijden'));
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('ma-vr 09:00-16:00');
      await tabTo(page, page.getByLabel('Sluitingsdagen'));
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('2026-12-28');
      await page.keyboard.press('Enter');
      await page.keyboard.type('2026-12-29');
      await tabTo(page, page.getByRole('button', { name: 'Instellingen opslaan' }));
      await page.keyboard.press('Enter');
      await page.getByText('Instellingen opgeslagen.').waitFor();
      const { settings } = await json<{ settings: { chatHours: string; closureDays: string[] } }>('/api/settings/service');
      expect(settings).toMatchObject({ chatHours: 'mon-fri 09:00-16:00', closureDays: ['2026-12-28', '2026-12-29'] });
      expect(teamleider.errors).toEqual([]);
    } finally {
      await teamleider.close();
    }
    expect(admin.errors.filter((error) => !error.includes('status of 400'))).toEqual([]);
  });
});
