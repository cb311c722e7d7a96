// Robots through a real Balie, Dovecot, SMTP server and PostgreSQL (issue 13, item 3): every robot
// sample of fixtures/robots (one raw mail per marker) is stored, gets no acknowledgement and keeps no
// open deadline; ordinary citizen mail with Outlook's usual headers is acknowledged; a robot's
// answer to our mail neither reopens the citizen's conversation nor opens milestones.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reconcileInbox } from '../../../server/reconcile/index.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

const CEILING = 60_000;
vi.setConfig({ testTimeout: 240_000 });

const ROBOTS = path.join(import.meta.dirname, 'fixtures', 'robots');
const samples = fs.readdirSync(ROBOTS).sort();
const citizens = samples.filter((name) => name.startsWith('citizen-'));
const robots = samples.filter((name) => !name.startsWith('citizen-'));
const raw = (name: string) => fs.readFileSync(path.join(ROBOTS, name), 'latin1');
const messageIdOf = (name: string) => /^Message-ID:\s*<([^>]+)>/im.exec(raw(name))![1]!;
const fromOf = (name: string) => {
  const from = /^From:(.*)$/im.exec(raw(name))![1]!;
  return (/<([^>]+)>/.exec(from)?.[1] ?? from.trim()).toLowerCase();
};

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let cookie: string;

