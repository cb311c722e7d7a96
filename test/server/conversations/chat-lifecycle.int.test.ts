// The chat lifecycle against a real Balie and PostgreSQL (issue 11 §2): a chat the citizen ends or
// leaves before pickup leaves the queue as abandoned, its pickup not applicable, and the pickup KPI
// reports it beside within/late. Each test has a database and a Balie of its own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClosedActivity } from '../../../server/realtime/events.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, readyCitizen, startChat, startChatBalie, waitUntil } from '../chat/chat-support.ts';

const CEILING = 30_000;

// Several waits on mail and SMTP in one test: on a busy machine their sum may pass the default 60 s.
vi.setConfig({ testTimeout: 180_000 });

let db: TestDatabase;
let balie: TestBalie;
let cookie: string;

beforeEach(async () => {
  db = await createTestDatabase();
  // vng: chat pickup within 25 s. A widget gone for 1 s counts as having left (default 120 s).
  balie = await startChatBalie(db.url, { NORM: 'vng', CHAT_ABANDON_SECONDS: '1' });
  cookie = await balie.login(ADMIN.email, ADMIN.password);
});
afterEach(async () => {
  closeSockets();
  await balie?.stop();
  await db?.drop();
});

interface PickupLine {
  kind: string;
  total: number;
  metOnTime: number;
  open: number;
  breached: number;
  notApplicable: number;
  abandoned: { count: number; medianWaitSeconds: number | null };
}

async function pickupLine(): Promise<PickupLine | undefined> {
  const body = (await (await balie.request('/api/reports/compliance?from=2026-01-01&to=2028-01-01', { cookie })).json()) as { lines: PickupLine[] };
  return body.lines.find((line) => line.kind === 'pickup');
}

async function waitingChats(): Promise<number> {
  const body = (await (await balie.request('/api/conversations/counts', { cookie })).json()) as { counts: { waitingChats: number } };
  return body.counts.waitingChats;
}

const stateOf = async (id: number) =>
  (await db.pool.query<{ status: string; outcome: string | null; pickup: string }>(
    "SELECT c.status, c.outcome, m.state AS pickup FROM conversations c JOIN milestones m ON m.conversation_id = c.id AND m.kind = 'pickup' WHERE c.id = $1",
    [id],
  )).rows[0];

describe('a chat left before pickup', () => {
  it('“Gesprek beëindigen” in the queue: abandoned, out of “Chat wacht”, the pickup not applicable and reported as abandoned', async () => {
    const agent = await agentSocket(balie, cookie);
    const chat = await startChat(balie);
    expect(await waitingChats()).toBe(1);
    const closed = next<ClosedActivity>(agent, 'conversation.closed', CEILING, (event) => event.conversationId === chat.conversationId);
    const { socket } = await readyCitizen(balie, chat.token);
    const ended = await socket.emitWithAck('chat.end');
    expect(ended).toEqual({ ok: true, data: { ended: true } });
    expect(await closed).toMatchObject({ outcome: 'abandoned' });

    expect(await stateOf(chat.conversationId)).toEqual({ status: 'closed', outcome: 'abandoned', pickup: 'not_applicable' });
    expect(await waitingChats()).toBe(0);
    const line = await pickupLine();
    expect(line).toMatchObject({ total: 0, metOnTime: 0, open: 0, breached: 0, notApplicable: 1, abandoned: { count: 1 } });
    expect(line!.abandoned.medianWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(line!.abandoned.medianWaitSeconds).toBeLessThan(CEILING / 1000);
  });

  it('no widget connected for the grace period: abandoned the same way; a chat that was picked up stays for its agent', async () => {
    await agentSocket(balie, cookie);
    const left = await startChat(balie, 'Ik wacht wel even.');
    const kept = await startChat(balie, 'Mag ik iets vragen?');
    const first = await readyCitizen(balie, left.token);
    const second = await readyCitizen(balie, kept.token);
    expect((await balie.request(`/api/conversations/${kept.conversationId}/claim`, { method: 'POST', cookie })).status).toBe(200);
    first.socket.disconnect();
    second.socket.disconnect();

    await waitUntil(async () => (await stateOf(left.conversationId))?.status === 'closed', CEILING, 'the abandoned chat to leave the queue');
    expect(await stateOf(left.conversationId)).toEqual({ status: 'closed', outcome: 'abandoned', pickup: 'not_applicable' });
    const system = await db.pool.query("SELECT body_text FROM messages WHERE conversation_id = $1 AND kind = 'system'", [left.conversationId]);
    expect(system.rows.map((row) => row.body_text)).toEqual(['De inwoner heeft de chat verlaten.']);
    // The picked-up chat: its grace period passed too (it was checked at the same time), it stays.
    await waitUntil(async () => (await pickupLine())?.abandoned.count === 1, CEILING, 'the report');
    expect(await stateOf(kept.conversationId)).toMatchObject({ status: 'open', outcome: null, pickup: 'met' });
    expect(await pickupLine()).toMatchObject({ total: 1, metOnTime: 1, notApplicable: 1, abandoned: { count: 1 } });
  });

  it('a citizen who reconnects within the grace period is still in the queue', async () => {
    await agentSocket(balie, cookie);
    const chat = await startChat(balie);
    const first = await readyCitizen(balie, chat.token);
    first.socket.disconnect();
    const again = await readyCitizen(balie, chat.token);
    expect(again.state.status).toBe('new');
    // Longer than the grace period, measured by what the server did: the abandon check of the first
    // disconnect was cancelled, so the chat is still queued after a second chat's abandonment.
    const probe = await startChat(balie, 'probe');
    (await readyCitizen(balie, probe.token)).socket.disconnect();
    await waitUntil(async () => (await stateOf(probe.conversationId))?.status === 'closed', CEILING, 'the probe to be abandoned');
    expect(await stateOf(chat.conversationId)).toMatchObject({ status: 'new', pickup: 'open' });
  });
});
