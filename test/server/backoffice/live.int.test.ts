// Back-office users on the live connection (issue 14 with issue 12's "citizens' data only to whom
// may read it"): a back-office socket hears that its hand-offs changed, never the KCC's inbox events
// (new conversations, messages, typing) about conversations it may not read; it carries no
// presence, so it never makes chat "available" and is not offered in the assign list.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, CHAT_ENV, type AgentSocket } from '../chat/chat-support.ts';
import { seedConversation } from '../inbox/seed.ts';
import { untilDone } from '../../support/wait.ts';

let db: TestDatabase;
let balie: TestBalie;
let kcc: AgentSocket;
let backoffice: AgentSocket;
let kccCookie: string;
let petra: { id: number; cookie: string };
let team: number;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { ...CHAT_ENV, NORM: 'rotterdam' });
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  const fatima = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kccCookie = await balie.login(fatima.email, fatima.password);
  const petraAccount = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  petra = { id: petraAccount.id, cookie: await balie.login(petraAccount.email, petraAccount.password) };
  const created = await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', notificationEmail: 'vergunningen@gemeente.test', coordinatorId: petra.id, memberIds: [petra.id] } });
  expect(created.status).toBe(201);
  team = ((await created.json()) as { team: { id: number } }).team.id;
  backoffice = await agentSocket(balie, petra.cookie);
  kcc = await agentSocket(balie, kccCookie);
});
afterAll(async () => {
  kcc?.disconnect();
  backoffice?.disconnect();
  await balie?.stop();
  await db?.drop();
});

it("a back-office socket hears its hand-offs change and none of the KCC's inbox events; it is never present", async () => {
  const heard: string[] = [];
  backoffice.onAny((event: string) => heard.push(event));
  const kccHeard: string[] = [];
  kcc.onAny((event: string) => kccHeard.push(event));

  // KCC work: a citizen starts a chat (a new conversation and a message for the KCC).
  const chat = await balie.request('/api/public/chats', { body: { clientId: randomUUID(), text: 'Mijn paspoort is verlopen, wat nu?' } });
  expect(chat.status).toBe(201);
  await untilDone(async () => kccHeard.includes('conversation.created'), Boolean);

  // A hand-off to Petra's team: back office hears that its hand-offs changed.
  const conversation = await seedConversation(db.pool, { channel: 'chat', status: 'open', contact: { name: 'Sanne de Boer', email: 'sanne@example.nl' }, messages: [{ direction: 'in', text: 'Mijn dakkapel' }] });
  const handoff = await balie.request('/api/backoffice/handoffs', { cookie: kccCookie, body: { conversationId: conversation.id, teamId: team, action: 'callback', question: 'Mag ik een dakkapel plaatsen?', phone: '06 12345678' } });
  expect(handoff.status, await handoff.clone().text()).toBe(201);
  await untilDone(async () => heard.includes('handoffs.changed'), Boolean);
  await untilDone(async () => kccHeard.includes('conversation.updated'), Boolean);

  // Nothing else reached back office: no conversation, message, update or presence event.
  expect([...new Set(heard)]).toEqual(['handoffs.changed']);

  // No presence: the team list (assign menu) and the presence list leave back office out.
  const { agents: members } = (await (await balie.request('/api/team', { cookie: kccCookie })).json()) as { agents: { id: number }[] };
  expect(members.length).toBeGreaterThan(0);
  expect(members.map((member) => member.id)).not.toContain(petra.id);
  const present = await kcc.timeout(5_000).emitWithAck('presence.list');
  expect(present.ok).toBe(true);
  expect(JSON.stringify(present)).not.toContain(`"agentId":${petra.id}`);
});
