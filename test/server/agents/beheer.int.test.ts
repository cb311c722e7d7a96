// The Beheer screen's server rules (issue 16): admins add agents with teams and a temporary
// password, reset passwords; teamleiders change hours and closure days but not the norm; agents
// and teamleiders manage no agents, teams or topics; hours refusals carry a code and the field
// for the inbox to translate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let supervisor: string;
let agent: string;
let teamId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
  const [lead, kcc] = await Promise.all([addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test'), addAgent(db.pool, 'agent', 'kcc@gemeente.test')]);
  [supervisor, agent] = await Promise.all([balie.login(lead.email, lead.password), balie.login(kcc.email, kcc.password)]);
  const team = await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen' } });
  teamId = ((await team.json()) as { team: { id: number } }).team.id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const json = async (response: Response) => (await response.json()) as Record<string, any>;

describe('agents', () => {
  it('an admin adds a back-office agent in a team; the temporary password is answered once and logs in', async () => {
    const response = await balie.request('/api/agents', { cookie: admin, body: { name: 'Petra Jansen', email: 'Petra@gemeente.test', role: 'backoffice', teamIds: [teamId] } });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.agent).toMatchObject({ name: 'Petra Jansen', email: 'petra@gemeente.test', role: 'backoffice', teamIds: [teamId] });
    expect(body.temporaryPassword).toMatch(/^[\w-]{16}$/);
    expect((await balie.request('/api/auth/login', { body: { email: 'petra@gemeente.test', password: body.temporaryPassword } })).status).toBe(200);
    const listed = (await json(await balie.request('/api/agents', { cookie: admin }))).agents.find((a: { id: number }) => a.id === body.agent.id);
    expect(listed.teamIds).toEqual([teamId]);
    const team = (await json(await balie.request('/api/teams', { cookie: admin }))).teams.find((t: { id: number }) => t.id === teamId);
    expect(team.members.map((m: { name: string }) => m.name)).toContain('Petra Jansen');
    const audit = await db.pool.query("SELECT details::text AS details FROM audit_log WHERE action = 'agent.created' AND subject_id = $1", [String(body.agent.id)]);
    expect(audit.rows[0].details).not.toContain(body.temporaryPassword);
  });

  it('changes role and teams in one request, and refuses an unknown team with the field named', async () => {
    const created = await json(await balie.request('/api/agents', { cookie: admin, body: { name: 'Kees Visser', email: 'kees@gemeente.test', teamIds: [] } }));
    const patched = await balie.request(`/api/agents/${created.agent.id}`, { method: 'PATCH', cookie: admin, body: { role: 'supervisor', teamIds: [teamId] } });
    expect(patched.status).toBe(200);
    expect((await json(patched)).agent).toMatchObject({ role: 'supervisor', teamIds: [teamId] });
    const unknown = await balie.request(`/api/agents/${created.agent.id}`, { method: 'PATCH', cookie: admin, body: { teamIds: [teamId, 999_999] } });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.fields).toMatchObject([{ field: 'teamIds', code: 'unknown_team' }]);
    // Nothing of the refused request was kept.
    expect((await json(await balie.request('/api/agents', { cookie: admin }))).agents.find((a: { id: number }) => a.id === created.agent.id).teamIds).toEqual([teamId]);
  });

  it('a password reset ends the sessions, the old password stops working and the new one works', async () => {
    const created = await json(await balie.request('/api/agents', { cookie: admin, body: { name: 'Anouk Bos', email: 'anouk@gemeente.test', password: 'het oude wachtwoord' } }));
    expect(created.temporaryPassword).toBeUndefined();
    const session = await balie.login('anouk@gemeente.test', 'het oude wachtwoord');
    const reset = await balie.request(`/api/agents/${created.agent.id}/password`, { method: 'POST', cookie: admin });
    expect(reset.status).toBe(200);
    const { temporaryPassword } = await json(reset);
    expect((await balie.request('/api/auth/me', { cookie: session })).status).toBe(401);
    expect((await balie.request('/api/auth/login', { body: { email: 'anouk@gemeente.test', password: 'het oude wachtwoord' } })).status).toBe(401);
    expect((await balie.request('/api/auth/login', { body: { email: 'anouk@gemeente.test', password: temporaryPassword } })).status).toBe(200);
    const audit = await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'agent.password_reset' AND subject_id = $1", [String(created.agent.id)]);
    expect(audit.rows[0].n).toBe(1);
    expect((await balie.request('/api/agents/999999/password', { method: 'POST', cookie: admin })).status).toBe(404);
  });
});

