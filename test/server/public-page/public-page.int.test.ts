// The public norm page (issue 15 §6): off until an admin opts in; per month and promise of the
// active norm the share kept, counted as the compliance report counts; Dutch and English; no
// personal data; cached in the process and by HTTP; framed only by the gemeente's own sites.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

const SITE = 'https://www.gemeente.test';
const lastMonth = DateTime.now().setZone('Europe/Amsterdam').startOf('month').minus({ months: 1 });
// The middle of last month: every milestone here is decided, none can still change.
const due = lastMonth.plus({ days: 14, hours: 17 }).toJSDate();

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng', WIDGET_ORIGINS: SITE });
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const page = (query = '', headers: Record<string, string> = {}) => balie.request(`/prestaties${query}`, { headers });
const enable = (enabled: boolean, cookie = admin) => balie.request('/api/settings/public-page', { method: 'PUT', cookie, body: { enabled } });

/** Milestones of the active norm (vng) due last month; the contact's name must never show. */
async function seedLastMonth() {
  const states = ['met', 'met', 'met', 'met_late'] as const;
  for (const state of states) {
    await seedConversation(db.pool, { contact: { name: 'Jansen-Geheim', email: 'geheim@example.nl' }, milestones: [{ kind: 'acknowledgement', dueAt: due, state }] });
  }
  await seedConversation(db.pool, { channel: 'chat', milestones: [{ kind: 'pickup', dueAt: due, state: 'met' }] });
  // Left out as the compliance report leaves them out: an auto-reply's and a spam mail's
  // milestones (not applicable), and another norm's promise.
  const { id } = await seedConversation(db.pool, { milestones: [{ kind: 'acknowledgement', dueAt: due, state: 'met' }] });
  await db.pool.query("UPDATE milestones SET state = 'not_applicable', met_at = NULL, ended_at = due_at, ended_reason = 'auto_reply' WHERE conversation_id = $1", [id]);
  const other = await seedConversation(db.pool, { milestones: [{ kind: 'acknowledgement', dueAt: due, state: 'met_late' }] });
  await db.pool.query("UPDATE milestones SET norm_id = 'rotterdam' WHERE conversation_id = $1", [other.id]);
}

describe('/prestaties', () => {
  it('is a 404 until an admin opts in, and only an admin may', async () => {
    expect((await page()).status).toBe(404);
    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
    expect((await enable(true, await balie.login(supervisor.email, supervisor.password))).status).toBe(403);
    expect((await page()).status).toBe(404);
    await seedLastMonth();
    const response = await enable(true);
    expect(response.status).toBe(200);
    expect((await response.json()).settings.enabled).toBe(true);
    const { rows } = await db.pool.query("SELECT before, after FROM audit_log WHERE action = 'settings.public_page_updated'");
    expect(rows).toEqual([{ before: { enabled: false }, after: { enabled: true } }]);
  });

  it('shows per promise of the norm the share kept last month, in plain Dutch, with the norm’s source', async () => {
    const response = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-language')).toBe('nl');
    const html = await response.text();
    expect(html).toContain('<html lang="nl">');
    expect(html).toContain('Wij bevestigen uw e-mail binnen 2 werkdagen');
    expect(html).toContain('Wij reageren op uw chat binnen 25 seconden');
    expect(html).toContain('VNG, minimale branchenormen dienstverlening (2010)');
    const month = lastMonth.setLocale('nl-NL').toFormat('LLLL yyyy');
    // 3 of the 4 decided acknowledgements kept: the not-applicable one and the other norm's are left out.
    expect(html).toContain(`In ${month} hielden wij ons 3 van de 4 keer aan deze belofte: 75%.`);
    expect(html).toContain(`In ${month} hielden wij ons 1 van de 1 keer aan deze belofte: 100%.`);
    expect(html).toContain(`<tr><th scope="row">${month}</th><td>75%</td><td>3 van 4</td></tr>`);
    // Twelve months per promise, the running one marked.
    expect(html.match(/<tr><th scope="row">/g)).toHaveLength(24);
    expect(html).toContain('(loopt nog)');
    // No personal data, no script.
    expect(html).not.toMatch(/Jansen|geheim@|BAL-\d/);
    expect(html).not.toContain('<script');
  });

  it('speaks English with ?lang=en or Accept-Language', async () => {
    for (const response of [await page('?lang=en'), await page('', { 'accept-language': 'en-GB,en;q=0.9' })]) {
      expect(response.headers.get('content-language')).toBe('en');
      const html = await response.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('We confirm your e-mail within 2 working days');
      expect(html).toContain(`In ${lastMonth.setLocale('en-GB').toFormat('LLLL yyyy')} we kept this promise 3 times out of 4: 75%.`);
    }
    expect((await page('?lang=de')).status).toBe(400);
    expect(await (await page('', { 'accept-language': 'de-DE' })).text()).toContain('<html lang="nl">');
  });

  it('has a strict CSP that lets only Balie and the gemeente’s sites frame it', async () => {
    const response = await page();
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain(`frame-ancestors 'self' ${SITE}`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src/);
    // X-Frame-Options would forbid every frame, frame-ancestors included.
    expect(response.headers.get('x-frame-options')).toBeNull();
    const css = await balie.request('/prestaties/prestaties.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('is cached: by HTTP with an ETag, and in the process for a minute', async () => {
    const first = await page();
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    expect(first.headers.get('vary')).toContain('Accept-Language');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    // fetch adds Cache-Control: no-cache to a conditional request unless told otherwise, as a browser's reload would.
    expect((await page('', { 'if-none-match': etag, 'cache-control': 'max-age=0' })).status).toBe(304);
    const before = await first.text();
    // New figures do not show until the cached page expires …
    await seedConversation(db.pool, { milestones: [{ kind: 'acknowledgement', dueAt: due, state: 'breached' }] });
    expect(await (await page()).text()).toBe(before);
    // … or an admin changes the page's setting, which renders it afresh.
    await enable(false);
    expect((await page()).status).toBe(404);
    await enable(true);
    const fresh = await (await page()).text();
    expect(fresh).toContain('3 van de 5 keer aan deze belofte: 60%.');
  });
});