beforeEach(async () => {
  // The VNG norm: an acknowledgement within 2 working days, the milestone robots must not keep open.
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld({ NORM: 'vng' })]);
  balie = await startTestBalie(db.url, world.env);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
});
afterEach(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

interface Stored {
  file: string;
  conversationId: number;
  status: string;
  outcome: string | null;
  ackSkipped: string | null;
  newConversation: boolean;
}

/** Where each sample landed, once all of them are stored. */
async function storedSamples(names: readonly string[]): Promise<Stored[]> {
  const ids = names.map(messageIdOf);
  const { rows } = await eventually(
    () =>
      db.pool.query<{ rfc: string; conversationId: number; status: string; outcome: string | null; ackSkipped: string | null; first: boolean }>(
        `SELECT e.rfc_message_id AS rfc, c.id AS "conversationId", c.status, c.outcome, e.ack_skipped AS "ackSkipped",
                m.id = (SELECT min(id) FROM messages WHERE conversation_id = c.id) AS first
           FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id
          WHERE e.rfc_message_id = ANY($1)`,
        [ids],
      ),
    (result) => result.rowCount === ids.length,
    CEILING,
  );
  return names.map((file, index) => {
    const row = rows.find((candidate) => candidate.rfc === ids[index])!;
    return { file, conversationId: row.conversationId, status: row.status, outcome: row.outcome, ackSkipped: row.ackSkipped, newConversation: row.first };
  });
}

/** Milestones that could still breach and count against the norm. */
async function unfinishedMilestones(conversationIds: readonly number[]) {
  const { rows } = await db.pool.query<{ conversationId: number; kind: string; state: string }>(
    `SELECT conversation_id AS "conversationId", kind, state FROM milestones
      WHERE conversation_id = ANY($1) AND state IN ('open', 'due_soon', 'breached', 'suspended')`,
    [conversationIds],
  );
  return rows;
}

describe('robots', () => {
  it('no robot sample gets an acknowledgement or keeps an open deadline; Outlook citizen mail is acknowledged', async () => {
    expect(robots.length).toBeGreaterThanOrEqual(25);
    expect(citizens.length).toBe(2);
    await deliver(world.dovecot, ...samples.map(raw));
    const stored = await storedSamples(samples);

    // Each robot started a conversation of its own (none quotes an existing one), and Balie closed it
    // as "geen antwoord nodig": its milestones are not applicable, none can breach.
    const robotRows = stored.filter((row) => robots.includes(row.file));
    expect(robotRows.filter((row) => !row.newConversation)).toEqual([]);
    expect(robotRows.filter((row) => row.ackSkipped === null).map((row) => row.file)).toEqual([]);
    expect(robotRows.filter((row) => row.status !== 'closed' || row.outcome !== 'no_answer_needed').map((row) => row.file)).toEqual([]);
    const robotConversations = robotRows.map((row) => row.conversationId);
    expect(await unfinishedMilestones(robotConversations)).toEqual([]);
    const ended = await db.pool.query<{ reason: string; by: number | null; count: number }>(
      `SELECT ended_reason AS reason, ended_by AS by, count(*)::int AS count FROM milestones WHERE conversation_id = ANY($1) GROUP BY 1, 2`,
      [robotConversations],
    );
    expect(ended.rows.map(({ reason, by }) => ({ reason, by }))).toEqual([{ reason: 'auto_reply', by: null }]);

    // The citizens' acknowledgements reach the SMTP server, and nothing else does.
    const citizenAddresses = citizens.map(fromOf);
    await world.smtp.waitFor(citizens.length, CEILING);
    const citizenRows = stored.filter((row) => citizens.includes(row.file));
    await eventually(
      () => db.pool.query("SELECT 1 FROM milestones WHERE conversation_id = ANY($1) AND kind = 'acknowledgement' AND state = 'met'", [citizenRows.map((row) => row.conversationId)]),
      (result) => result.rowCount === citizens.length,
      CEILING,
    );
    const outbox = await db.pool.query<{ to: string }>("SELECT to_address AS to FROM mail_outbox WHERE purpose = 'acknowledgement' ORDER BY id");
    expect(outbox.rows.map((row) => row.to).sort()).toEqual([...citizenAddresses].sort());
    expect(world.smtp.received.flatMap((mail) => mail.to).sort()).toEqual([...citizenAddresses].sort());
    expect(citizenRows.map((row) => ({ file: row.file, status: row.status, ackSkipped: row.ackSkipped }))).toEqual(
      citizens.map((file) => ({ file, status: 'new', ackSkipped: null })),
    );

    // The compliance report leaves them out of the figures and counts them beside, by nobody.
    const report = (await (await balie.request('/api/reports/compliance?from=2026-01-01&to=2028-01-01', { cookie })).json()) as {
      lines: { kind: string; total: number; notApplicable: number }[];
    };
    const acknowledgement = report.lines.find((line) => line.kind === 'acknowledgement')!;
    expect(acknowledgement).toMatchObject({ total: citizens.length, notApplicable: robots.length });
    // And the lifecycle's rules hold on the rows (status, outcome, closed time, milestones, counts).
    const drift = await reconcileInbox(db.pool);
    expect(drift.clean, JSON.stringify(drift)).toBe(true);
  });

  it("a robot's answer to our mail (an iCloud vacation reply, marked only X-Apple-Action) neither reopens the citizen's conversation nor opens milestones", async () => {
    await deliver(world.dovecot, citizenMail({ from: 'Lotte de Vries <l.devries@icloud.com>', messageId: 'lotte-1@icloud.com', subject: 'Grofvuil' }));
    const [row] = await eventually(
      () => db.pool.query<{ id: number; reference: string }>("SELECT c.id, c.reference FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id WHERE e.rfc_message_id = 'lotte-1@icloud.com'"),
      (result) => result.rowCount === 1,
      CEILING,
    ).then((result) => result.rows);
    const { rows: acks } = await eventually(
      () => db.pool.query<{ id: string }>("SELECT rfc_message_id AS id FROM mail_outbox WHERE conversation_id = $1 AND state = 'sent'", [row!.id]),
      (result) => result.rowCount === 1,
      CEILING,
    );
    expect((await balie.request(`/api/conversations/${row!.id}/close`, { method: 'POST', cookie, body: { outcome: 'handled_first_contact' } })).status).toBe(200);
    const milestonesBefore = (await db.pool.query('SELECT id, kind, state FROM milestones WHERE conversation_id = $1 ORDER BY id', [row!.id])).rows;

    const vacation = raw('icloud-vacation.eml')
      .replace('Subject: Vakantie', `Subject: Re: Ontvangstbevestiging [${row!.reference}]`)
      .replace(/^Message-ID: .*$/m, `Message-ID: <vacation-lotte-2@icloud.com>\r\nIn-Reply-To: <${acks[0]!.id}>`);
    await deliver(world.dovecot, vacation);
    const stored = await eventually(
      () => db.pool.query<{ conversationId: number }>(`SELECT m.conversation_id AS "conversationId" FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = 'vacation-lotte-2@icloud.com'`),
      (result) => result.rowCount === 1,
      CEILING,
    );
    expect(stored.rows[0]!.conversationId).toBe(row!.id);
    const after = await db.pool.query<{ status: string }>('SELECT status FROM conversations WHERE id = $1', [row!.id]);
    expect(after.rows[0]!.status).toBe('closed');
    expect((await db.pool.query('SELECT id, kind, state FROM milestones WHERE conversation_id = $1 ORDER BY id', [row!.id])).rows).toEqual(milestonesBefore);
    expect(world.smtp.received).toHaveLength(1);
  });
});
