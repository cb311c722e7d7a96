// The public norms and deadlines API: no login, plain Dutch terms, ISO times with offset, clear 400s and 404s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startTestBalie, type TestBalie } from '../../support/balie.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam', CLOSURE_DAYS: '2026-12-31' });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const deadlines = (query: string) => balie.request(`/api/deadlines?${query}`);

describe('GET /api/deadlines', () => {
  it('answers the domain.md example without a login', async () => {
    const response = await deadlines(`norm=vng&received=${encodeURIComponent('2026-12-24T16:30:00+01:00')}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      norm: 'vng',
      received: '2026-12-24T16:30:00.000+01:00',
      due: { acknowledgement: '2026-12-29T17:00:00.000+01:00', answer: null, complexAnswer: null, callback: null },
    });
  });

  it('uses the gemeente calendar (its closure day) and the active norm by default', async () => {
    const body = await (await deadlines(`received=${encodeURIComponent('2026-12-29T10:00:00+01:00')}`)).json();
    expect(body.norm).toBe('rotterdam');
    // 30 Dec day 1; 31 Dec is a closure day; 1 Jan holiday; 2–3 Jan weekend; 4 Jan day 2 …
    expect(body.due).toEqual({
      callback: '2026-12-30T17:00:00.000+01:00',
      answer: '2027-01-07T17:00:00.000+01:00',
      complexAnswer: '2027-01-26T17:00:00.000+01:00',
      acknowledgement: null,
    });
  });

  it('gives times in Amsterdam time whatever offset the question used, and received defaults to now', async () => {
    const utc = await (await deadlines('norm=katwijk&received=2026-07-01T22:30:00Z')).json();
    expect(utc.received).toBe('2026-07-02T00:30:00.000+02:00');
    expect(utc.due.answer).toBe('2026-07-23T17:00:00.000+02:00');
    const before = Date.now();
    const now = await (await deadlines('norm=vng')).json();
    expect(new Date(now.received).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(now.received).toMatch(/\+0[12]:00$/);
  });

  it.each([
    ['received=yesterday', 'is not an ISO 8601'],
    ['received=2026-13-01T10:00:00%2B01:00', 'is not an ISO 8601'],
    ['received=2026-12-24T16:30:00', 'has no offset'],
    ['received=a&received=b', 'expected string'],
  ])('refuses %s with a 400 naming received', async (query, message) => {
    const response = await deadlines(query);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.fields[0].field).toBe('received');
    expect(error.message.toLowerCase()).toContain(message.toLowerCase());
  });

  it('answers 404 for an unknown norm', async () => {
    const response = await deadlines('norm=utrecht&received=2026-12-24T16:30:00%2B01:00');
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({ code: 'not_found', message: 'No such norm.' });
  });

  it('is rate-limited', async () => {
    const response = await deadlines('norm=vng');
    expect(response.headers.get('ratelimit-policy') ?? response.headers.get('ratelimit')).toBeTruthy();
  });
});

describe('GET /api/norms', () => {
  it('lists the six presets with their terms in plain Dutch and their targets, without a login', async () => {
    const response = await balie.request('/api/norms');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.activeNormId).toBe('rotterdam');
    expect(body.norms.map((norm: { id: string }) => norm.id)).toEqual(['vng', 'sturen-op-antwoord', 'enschede', 'rotterdam', 'zwolle', 'katwijk']);
    const rotterdam = body.norms.find((norm: { id: string }) => norm.id === 'rotterdam');
    expect(rotterdam).toMatchObject({ active: true, custom: false, interimAllowed: true });
    expect(rotterdam.terms).toEqual([
      { kind: 'answer', unit: 'workingDays', amount: 5, description: 'binnen 5 werkdagen', target: 100 },
      { kind: 'complexAnswer', unit: 'weeks', amount: 4, description: 'binnen 4 weken', target: 100 },
      { kind: 'callback', unit: 'workingDays', amount: 1, description: 'de volgende werkdag vóór 17:00', target: 100 },
    ]);
    const sturen = body.norms.find((norm: { id: string }) => norm.id === 'sturen-op-antwoord');
    expect(sturen.terms).toContainEqual({ kind: 'chatPickup', unit: 'seconds', amount: 30, description: 'binnen 30 seconden', target: 80 });
  });
});
