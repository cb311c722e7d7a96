// Milestones on conversations: opened from the active norm, met by what agents send, the tussenbericht flow, recomputed when the calendar changes.
// The mails arrive in 2037–2038, whose calendars are those of 2026–2027 (Christmas on a Friday, the
// same weekdays, Easter after every date used): the running Balie's scheduler breaches what is past
// due, so a date that has passed would race it (an "open" read as breached, a write on the pool
// deadlocking with its breach pass) — these tests failed from the day their dates went by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversation } from '../../../server/conversations/index.ts';
import { inTransaction } from '../../../server/db/index.ts';
import { acknowledgementDelivered, interimSent, listMilestones, openMilestonesFor, replySent, resumeMilestones, suspendMilestones, type Milestone } from '../../../server/deadlines/index.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function settings(body: Record<string, unknown>) {
  const response = await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json() as Promise<{ recomputed: { examined: number; changed: number } }>;
}

const mail = (received: string) => createConversation(db.pool, { channel: 'email', referencePrefix: 'BAL', receivedAt: new Date(received) });
const byKind = (milestones: Milestone[]) => Object.fromEntries(milestones.map((m) => [m.kind, m]));

describe('opening milestones', () => {
  it('an e-mail gets the active norm’s deadlines counted from its receipt, in the same transaction', async () => {
    await settings({ activeNormId: 'vng' });
    const conversation = await mail('2037-12-24T16:30:00+01:00');
    const [acknowledgement, ...rest] = await listMilestones(db.pool, conversation.id);
    expect(rest).toEqual([]);
    expect(acknowledgement).toMatchObject({
      kind: 'acknowledgement',
      normId: 'vng',
      term: { unit: 'workingDays', amount: 2 },
      state: 'open',
      startsAt: '2037-12-24T16:30:00.000+01:00',
      dueAt: '2037-12-29T17:00:00.000+01:00',
      // 4 business hours before business close.
      dueSoonAt: '2037-12-29T13:00:00.000+01:00',
    });

    await settings({ activeNormId: 'rotterdam' });
    const rotterdam = byKind(await listMilestones(db.pool, (await mail('2038-01-04T10:00:00+01:00')).id));
    expect(Object.keys(rotterdam)).toEqual(['answer']);
    expect(rotterdam.answer!.dueAt).toBe('2038-01-11T17:00:00.000+01:00');
  });

  it('a chat gets a pickup milestone in seconds within chat hours', async () => {
    await settings({ activeNormId: 'katwijk', chatHours: 'mon-fri 09:00-17:00' });
    const chat = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL', receivedAt: new Date('2038-01-08T16:59:50+01:00') });
    const [pickup] = await listMilestones(db.pool, chat.id);
    // Queued 10 s before closing: the 20 s run on from Monday's opening.
    expect(pickup).toMatchObject({ kind: 'pickup', term: { unit: 'seconds', amount: 20 }, dueAt: '2038-01-08T17:00:10.000+01:00' });
    const saturday = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL', receivedAt: new Date('2038-01-09T12:00:00+01:00') });
    expect((await listMilestones(db.pool, saturday.id))[0]!.dueAt).toBe('2038-01-11T09:00:20.000+01:00');
  });

  it('a citizen writing again after the conversation was closed opens a fresh round', async () => {
    await settings({ activeNormId: 'vng' });
    const conversation = await mail('2038-02-01T09:00:00+01:00');
    await replySent(db.pool, conversation.id, new Date('2038-02-01T10:00:00+01:00'), { asAnswer: true });
    await inTransaction(db.pool, (tx) => openMilestonesFor(tx, conversation.id, new Date('2038-02-10T09:00:00+01:00')));
    const milestones = await listMilestones(db.pool, conversation.id);
    expect(milestones.map((m) => [m.state, m.dueAt])).toEqual([
      ['met', '2038-02-03T17:00:00.000+01:00'],
      ['open', '2038-02-12T17:00:00.000+01:00'],
    ]);
  });
});

