// The daily digest of open hand-offs (issue 14 §5) with two Balie instances on one database: at
// the start of each working day every team with open hand-offs gets one mail at its address and
// one to its coordinator, listing the open ones (nearest due first, completed ones left out) —
// each exactly once however many instances look, nothing before opening, nothing on a
// non-working day, and again on the next working day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendDailyDigests, type DigestOptions } from '../../../server/backoffice/digest.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let one: TestBalie;
let two: TestBalie;
let instances: DigestOptions[];
let kccCookie: string;
let teamId: number;
const FROM = { name: 'Gemeente Test', address: 'info@gemeente.test' };
const references: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // A custom calendar: open 08:30–17:00 on weekdays, so the working day starts at 08:30.
  const env = { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-fri 08:30-17:00' };
  one = await startTestBalie(db.url, env);
  two = await startTestBalie(db.url, env);
  instances = [one, two].map((balie) => ({ pool: balie.database.pool, from: () => FROM, publicUrl: balie.url }));
  const coordinator = await addAgent(db.pool, 'backoffice', 'coordinator@gemeente.test');
  const kcc = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kccCookie = await one.login(kcc.email, kcc.password);
  const admin = await one.login(ADMIN.email, ADMIN.password);
  const created = await one.request('/api/teams', {
    cookie: admin,
    body: { name: 'Vergunningen', notificationEmail: 'vergunningen@gemeente.test', coordinatorId: coordinator.id, memberIds: [coordinator.id] },
  });
  teamId = ((await created.json()) as { team: { id: number } }).team.id;
  // A team without address or coordinator gets no digest (nobody to send it to).
  const silent = await one.request('/api/teams', { cookie: admin, body: { name: 'Archief' } });
  const silentId = ((await silent.json()) as { team: { id: number } }).team.id;
  for (const name of ['Sanne de Boer', 'Ahmed Yilmaz', 'Afgehandeld']) references.push(await handOff(name, teamId));
  await handOff('Elders', silentId);
  const done = (await db.pool.query<{ id: number }>("SELECT h.id FROM handoffs h JOIN conversations c ON c.id = h.conversation_id WHERE c.reference = $1", [references[2]])).rows[0]!.id;
  await db.pool.query("UPDATE handoffs SET status = 'completed', outcome = 'Geholpen', completed_at = now() WHERE id = $1", [done]);
});
afterAll(async () => {
  await two?.stop();
  await one?.stop();
  await db?.drop();
});

async function handOff(name: string, team: number): Promise<string> {
  const conversation = await seedConversation(db.pool, { channel: 'chat', status: 'open', contact: { name } });
  const response = await one.request('/api/backoffice/handoffs', { cookie: kccCookie, body: { conversationId: conversation.id, teamId: team, action: 'callback', phone: '0612345678', question: 'Bel mij terug' } });
  expect(response.status).toBe(201);
  return conversation.reference;
}

/** The digests queued for one date: recipient and the mail's text. */
async function digests(date: string): Promise<{ to: string; text: string }[]> {
  const { rows } = await db.pool.query<{ to: string; text: string }>(
    `SELECT o.to_address AS to, o.body_text AS text FROM messages m JOIN mail_outbox o ON o.message_id = m.id
      WHERE m.idempotency_key LIKE $1 ORDER BY o.to_address`,
    [`digest:${date}:%`],
  );
  return rows;
}

const both = async (iso: string) => (await Promise.all(instances.map((options) => sendDailyDigests(options, new Date(iso))))).reduce((a, b) => a + b, 0);

describe('the daily digest of open hand-offs', () => {
  it('goes out at the start of a working day, once to the team address and once to the coordinator, with both instances looking', async () => {
    // Monday 4 January 2027: before 08:30 nothing.
    expect(await both('2027-01-04T08:29:59+01:00')).toBe(0);
    expect(await digests('2027-01-04')).toEqual([]);

    expect(await both('2027-01-04T08:30:01+01:00')).toBe(2);
    const sent = await digests('2027-01-04');
    expect(sent.map((mail) => mail.to)).toEqual(['coordinator@gemeente.test', 'vergunningen@gemeente.test']);
    for (const mail of sent) {
      expect(mail.text).toContain('Open contactverzoeken van Vergunningen op maandag 4 januari 2027: 2');
      expect(mail.text).toContain(references[0]);
      expect(mail.text).toContain(references[1]);
      // The completed one is not open any more.
      expect(mail.text).not.toContain(references[2]);
      // Past their term by then (handed off in December): marked.
      expect(mail.text).toContain('waarvan 2 over de termijn');
    }
    // Later that day, on either instance: nothing more.
    expect(await both('2027-01-04T14:00:00+01:00')).toBe(0);
    expect(await digests('2027-01-04')).toHaveLength(2);
  });

  it('skips days that are not working days and comes again on the next one', async () => {
    // Saturday, and Christmas Day (a holiday) on a Friday.
    expect(await both('2027-01-09T10:00:00+01:00')).toBe(0);
    expect(await both('2026-12-25T10:00:00+01:00')).toBe(0);
    expect([...(await digests('2027-01-09')), ...(await digests('2026-12-25'))]).toEqual([]);
    expect(await both('2027-01-05T09:00:00+01:00')).toBe(2);
    expect(await both('2027-01-05T09:00:00+01:00')).toBe(0);
  });
});