describe('who may manage what', () => {
  it.each([
    ['GET', '/api/agents', undefined],
    ['POST', '/api/agents', { name: 'X', email: 'x@gemeente.test' }],
    ['PATCH', '/api/agents/1', { name: 'X' }],
    ['POST', '/api/agents/1/password', undefined],
    ['POST', '/api/teams', { name: 'Burgerzaken' }],
    ['PATCH', '/api/teams/1', { name: 'Burgerzaken' }],
    ['POST', '/api/topics', { name: 'Paspoort' }],
    ['PATCH', '/api/topics/1', { active: false }],
    ['PUT', '/api/topics/settings', { required: true }],
  ])('agents and teamleiders may not %s %s', async (method, path, body) => {
    for (const cookie of [agent, supervisor]) {
      const response = await balie.request(path, { method, cookie, ...(body ? { body } : {}) });
      expect(response.status).toBe(403);
    }
  });
});

describe('service settings by role', () => {
  const put = (body: unknown, cookie: string) => balie.request('/api/settings/service', { method: 'PUT', cookie, body });

  it('a teamleider changes the hours in Dutch syntax and the closure days', async () => {
    const response = await put({ businessHours: 'ma-do 08:30-17:00; vr 08:30-12:00', chatHours: 'ma-vr 09:00-16:00; za 10:00-12:00', closureDays: ['2026-12-28'] }, supervisor);
    expect(response.status).toBe(200);
    expect((await json(response)).settings).toMatchObject({ businessHours: 'mon-thu 08:30-17:00; fri 08:30-12:00', chatHours: 'mon-fri 09:00-16:00; sat 10:00-12:00', closureDays: ['2026-12-28'] });
  });

  it.each([{ activeNormId: 'rotterdam' }, { dueSoonHours: 2 }, { businessHours: 'ma-vr 08:30-17:00', activeNormId: 'rotterdam' }, { gelijkgesteldeDagen: [] }])(
    'a teamleider may not change %o (the norm and the rest are the admin’s)',
    async (body) => {
      const response = await put(body, supervisor);
      expect(response.status).toBe(403);
      expect((await json(response)).error.code).toBe('forbidden');
    },
  );

  it('a teamleider may not edit norms; an agent may not change hours; an admin changes the norm', async () => {
    expect((await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: supervisor, body: {} })).status).toBe(403);
    expect((await put({ businessHours: 'ma-vr 08:30-17:00' }, agent)).status).toBe(403);
    expect((await put({ activeNormId: 'rotterdam', dueSoonHours: 3 }, admin)).status).toBe(200);
  });

  it.each([
    ['ma-vr 08:30-25:00', 'hours_bad_time_of_day', { value: '25:00' }],
    ['ma-vx 08:30-17:00', 'hours_bad_day', { value: 'ma-vx' }],
    ['ma-vr 17:00-08:30', 'hours_window_backwards', { window: '17:00-08:30' }],
    ['nooit', 'hours_never_open', {}],
  ])('refuses "%s" naming the field and the code %s', async (text, code, params) => {
    const response = await put({ businessHours: text }, supervisor);
    expect(response.status).toBe(400);
    const [field] = (await json(response)).error.fields;
    expect(field).toMatchObject({ field: 'businessHours', code, params });
  });

  it('a wrong closure day names its place and the code', async () => {
    const response = await put({ closureDays: ['2026-12-28', '2026-02-30'] }, supervisor);
    expect((await json(response)).error.fields).toMatchObject([{ field: 'closureDays.1', code: 'date_invalid' }]);
  });
});
