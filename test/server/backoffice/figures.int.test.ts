// Back-office figures (issue 14 §8): per team, of the hand-offs due in a period, callbacks within
// term, late and never, the median time to the first call attempt and the misrouted share; for
// supervisors only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelHandoff, createHandoff, newHandoffSchema, recordAttempt, sendBack } from '../../../server/backoffice/handoffs.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
const teams: Record<string, number> = {};
let petra: { id: number };

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam' });
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  petra = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  for (const name of ['Vergunningen', 'Afval']) {
    const response = await balie.request('/api/teams', { cookie: admin, body: { name, memberIds: [petra.id] } });
    teams[name] = ((await response.json()) as { team: { id: number } }).team.id;
  }
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const REQUESTED = new Date('2026-11-02T10:00:00+01:00'); // Monday; Rotterdam: due Tue 3 Nov 17:00
const by = { id: 0, name: 'Fatima', role: 'backoffice' };

async function handOff(team: string, action: 'callback' | 'email' = 'callback'): Promise<number> {
  const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { name: 'Sanne', email: 'sanne@example.nl' } });
  const input = newHandoffSchema.parse({ conversationId: conversation.id, teamId: teams[team], action, question: 'Vraag', ...(action === 'callback' ? { phone: '0612345678' } : { email: 'sanne@example.nl' }) });
  const outcome = await createHandoff(balie.database.pool, input, { id: petra.id, name: 'Petra' }, { from: undefined, publicUrl: balie.url }, REQUESTED);
  if (!outcome.ok) throw new Error(outcome.code);
  return outcome.handoff.id;
}

describe('GET /api/backoffice/figures', () => {
  it('counts callbacks within term, late and never, the median time to a first attempt, and misrouted work, per team', async () => {
    const worker = { ...by, id: petra.id };
    const onTime = await handOff('Vergunningen');
    await recordAttempt(balie.database.pool, onTime, { result: 'reached', outcome: 'Geholpen', at: new Date('2026-11-03T10:00:00+01:00'), note: undefined }, worker);
    const late = await handOff('Vergunningen');
    await recordAttempt(balie.database.pool, late, { result: 'not_reached', at: new Date('2026-11-03T09:00:00+01:00'), note: undefined, outcome: undefined }, worker);
    await recordAttempt(balie.database.pool, late, { result: 'reached', outcome: 'Geholpen', at: new Date('2026-11-04T09:00:00+01:00'), note: undefined }, worker);
    await handOff('Vergunningen'); // never called back, past its term
    await handOff('Vergunningen', 'email');
    const misrouted = await handOff('Vergunningen');
    await sendBack(balie.database.pool, misrouted, { teamId: teams.Afval!, note: 'Hoort bij Afval' }, worker);
    // Cancelled: counted beside the others, not as a callback never made.
    const withdrawn = await handOff('Vergunningen');
    expect((await cancelHandoff(balie.database.pool, withdrawn, 'Ingetrokken', { id: petra.id, role: 'supervisor' })).ok).toBe(true);

    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
    const cookie = await balie.login(supervisor.email, supervisor.password);
    const response = await balie.request('/api/backoffice/figures?from=2026-11-01&to=2026-12-01', { cookie });
    expect(response.status, await response.clone().text()).toBe(200);
    type Figures = { team: { name: string } | null; handoffs: number; cancelled: number; callbacks: Record<string, number | null>; medianSecondsToFirstAttempt: number | null; misrouted: number; misroutedPercent: number | null };
    const { teams: figures, totals } = (await response.json()) as { teams: Figures[]; totals: Figures };
    const byName = Object.fromEntries(figures.map((figure) => [figure.team!.name, figure]));
    expect(byName.Vergunningen).toMatchObject({
      handoffs: 5,
      cancelled: 1,
      callbacks: { total: 3, withinTerm: 1, late: 1, never: 1, open: 0, withinTermPercent: 33.3 },
      // 24 h and 23 h after the request.
      medianSecondsToFirstAttempt: 84_600,
      misrouted: 0,
    });
    expect(byName.Afval).toMatchObject({ handoffs: 1, callbacks: { total: 1, never: 1 }, misrouted: 1, misroutedPercent: 100 });
    // All teams together; the median over every first attempt.
    expect(totals).toMatchObject({ team: null, handoffs: 6, cancelled: 1, callbacks: { total: 4, withinTerm: 1, late: 1, never: 2, open: 0, withinTermPercent: 25 }, medianSecondsToFirstAttempt: 84_600, misrouted: 1, misroutedPercent: 20 });
    // Another period has none of them.
    const empty = (await (await balie.request('/api/backoffice/figures?from=2026-12-01&to=2027-01-01', { cookie })).json()) as { teams: unknown[]; totals: { handoffs: number } };
    expect(empty.teams).toEqual([]);
    expect(empty.totals.handoffs).toBe(0);
  });

  it('is for supervisors and admins only', async () => {
    const agent = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
    for (const cookie of [await balie.login(agent.email, agent.password), await balie.login('petra@gemeente.test', 'an agent password')]) {
      expect((await balie.request('/api/backoffice/figures?from=2026-11-01&to=2026-12-01', { cookie })).status).toBe(403);
    }
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    expect((await balie.request('/api/backoffice/figures?from=2026-11-01&to=2026-12-01', { cookie: admin })).status).toBe(200);
    expect((await balie.request('/api/backoffice/figures?from=2026-12-01&to=2026-11-01', { cookie: admin })).status).toBe(400);
  });
});
