// Service settings: seeded from the environment, read by any agent, changed by admins only, validated, audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, {
    NORM: 'zwolle',
    BUSINESS_HOURS: 'mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:30',
    CHAT_HOURS: 'always',
    CLOSURE_DAYS: '2026-12-31, 2026-12-28',
  });
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const put = (body: unknown, cookie = admin) => balie.request('/api/settings/service', { method: 'PUT', body, cookie });

describe('GET /api/settings/service', () => {
  it('shows what the environment seeded at first start, to any logged-in agent', async () => {
    const agent = await addAgent(db.pool, 'agent', 'lezer@gemeente.test');
    const response = await balie.request('/api/settings/service', { cookie: await balie.login(agent.email, agent.password) });
    expect(response.status).toBe(200);
    const { settings } = await response.json();
    expect(settings).toMatchObject({
      activeNormId: 'zwolle',
      businessHours: 'mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:30',
      chatHours: 'always',
      closureDays: ['2026-12-28', '2026-12-31'],
      dueSoonHours: 4,
    });
    expect(settings.gelijkgesteldeDagen.map((day: { date: string }) => day.date)).toEqual(['2026-01-02', '2026-05-15', '2027-05-07', '2028-04-28', '2028-05-26']);
  });

  it('needs a login', async () => {
    expect((await balie.request('/api/settings/service')).status).toBe(401);
    expect((await balie.request('/api/settings/service', { method: 'PUT', body: { dueSoonHours: 2 } })).status).toBe(401);
  });

  it('the environment only seeds: a restart with other values keeps what is stored', async () => {
    await balie.stop();
    balie = await startTestBalie(db.url, { NORM: 'katwijk', CLOSURE_DAYS: '2027-01-01' });
    admin = await balie.login(ADMIN.email, ADMIN.password);
    const { settings } = await (await balie.request('/api/settings/service', { cookie: admin })).json();
    expect(settings.activeNormId).toBe('zwolle');
    expect(settings.closureDays).toEqual(['2026-12-28', '2026-12-31']);
  });
});

