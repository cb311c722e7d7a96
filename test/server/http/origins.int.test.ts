// Which pages may change things (issue 12.4), as the headers a browser sends say: the agents' API
// only from Balie's own origin; the widget's public API only from the sites in WIDGET_ORIGINS.
// (The same attacks in a real browser, from a sibling host: test/inbox/csrf.e2e.test.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
const GEMEENTE = 'https://www.gemeente.test';

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { WIDGET_ORIGINS: GEMEENTE });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const question = () => ({ clientId: randomUUID(), email: 'inwoner@example.nl', text: 'Wanneer wordt het grofvuil opgehaald?' });
const ask = (headers: Record<string, string>, body: string = JSON.stringify(question())) =>
  fetch(`${balie.url}/api/public/questions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const questions = async () => Number((await db.pool.query("SELECT count(*) FROM conversations WHERE channel = 'email'")).rows[0].count);

describe('the widget API (/api/public)', () => {
  it('takes a question from a page of a site in WIDGET_ORIGINS, from Balie\'s own /demo, and from a server', async () => {
    expect((await ask({ origin: GEMEENTE, 'sec-fetch-site': 'cross-site' })).status).toBe(201);
    expect((await ask({ origin: balie.url, 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await ask({})).status).toBe(201);
  });

  it('refuses a question posted by a page of any other site, and stores nothing', async () => {
    const before = await questions();
    const forged: Record<string, string>[] = [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of forged) {
      const response = await ask(headers);
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('cross_origin_refused');
    }
    expect(await questions()).toBe(before);
  });

  it('refuses a body that is not JSON (a text/plain form that looks like JSON)', async () => {
    const response = await fetch(`${balie.url}/api/public/questions`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: GEMEENTE }, body: JSON.stringify(question()) });
    expect(response.status).toBe(415);
    expect((await response.json()).error.code).toBe('unsupported_media_type');
  });
});

describe('the agents\' API', () => {
  const logout = (cookie: string, headers: Record<string, string>) => balie.request('/api/auth/logout', { method: 'POST', cookie, headers });

  it('refuses a state change that a page of another origin sent with the agent\'s cookie', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const forged: Record<string, string>[] = [
      { origin: 'http://www.balie.test', 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of forged) {
      const response = await logout(cookie, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await response.json()).error.code).toBe('cross_origin_refused');
    }
    // The session survived every attempt.
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(200);
  });

  it('takes it from Balie\'s own pages and from clients that are not browsers (curl, scripts)', async () => {
    const own: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin', origin: balie.url }, { origin: balie.url }, {}];
    for (const headers of own) {
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      expect((await logout(cookie, headers)).status, JSON.stringify(headers)).toBe(204);
    }
  });

  it('refuses a login posted by another site (login CSRF) and a body that is not JSON', async () => {
    const body = JSON.stringify({ email: ADMIN.email, password: ADMIN.password });
    const forged = await fetch(`${balie.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-site', origin: 'http://www.balie.test' }, body });
    expect(forged.status).toBe(403);
    const form = await fetch(`${balie.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${ADMIN.email}&password=x` });
    expect(form.status).toBe(415);
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const text = await fetch(`${balie.url}/api/canned-answers`, { method: 'POST', headers: { 'content-type': 'text/plain', cookie }, body: JSON.stringify({ title: 't', body: 'b' }) });
    expect(text.status).toBe(415);
  });

  it('lets reads through from anywhere (they change nothing; CORS keeps their answers from other pages)', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    expect((await balie.request('/api/auth/me', { cookie, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } })).status).toBe(200);
  });
});
