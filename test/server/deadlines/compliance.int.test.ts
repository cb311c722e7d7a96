// The compliance report: per milestone kind, on time / late / open / breached against the norm's target, for supervisors.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversation } from '../../../server/conversations/index.ts';
import type { Db } from '../../../server/db/index.ts';
import { acknowledgementDelivered, agentPickedUp, replySent } from '../../../server/deadlines/index.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { inLockOrder } from '../../support/lock-order.ts';
import { waitUntil } from './live-support.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  // vng: acknowledgement within 2 working days (target 100%), chat pickup within 25 s (100%).
  balie = await startTestBalie(db.url, { NORM: 'vng' });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const mail = (received: string) => createConversation(db.pool, { channel: 'email', referencePrefix: 'BAL', receivedAt: new Date(received) });
const locked = <T>(conversationId: number, work: (tx: Db) => Promise<T>) => inLockOrder(db.pool, conversationId, work);
const report = (query: string, cookie: string) => balie.request(`/api/reports/compliance?${query}`, { cookie });

describe('GET /api/reports/compliance', () => {
  it('counts the milestones due in the period by outcome, against the target', async () => {
    // Monday 5 October 2026, 10:00: the acknowledgement is due Wednesday 7 October 17:00.
    const received = '2026-10-05T10:00:00+02:00';
    const [onTime1, onTime2, late, breached] = await Promise.all([mail(received), mail(received), mail(received), mail(received)]);
    await locked(onTime1.id, (tx) => acknowledgementDelivered(tx, onTime1.id, new Date('2026-10-05T10:00:02+02:00')));
    await locked(onTime2.id, (tx) => replySent(tx, onTime2.id, new Date('2026-10-07T17:00:00+02:00'), { asAnswer: false }));
    await locked(late.id, (tx) => replySent(tx, late.id, new Date('2026-10-09T09:00:00+02:00'), { asAnswer: false }));
    // Due before the period: not counted.
    const september = await mail('2026-09-01T10:00:00+02:00');
    const chat = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL', receivedAt: new Date('2026-10-05T10:00:00+02:00') });
    await locked(chat.id, (tx) => agentPickedUp(tx, chat.id, new Date('2026-10-05T10:00:10+02:00')));
    // The running scheduler breaches what was due in the past and not met.
    // (A generous ceiling: on a busy machine the scheduler's pass may come late; the condition is exact.)
    await waitUntil(async () => (await db.pool.query("SELECT 1 FROM milestones WHERE conversation_id = ANY($1) AND state = 'breached'", [[breached.id, september.id]])).rowCount === 2, 30_000, 'the breaches');

    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
    const response = await report('from=2026-10-01&to=2027-01-01', await balie.login(supervisor.email, supervisor.password));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ from: '2026-10-01T00:00:00.000+02:00', to: '2027-01-01T00:00:00.000+01:00', norms: { vng: 'VNG-minimumnormen' } });
    expect(body.lines).toEqual([
      { kind: 'acknowledgement', normId: 'vng', total: 4, metOnTime: 2, metLate: 1, open: 0, breached: 1, percentOnTime: 50, target: 100, meetsTarget: false, notApplicable: 0, notApplicableBy: [] },
      {
        kind: 'pickup',
        normId: 'vng',
        total: 1,
        metOnTime: 1,
        metLate: 0,
        open: 0,
        breached: 0,
        percentOnTime: 100,
        target: 100,
        meetsTarget: true,
        notApplicable: 0,
        notApplicableBy: [],
        abandoned: { count: 0, medianWaitSeconds: null },
      },
    ]);

    // Not yet due: a mail that arrives now, counted in a period around its due time as open — not
    // breached, and not in the percentage. (Its time is the clock's own: a fixed date would be
    // in the past one day and breached, as 1 December's was from 3 December 2026 17:00 on.)
    await mail(new Date().toISOString());
    const today = DateTime.now().setZone('Europe/Amsterdam').startOf('day');
    const coming = await (await report(`from=${today.toISODate()}&to=${today.plus({ days: 14 }).toISODate()}`, await balie.login(supervisor.email, supervisor.password))).json();
    expect(coming.lines).toEqual([
      { kind: 'acknowledgement', normId: 'vng', total: 1, metOnTime: 0, metLate: 0, open: 1, breached: 0, percentOnTime: null, target: 100, meetsTarget: null, notApplicable: 0, notApplicableBy: [] },
    ]);

    // A period is half-open: the acknowledgements due 7 October 17:00 fall in [7 Oct, 8 Oct) only.
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const day = await (await report('from=2026-10-07T17:00:00%2B02:00&to=2026-10-08', admin)).json();
    expect(day.lines).toEqual([expect.objectContaining({ kind: 'acknowledgement', total: 4 })]);
    const before = await (await report('from=2026-10-07&to=2026-10-07T17:00:00%2B02:00', admin)).json();
    expect(before.lines.find((line: { kind: string }) => line.kind === 'acknowledgement')).toBeUndefined();
  });

  it('is for supervisors and admins', async () => {
    const agent = await addAgent(db.pool, 'agent', 'medewerker@gemeente.test');
    expect((await report('', await balie.login(agent.email, agent.password))).status).toBe(403);
    expect((await balie.request('/api/reports/compliance')).status).toBe(401);
  });

  it('refuses a bad period with a 400 naming the field', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    for (const [query, field] of [['from=gisteren', 'from'], ['from=2026-10-01&to=2026-09-01', 'to'], ['to=2026-02-30', 'to']] as const) {
      const response = await report(query, admin);
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.fields[0].field).toBe(field);
    }
  });
});