describe('PUT /api/settings/service', () => {
  it('lets an admin change settings, and audits the change', async () => {
    const response = await put({ activeNormId: 'enschede', closureDays: ['2027-12-27', '2027-12-27', '2026-12-28'], dueSoonHours: 2.5, businessHours: 'ma-vr 09:00-16:30' });
    expect(response.status).toBe(200);
    const { settings } = await response.json();
    expect(settings).toMatchObject({ activeNormId: 'enschede', closureDays: ['2026-12-28', '2027-12-27'], dueSoonHours: 2.5, businessHours: 'mon-fri 09:00-16:30' });
    const audit = await db.pool.query("SELECT details FROM audit_log WHERE action = 'settings.service_updated' ORDER BY id DESC LIMIT 1");
    expect(audit.rows[0].details.changed.sort()).toEqual(['activeNormId', 'businessHours', 'closureDays', 'dueSoonHours']);
    expect(audit.rows[0].details.before.activeNormId).toBe('zwolle');
    expect(audit.rows[0].details.after.activeNormId).toBe('enschede');
    // The public deadlines follow at once: business close is now 16:30.
    const due = await (await balie.request('/api/deadlines?norm=vng&received=2027-03-01T10:00:00%2B01:00')).json();
    expect(due.due.acknowledgement).toBe('2027-03-03T16:30:00.000+01:00');
  });

  it('refuses agents and supervisors', async () => {
    for (const role of ['agent', 'supervisor'] as const) {
      const agent = await addAgent(db.pool, role, `${role}-instellingen@gemeente.test`);
      const response = await put({ dueSoonHours: 1 }, await balie.login(agent.email, agent.password));
      expect(response.status).toBe(403);
    }
  });

  it.each([
    [{ businessHours: 'mon-fri 17:00-08:30' }, 'businessHours', 'ends before it starts'],
    [{ businessHours: 'never' }, 'businessHours', 'at least once a week'],
    [{ chatHours: 'weekdays 9-5' }, 'chatHours', ''],
    [{ closureDays: ['2026-02-30'] }, 'closureDays.0', 'must be a date'],
    [{ gelijkgesteldeDagen: [{ date: '2029-05-11' }] }, 'gelijkgesteldeDagen.0.name', ''],
    [{ dueSoonHours: -1 }, 'dueSoonHours', ''],
    [{ activeNormId: 'utrecht' }, 'activeNormId', 'no norm "utrecht"'],
    [{ colour: 'blue' }, '(body)', 'colour'],
    [{}, '(body)', 'at least one setting'],
  ])('refuses %o with a 400 naming %s', async (body, field, message) => {
    const response = await put(body);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.fields[0].field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('an admin extends the gelijkgestelde dagen, and they count as holidays', async () => {
    const before = await (await balie.request('/api/deadlines?norm=vng&received=2029-05-09T10:00:00%2B02:00')).json();
    const response = await put({ gelijkgesteldeDagen: [{ date: '2029-05-11', name: 'Vrijdag na Hemelvaartsdag', source: 'Besluit 2028' }] });
    expect(response.status).toBe(200);
    const after = await (await balie.request('/api/deadlines?norm=vng&received=2029-05-09T10:00:00%2B02:00')).json();
    // 10 May 2029 is Hemelvaartsdag; with the 11th gelijkgesteld, day 2 moves from Mon 14th to Tue 15th.
    expect(before.due.acknowledgement).toBe('2029-05-14T16:30:00.000+02:00');
    expect(after.due.acknowledgement).toBe('2029-05-15T16:30:00.000+02:00');
  });
});

describe('custom norms', () => {
  const norm = {
    name: 'Gemeente Testdorp',
    source: 'Raadsbesluit 2026',
    terms: { acknowledgement: { unit: 'workingDays', amount: 1 }, answer: { unit: 'weeks', amount: 2 } },
    targets: { acknowledgement: 95, answer: 90 },
  };

  it('an admin composes one; it is listed publicly and can become the active norm', async () => {
    const created = await balie.request('/api/settings/norms/testdorp', { method: 'PUT', cookie: admin, body: norm });
    expect(created.status).toBe(201);
    const listed = await (await balie.request('/api/norms')).json();
    const testdorp = listed.norms.find((n: { id: string }) => n.id === 'testdorp');
    expect(testdorp).toMatchObject({ custom: true, terms: [{ kind: 'acknowledgement', description: 'binnen 1 werkdag', target: 95 }, { kind: 'answer', description: 'binnen 2 weken', target: 90 }] });
    expect((await put({ activeNormId: 'testdorp' })).status).toBe(200);
    const updated = await balie.request('/api/settings/norms/testdorp', { method: 'PUT', cookie: admin, body: { ...norm, name: 'Testdorp' } });
    expect(updated.status).toBe(200);
    const audit = await db.pool.query("SELECT action FROM audit_log WHERE subject_type = 'norm' AND subject_id = 'testdorp' ORDER BY id");
    expect(audit.rows.map((row) => row.action)).toEqual(['settings.norm_created', 'settings.norm_updated']);
  });

  it.each([
    [{ ...norm, targets: { acknowledgement: 95 } }, 'targets.answer'],
    [{ ...norm, terms: { acknowledgement: { unit: 'hours', amount: 4 } } }, 'terms.acknowledgement.unit'],
    [{ ...norm, terms: {}, targets: {} }, 'terms'],
  ])('refuses a bad norm with a 400 naming the field (%#)', async (body, field) => {
    const response = await balie.request('/api/settings/norms/slecht', { method: 'PUT', cookie: admin, body });
    expect(response.status).toBe(400);
    expect((await response.json()).error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('refuses a preset id and non-admins', async () => {
    expect((await balie.request('/api/settings/norms/vng', { method: 'PUT', cookie: admin, body: norm })).status).toBe(400);
    const agent = await addAgent(db.pool, 'supervisor', 'normen@gemeente.test');
    const response = await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: await balie.login(agent.email, agent.password), body: norm });
    expect(response.status).toBe(403);
  });
});
