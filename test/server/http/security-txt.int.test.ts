// How to report a vulnerability: /.well-known/security.txt (RFC 9116) with the configured contact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let withContact: TestBalie;
let without: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  [withContact, without] = await Promise.all([
    startTestBalie(db.url, { SECURITY_CONTACT: 'security@gemeente.test, https://www.gemeente.test/kwetsbaarheid-melden' }),
    startTestBalie(db.url),
  ]);
});
afterAll(async () => {
  await Promise.all([withContact?.stop(), without?.stop()]);
  await db?.drop();
});

describe('/.well-known/security.txt', () => {
  it('names the contacts, an expiry within a year, the languages and its canonical address', async () => {
    const response = await withContact.request('/.well-known/security.txt');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const lines = (await response.text()).trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['Contact: mailto:security@gemeente.test', 'Contact: https://www.gemeente.test/kwetsbaarheid-melden']);
    const expires = new Date(lines.find((line) => line.startsWith('Expires: '))!.slice(9));
    expect(expires.getTime()).toBeGreaterThan(Date.now());
    expect(expires.getTime()).toBeLessThan(Date.now() + 365 * 86_400_000);
    expect(lines).toContain('Preferred-Languages: nl, en');
    expect(lines).toContain(`Canonical: ${withContact.url}/.well-known/security.txt`);
  });

  it('is a plain 404 when no contact is configured, not the inbox page', async () => {
    const response = await without.request('/.well-known/security.txt', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});
