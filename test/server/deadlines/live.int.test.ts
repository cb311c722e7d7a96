// Breaches and due-soon moments reach agents' sockets within a second, survive restarts, and are raised once across instances.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConversation } from '../../../server/conversations/index.ts';
import type { DeadlineTransition } from '../../../server/domain-events.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import type { TestBalie } from '../../support/balie.ts';
import {
  ADMIN,
  agentSocket,
  DomainEvents,
  recordDeadlines,
  sleep,
  startBalieWithEvents,
  startTestBalie,
  useSecondsNorm,
  waitUntil,
  type AgentSocket,
} from './live-support.ts';

let db: TestDatabase;
const balies: { stop(): Promise<void> }[] = [];
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const balie of balies.splice(0)) await balie.stop();
});
afterAll(() => db?.drop());

async function start(): Promise<TestBalie> {
  const balie = await startTestBalie(db.url);
  balies.push(balie);
  return balie;
}

async function pickupMilestone(conversationId: number) {
  const { rows } = await db.pool.query<{ id: number; due_at: Date; due_soon_at: Date; state: string; breached_at: Date | null }>(
    "SELECT id, due_at, due_soon_at, state, breached_at FROM milestones WHERE conversation_id = $1 AND kind = 'pickup'",
    [conversationId],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('live deadline events', () => {
  it('an agent socket receives deadline.due_soon and deadline.breached within 1 s of the moment', async () => {
    const balie = await start();
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    await useSecondsNorm(balie, admin, 2);
    const socket = await agentSocket(balie, admin);
    sockets.push(socket);
    const received = recordDeadlines(socket);

    const conversation = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL' });
    const milestone = await pickupMilestone(conversation.id);
    await waitUntil(() => received.some((r) => r.event === 'deadline.breached'), 5_000, 'deadline.breached');

    const breached = received.find((r) => r.event === 'deadline.breached')!;
    expect(breached.alert).toEqual({
      conversationId: conversation.id,
      reference: conversation.reference,
      milestoneId: milestone.id,
      kind: 'pickup',
      normId: 'snelle-chat',
      dueAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$/),
    });
    expect(new Date(breached.alert.dueAt).getTime()).toBe(milestone.due_at.getTime());
    const breachDelay = breached.at - milestone.due_at.getTime();
    expect(breachDelay).toBeGreaterThanOrEqual(0);
    expect(breachDelay).toBeLessThan(1_000);

    // Due soon halfway through a seconds term, before the breach.
    const dueSoon = received.find((r) => r.event === 'deadline.due_soon');
    expect(dueSoon?.alert.milestoneId).toBe(milestone.id);
    const dueSoonDelay = dueSoon!.at - milestone.due_soon_at.getTime();
    expect(dueSoonDelay).toBeGreaterThanOrEqual(0);
    expect(dueSoonDelay).toBeLessThan(1_000);
    expect(received.map((r) => r.event)).toEqual(['deadline.due_soon', 'deadline.breached']);
    expect((await pickupMilestone(conversation.id)).state).toBe('breached');
  });

  it('a milestone met before its due time is not breached', async () => {
    const balie = await start();
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    // 5 s to pick up: on a busy machine the pickup below must still come before the due time.
    await useSecondsNorm(balie, admin, 5);
    const socket = await agentSocket(balie, admin);
    sockets.push(socket);
    const received = recordDeadlines(socket);
    const conversation = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL' });
    const { agentPickedUp } = await import('../../../server/deadlines/index.ts');
    const [met] = await agentPickedUp(db.pool, conversation.id, new Date());
    expect(met?.state).toBe('met');
    // Past the due time (and the due-soon moment before it): a breach, had one been raised, would be here by now.
    const { due_at: dueAt } = await pickupMilestone(conversation.id);
    await sleep(Math.max(0, dueAt.getTime() - Date.now()) + 1_000);
    expect(received.filter((r) => r.alert.conversationId === conversation.id)).toEqual([]);
    expect((await pickupMilestone(conversation.id)).state).toBe('met');
  });

  it('keeps working after its LISTEN connection is killed (reconnects and re-arms)', async () => {
    const balie = await start();
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    await useSecondsNorm(balie, admin, 1);
    const socket = await agentSocket(balie, admin);
    sockets.push(socket);
    const received = recordDeadlines(socket);
    const killed = await db.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN balie_milestones'",
    );
    expect(killed.rowCount).toBe(1);
    await waitUntil(
      async () => (await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN balie_milestones'")).rowCount === 1,
      5_000,
      'the scheduler to listen again',
    );
    const conversation = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL' });
    const milestone = await pickupMilestone(conversation.id);
    await waitUntil(() => received.some((r) => r.event === 'deadline.breached' && r.alert.conversationId === conversation.id), 5_000, 'deadline.breached');
    const breached = received.find((r) => r.event === 'deadline.breached' && r.alert.conversationId === conversation.id)!;
    expect(breached.at - milestone.due_at.getTime()).toBeLessThan(1_000);
  });

  it('raises on start the breaches that fell while Balie was down', async () => {
    const first = await start();
    const admin = await first.login(ADMIN.email, ADMIN.password);
    await useSecondsNorm(first, admin, 1);
    await first.stop();
    balies.splice(balies.indexOf(first), 1);

    // Nobody is running: the chat is queued and its 1-second pickup term runs out.
    const conversation = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL' });
    await sleep(1_500);
    expect((await pickupMilestone(conversation.id)).state).toBe('open');

    const events = new DomainEvents();
    const raised: { name: string; transition: DeadlineTransition; at: number }[] = [];
    events.on('deadline.breached', (transition) => raised.push({ name: 'breached', transition, at: Date.now() }));
    events.on('deadline.due_soon', (transition) => raised.push({ name: 'due_soon', transition, at: Date.now() }));
    const startedAt = Date.now();
    const again = await startBalieWithEvents(db.url, events);
    balies.push(again);
    const upAt = Date.now();

    const mine = raised.filter((r) => r.transition.conversationId === conversation.id);
    // Breached at once, during start — and not announced as due soon first.
    expect(mine.map((r) => r.name)).toEqual(['breached']);
    expect(mine[0]!.at).toBeLessThanOrEqual(upAt);
    const milestone = await pickupMilestone(conversation.id);
    expect(milestone.state).toBe('breached');
    expect(milestone.breached_at!.getTime()).toBeGreaterThanOrEqual(startedAt - 5);
    expect(milestone.breached_at!.getTime()).toBeLessThanOrEqual(upAt + 5);
  });

  it('with two instances each breach is raised once and every agent, on either instance, gets it once', async () => {
    const a = await start();
    const b = await start();
    const admin = await a.login(ADMIN.email, ADMIN.password);
    await useSecondsNorm(a, admin, 2);
    const onA = await agentSocket(a, admin);
    const onB = await agentSocket(b, admin);
    sockets.push(onA, onB);
    // The adapter works both ways once each instance sees the other's socket.
    await waitUntil(async () => (await a.realtime.agents.fetchSockets()).length === 2 && (await b.realtime.agents.fetchSockets()).length === 2, 5_000, 'the adapter');
    const receivedA = recordDeadlines(onA);
    const receivedB = recordDeadlines(onB);
    const raisedBy: string[] = [];
    a.events.on('deadline.breached', () => raisedBy.push('a'));
    b.events.on('deadline.breached', () => raisedBy.push('b'));

    const conversations = await Promise.all([1, 2, 3].map(() => createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL' })));
    const ids = new Set(conversations.map((c) => c.id));
    const breachedOn = (received: typeof receivedA) => received.filter((r) => r.event === 'deadline.breached' && ids.has(r.alert.conversationId));
    await waitUntil(() => breachedOn(receivedA).length >= 3 && breachedOn(receivedB).length >= 3, 6_000, 'three breaches on both sockets');
    // Give a duplicate time to arrive, if one were coming.
    await sleep(1_000);

    expect(raisedBy).toHaveLength(3);
    for (const received of [receivedA, receivedB]) {
      expect(breachedOn(received).map((r) => r.alert.conversationId).sort()).toEqual([...ids].sort());
      expect(received.filter((r) => r.event === 'deadline.due_soon' && ids.has(r.alert.conversationId))).toHaveLength(3);
    }
    for (const conversation of conversations) {
      const milestone = await pickupMilestone(conversation.id);
      expect(milestone.state).toBe('breached');
      expect(breachedOn(receivedB).find((r) => r.alert.conversationId === conversation.id)!.at - milestone.due_at.getTime()).toBeLessThan(1_000);
    }
  });
});