describe('meeting milestones', () => {
  it('a delivered acknowledgement or any reply meets the acknowledgement; met is frozen', async () => {
    await settings({ activeNormId: 'vng' });
    const conversation = await mail('2038-03-01T09:00:00+01:00');
    const [met] = await acknowledgementDelivered(db.pool, conversation.id, new Date('2038-03-01T09:00:05+01:00'));
    expect(met).toMatchObject({ kind: 'acknowledgement', state: 'met', metBy: 'acknowledgement', metAt: '2038-03-01T09:00:05.000+01:00' });
    expect(await replySent(db.pool, conversation.id, new Date('2038-03-09T09:00:00+01:00'), { asAnswer: false })).toEqual([]);
    expect((await listMilestones(db.pool, conversation.id))[0]!.metAt).toBe('2038-03-01T09:00:05.000+01:00');
  });

  it('meeting at the due instant is on time; a moment later is late', async () => {
    await settings({ activeNormId: 'vng' });
    const onTime = await mail('2038-03-01T09:00:00+01:00');
    const late = await mail('2038-03-01T09:00:00+01:00');
    expect((await replySent(db.pool, onTime.id, new Date('2038-03-03T17:00:00+01:00'), { asAnswer: false }))[0]!.state).toBe('met');
    expect((await replySent(db.pool, late.id, new Date('2038-03-03T17:00:00.001+01:00'), { asAnswer: false }))[0]!.state).toBe('met_late');
  });

  it('only a reply marked as the answer meets the answer', async () => {
    await settings({ activeNormId: 'zwolle' });
    const conversation = await mail('2038-03-01T09:00:00+01:00');
    expect(await replySent(db.pool, conversation.id, new Date('2038-03-02T09:00:00+01:00'), { asAnswer: false })).toEqual([]);
    const [answer] = await replySent(db.pool, conversation.id, new Date('2038-03-03T09:00:00+01:00'), { asAnswer: true });
    expect(answer).toMatchObject({ kind: 'answer', state: 'met', metBy: 'answer' });
  });
});

describe('the tussenbericht', () => {
  it('Enschede: meets the answer and opens the complex answer with the term the agent states, from the tussenbericht', async () => {
    await settings({ activeNormId: 'enschede' });
    const conversation = await mail('2038-01-04T10:00:00+01:00');
    const outcome = await inTransaction(db.pool, (tx) => interimSent(tx, conversation.id, new Date('2038-01-05T11:00:00+01:00'), { unit: 'workingDays', amount: 10 }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.met.map((m) => [m.kind, m.state, m.metBy])).toEqual([['answer', 'met', 'interim']]);
    expect(outcome.opened).toMatchObject({ kind: 'complexAnswer', normId: 'enschede', termStated: true, state: 'open', startsAt: '2038-01-05T11:00:00.000+01:00', dueAt: '2038-01-19T17:00:00.000+01:00' });
    const [answer] = await replySent(db.pool, conversation.id, new Date('2038-01-18T15:00:00+01:00'), { asAnswer: true });
    expect(answer).toMatchObject({ kind: 'complexAnswer', state: 'met' });
  });

  it('Rotterdam: without a stated term the complex answer is due 4 weeks after receipt', async () => {
    await settings({ activeNormId: 'rotterdam' });
    const conversation = await mail('2038-01-04T10:00:00+01:00');
    const outcome = await inTransaction(db.pool, (tx) => interimSent(tx, conversation.id, new Date('2038-01-08T11:00:00+01:00')));
    expect(outcome.ok && outcome.opened).toMatchObject({ kind: 'complexAnswer', termStated: false, term: { unit: 'weeks', amount: 4 }, dueAt: '2038-02-01T17:00:00.000+01:00' });
  });

  it('refuses where the norm does not allow it, or gives no term to run on', async () => {
    await settings({ activeNormId: 'katwijk' });
    const katwijk = await mail('2038-01-04T10:00:00+01:00');
    const notAllowed = await inTransaction(db.pool, (tx) => interimSent(tx, katwijk.id, new Date('2038-01-05T11:00:00+01:00'), { unit: 'weeks', amount: 2 }));
    expect(notAllowed).toMatchObject({ ok: false, reason: 'interim_not_allowed' });
    expect((await listMilestones(db.pool, katwijk.id)).map((m) => m.state)).toEqual(['open']);

    await settings({ activeNormId: 'zwolle' });
    const zwolle = await mail('2038-01-04T10:00:00+01:00');
    expect(await inTransaction(db.pool, (tx) => interimSent(tx, zwolle.id, new Date('2038-01-05T11:00:00+01:00')))).toMatchObject({ ok: false, reason: 'term_required' });

    await settings({ activeNormId: 'vng' });
    const vng = await mail('2038-01-04T10:00:00+01:00');
    const noAnswer = await inTransaction(db.pool, (tx) => interimSent(tx, vng.id, new Date('2038-01-05T11:00:00+01:00'), { unit: 'weeks', amount: 2 }));
    // Still a reply: it meets the acknowledgement.
    expect(noAnswer).toMatchObject({ ok: false, reason: 'no_open_answer', met: [{ kind: 'acknowledgement', state: 'met' }] });
  });
});

describe('waiting on the citizen (opschorting)', () => {
  it('a reply stamped a moment before the question that suspended the term resumes it from the suspension, never earlier', async () => {
    await settings({ activeNormId: 'rotterdam' });
    const conversation = await mail('2038-03-01T09:00:00+01:00');
    const dueBefore = byKind(await listMilestones(db.pool, conversation.id)).answer!.dueAt;
    // The question goes out at 10:00:00.855; the mail server stamps the reply in whole seconds: 10:00:00.
    await inTransaction(db.pool, (tx) => suspendMilestones(tx, conversation.id, ['answer'], new Date('2038-03-01T10:00:00.855+01:00')));
    const [resumed] = await inTransaction(db.pool, (tx) => resumeMilestones(tx, conversation.id, ['answer'], new Date('2038-03-01T10:00:00.000+01:00')));
    expect(resumed).toMatchObject({ state: 'open', dueAt: dueBefore });
    const { rows } = await db.pool.query<{ resumed: Date }>("SELECT resumed_at AS resumed FROM milestones WHERE conversation_id = $1 AND kind = 'answer'", [conversation.id]);
    expect(rows[0]!.resumed.toISOString()).toBe('2038-03-01T09:00:00.855Z');
  });

  it('a reply a business hour after the question gives the term that hour back, past the original due time', async () => {
    await settings({ activeNormId: 'rotterdam' });
    const conversation = await mail('2038-03-02T09:00:00+01:00');
    const dueBefore = new Date(byKind(await listMilestones(db.pool, conversation.id)).answer!.dueAt).getTime();
    await inTransaction(db.pool, (tx) => suspendMilestones(tx, conversation.id, ['answer'], new Date('2038-03-02T10:00:00+01:00')));
    const [resumed] = await inTransaction(db.pool, (tx) => resumeMilestones(tx, conversation.id, ['answer'], new Date('2038-03-02T11:00:00+01:00')));
    // Due Tuesday 9 March 17:00; the hour waited runs on from Wednesday's opening at 08:30.
    expect(new Date(dueBefore).toISOString()).toBe('2038-03-09T16:00:00.000Z');
    expect(resumed!.dueAt).toBe('2038-03-10T09:30:00.000+01:00');
  });
});

describe('recomputing after a calendar change', () => {
  it('a closure day added moves open deadlines; met ones stay where they were', async () => {
    await settings({ activeNormId: 'vng', closureDays: [], businessHours: 'mon-fri 08:30-17:00' });
    const open = await mail('2037-12-24T16:30:00+01:00');
    const met = await mail('2037-12-24T16:30:00+01:00');
    await replySent(db.pool, met.id, new Date('2037-12-24T17:00:00+01:00'), { asAnswer: false });

    const { recomputed } = await settings({ closureDays: ['2037-12-28'] });
    expect(recomputed.changed).toBeGreaterThanOrEqual(1);
    const [moved] = await listMilestones(db.pool, open.id);
    expect(moved).toMatchObject({ state: 'open', dueAt: '2037-12-30T17:00:00.000+01:00', dueSoonAt: '2037-12-30T13:00:00.000+01:00' });
    const [frozen] = await listMilestones(db.pool, met.id);
    expect(frozen).toMatchObject({ state: 'met', dueAt: '2037-12-29T17:00:00.000+01:00' });

    // Shorter hours move the due time and the due-soon moment too.
    await settings({ businessHours: 'mon-fri 08:30-16:00', dueSoonHours: 1 });
    expect((await listMilestones(db.pool, open.id))[0]).toMatchObject({ dueAt: '2037-12-30T16:00:00.000+01:00', dueSoonAt: '2037-12-30T15:00:00.000+01:00' });
  });

  it('editing a custom norm gives its open milestones the new term', async () => {
    const norm = (days: number) => ({ name: 'Eigen', source: 'test', terms: { acknowledgement: { unit: 'workingDays', amount: days } }, targets: { acknowledgement: 100 } });
    await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: admin, body: norm(1) });
    await settings({ activeNormId: 'eigen', closureDays: [], businessHours: 'mon-fri 08:30-17:00' });
    const conversation = await mail('2038-04-05T10:00:00+02:00');
    expect((await listMilestones(db.pool, conversation.id))[0]!.dueAt).toBe('2038-04-06T17:00:00.000+02:00');
    const response = await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: admin, body: norm(3) });
    expect((await response.json()).recomputed.changed).toBeGreaterThanOrEqual(1);
    expect((await listMilestones(db.pool, conversation.id))[0]).toMatchObject({ term: { unit: 'workingDays', amount: 3 }, dueAt: '2038-04-08T17:00:00.000+02:00' });
  });
});
