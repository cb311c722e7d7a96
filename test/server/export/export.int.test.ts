// The CSV export (issue 15 §5): a small known month whose figures the CSV must repeat exactly as
// the compliance report counts them; quoting, the formula guard and Excel's options; roles and
// the audit trail; and a large export that streams from a cursor, held back by a paused reader.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandoff, newHandoffSchema, recordAttempt } from '../../../server/backoffice/handoffs.ts';
import { createConversation } from '../../../server/conversations/index.ts';
import { acknowledgementDelivered, agentPickedUp, replySent } from '../../../server/deadlines/index.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { inLockOrder } from '../../support/lock-order.ts';
import { untilDone } from '../../support/wait.ts';
import { csvObjects } from './csv-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let supervisor: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // vng: acknowledgement within 2 working days, chat pickup within 25 s.
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  const lead = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  supervisor = await balie.login(lead.email, lead.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const OCTOBER = 'from=2026-10-01&to=2026-11-01';
const csv = async (path: string, cookie = supervisor) => {
  const response = await balie.request(path, { cookie });
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return { response, text: await response.text() };
};

/** A contact and an e-mail conversation received then (created_at follows the receipt). */
async function mail(received: string, contact?: { name: string; email: string; phone?: string }) {
  let contactId: number | undefined;
  if (contact) {
    const { rows } = await db.pool.query<{ id: number }>('INSERT INTO contacts (name, email, phone) VALUES ($1, $2, $3) RETURNING id', [contact.name, contact.email, contact.phone ?? null]);
    contactId = rows[0]!.id;
  }
  const conversation = await createConversation(db.pool, { channel: 'email', referencePrefix: 'BAL', receivedAt: new Date(received), contactId });
  await db.pool.query('UPDATE conversations SET created_at = $2 WHERE id = $1', [conversation.id, new Date(received)]);
  return conversation;
}

describe('GET /api/export/*.csv', () => {
  const received = '2026-10-05T10:00:00+02:00'; // Monday; the acknowledgement is due Wed 7 Oct 17:00
  let references: string[] = [];
  let handoffId: number;

  beforeAll(async () => {
    const onTime = await mail(received, { name: 'Zoë de Vries, "Zo"', email: 'zoe@example.nl', phone: '+31612345678' });
    const answered = await mail(received, { name: '=HYPERLINK("https://evil.example","klik")', email: 'x@example.nl' });
    const late = await mail(received);
    const breached = await mail(received);
    await inLockOrder(db.pool, onTime.id, (tx) => acknowledgementDelivered(tx, onTime.id, new Date('2026-10-05T10:00:02+02:00')));
    await inLockOrder(db.pool, answered.id, (tx) => replySent(tx, answered.id, new Date('2026-10-07T17:00:00+02:00'), { asAnswer: false }));
    await inLockOrder(db.pool, late.id, (tx) => replySent(tx, late.id, new Date('2026-10-09T09:00:00+02:00'), { asAnswer: false }));
    const chat = await createConversation(db.pool, { channel: 'chat', referencePrefix: 'BAL', receivedAt: new Date(received) });
    await db.pool.query('UPDATE conversations SET created_at = $2 WHERE id = $1', [chat.id, new Date(received)]);
    await inLockOrder(db.pool, chat.id, (tx) => agentPickedUp(tx, chat.id, new Date('2026-10-05T10:00:10+02:00')));
    // Outside October: not exported.
    await mail('2026-09-01T10:00:00+02:00');
    references = [onTime, answered, late, breached, chat].map((conversation) => conversation.reference);
    // The running scheduler breaches what was due in the past and not met.
    await untilDone(
      async () => (await db.pool.query("SELECT 1 FROM milestones WHERE state = 'breached'")).rowCount,
      (count) => count === 2,
    );

    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const team = await (await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', memberIds: [] } })).json();
    const input = newHandoffSchema.parse({ conversationId: late.id, teamId: team.team.id, action: 'callback', question: 'Bel terug', phone: '0612345678' });
    const outcome = await createHandoff(balie.database.pool, input, { id: 1, name: 'Beheer' }, { from: undefined, publicUrl: balie.url }, new Date('2026-10-12T10:00:00+02:00'));
    if (!outcome.ok) throw new Error(outcome.code);
    handoffId = outcome.handoff.id;
    await recordAttempt(balie.database.pool, handoffId, { result: 'reached', outcome: 'Geholpen', at: new Date('2026-10-13T09:30:00+02:00'), note: undefined }, { id: 1, role: 'admin' });
  });

  it('exports the milestones due in the period with the compliance report’s figures', async () => {
    const { response, text } = await csv(`/api/export/milestones.csv?${OCTOBER}`);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="balie-milestones-2026-10-01-2026-11-01.csv"');
    const rows = csvObjects(text);
    const report = await (await balie.request(`/api/reports/compliance?${OCTOBER}`, { cookie: supervisor })).json();
    for (const line of report.lines as { kind: string; metOnTime: number; metLate: number; open: number; breached: number; notApplicable: number }[]) {
      const of = (compliance: string) => rows.filter((row) => row.kind === line.kind && row.compliance === compliance).length;
      expect({ kind: line.kind, on_time: of('on_time'), late: of('late'), open: of('open'), breached: of('breached'), not_applicable: of('not_applicable') }).toEqual({
        kind: line.kind,
        on_time: line.metOnTime,
        late: line.metLate,
        open: line.open,
        breached: line.breached,
        not_applicable: line.notApplicable,
      });
    }
    // The known month itself: 4 acknowledgements (2 on time, 1 late, 1 breached), a pickup in 10 s
    // and the hand-off's callback, reached the next morning.
    expect(rows.map((row) => `${row.kind}:${row.compliance}`).sort()).toEqual([
      'acknowledgement:breached',
      'acknowledgement:late',
      'acknowledgement:on_time',
      'acknowledgement:on_time',
      'callback:on_time',
      'pickup:on_time',
    ]);
    const pickup = rows.find((row) => row.kind === 'pickup')!;
    expect(pickup).toMatchObject({ channel: 'chat', state: 'met', met_by: 'pickup', starts_at: '2026-10-05T10:00:00+02:00', met_at: '2026-10-05T10:00:10+02:00', term_unit: 'seconds', term_amount: '25' });
    expect(rows.find((row) => row.compliance === 'late')).toMatchObject({ due_at: '2026-10-07T17:00:00+02:00', met_at: '2026-10-09T09:00:00+02:00' });
  });

  it('exports the conversations created in the period, and their contacts quoted and guarded', async () => {
    const conversations = csvObjects((await csv(`/api/export/conversations.csv?${OCTOBER}`)).text);
    expect(conversations.map((row) => row.reference)).toEqual(references);
    expect(conversations.map((row) => row.handoffs)).toEqual(['0', '0', '1', '0', '0']);

    const { text } = await csv(`/api/export/contacts.csv?${OCTOBER}`);
    const contacts = csvObjects(text);
    expect(contacts).toHaveLength(2);
    expect(contacts[0]).toMatchObject({ name: 'Zoë de Vries, "Zo"', email: 'zoe@example.nl', phone: '+31612345678', conversations: '1', channels: 'email', first_contact_at: '2026-10-05T10:00:00+02:00' });
    // A name a spreadsheet would run as a formula arrives as text.
    expect(contacts[1]!.name).toBe(`'=HYPERLINK("https://evil.example","klik")`);
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""klik"")"`);
  });

  it('writes a BOM and semicolons for Excel when asked', async () => {
    const response = await balie.request(`/api/export/contacts.csv?${OCTOBER}&bom=true&delimiter=semicolon`, { cookie: supervisor });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = csvObjects(bytes.subarray(3).toString('utf8'), ';');
    expect(rows[0]!.name).toBe('Zoë de Vries, "Zo"');
    expect(bytes.subarray(3).toString('utf8').split('\r\n')[0]).toBe('id;name;email;phone;created_at;conversations;first_contact_at;last_contact_at;channels');
  });

  it('exports the hand-offs requested in the period with their attempts', async () => {
    const rows = csvObjects((await csv(`/api/export/handoffs.csv?${OCTOBER}`)).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: String(handoffId), reference: references[2], action: 'callback', team_name: 'Vergunningen', status: 'completed', attempts: '1', first_reached_at: '2026-10-13T09:30:00+02:00', milestone_state: 'met' });
    // No citizen's addresses or notes in this file: those are in contacts.csv only.
    expect(Object.keys(rows[0]!)).not.toContain('phone');
    // An empty period is a header only.
    expect((await csv('/api/export/handoffs.csv?from=2025-01-01&to=2025-02-01')).text.split('\r\n')).toEqual([expect.stringMatching(/^id,conversation_id,/), '']);
  });

  it('records who exported which period in the audit trail', async () => {
    await csv('/api/export/conversations.csv?from=2026-10-01&to=2026-10-08');
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const { entries } = await (await balie.request('/api/audit?action=export.downloaded&limit=1', { cookie: admin })).json();
    expect(entries[0]).toMatchObject({
      action: 'export.downloaded',
      agent: { email: 'teamleider@gemeente.test' },
      subjectType: 'export',
      subjectId: 'conversations',
      details: { dataset: 'conversations', from: '2026-10-01T00:00:00.000+02:00', to: '2026-10-08T00:00:00.000+02:00' },
    });
  });

  it('is for supervisors and admins; a bad period or dataset is a 400 or 404', async () => {
    const agent = await addAgent(db.pool, 'agent', 'medewerker@gemeente.test');
    const backoffice = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
    for (const cookie of [await balie.login(agent.email, agent.password), await balie.login(backoffice.email, backoffice.password)]) {
      expect((await balie.request(`/api/export/milestones.csv?${OCTOBER}`, { cookie })).status).toBe(403);
    }
    expect((await balie.request(`/api/export/milestones.csv?${OCTOBER}`)).status).toBe(401);
    expect((await balie.request(`/api/export/milestones.csv?${OCTOBER}`, { cookie: await balie.login(ADMIN.email, ADMIN.password) })).status).toBe(200);
    for (const [query, field] of [['from=gisteren', 'from'], ['from=2026-10-01&to=2026-09-01', 'to'], ['delimiter=tab', 'delimiter'], ['sql=1', '(body)']] as const) {
      const response = await balie.request(`/api/export/milestones.csv?${query}`, { cookie: supervisor });
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-disposition'), query).toBeNull();
      expect((await response.json()).error.fields[0].field, query).toBe(field);
    }
    expect((await balie.request('/api/export/messages.csv', { cookie: supervisor })).status).toBe(400);
  });
});

describe('streaming', () => {
  const TOTAL = 100_000;

  beforeAll(async () => {
    // 20,000 conversations of 2025 with five answer milestones each, written by SQL at once.
    await db.pool.query(`INSERT INTO conversations (reference, channel, status, created_at)
      SELECT 'BAL-2025-' || lpad(g::text, 6, '0'), 'email', 'closed', timestamptz '2025-03-01 10:00+01' + g * interval '1 minute' FROM generate_series(1, 20000) g`);
    await db.pool.query(`INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at)
      SELECT c.id, 'answer', 'vng', 'workingDays', 2, c.created_at, c.created_at + interval '2 days', c.created_at + interval '1 day', 'met', c.created_at + interval '1 hour'
        FROM conversations c CROSS JOIN generate_series(1, 5) WHERE c.reference LIKE 'BAL-2025-%'`);
  });

  /** The export's backend, if it is running a statement: its state and what it waits for. */
  const exportBackend = async () =>
    (
      await db.pool.query<{ state: string; wait_event: string | null }>(
        `SELECT state, wait_event FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM milestones m JOIN conversations c%'`,
      )
    ).rows;

  it('fetches from a cursor only as fast as the reader reads, and then delivers every row', async () => {
    const url = new URL('/api/export/milestones.csv?from=2025-01-01&to=2026-01-01', balie.url);
    let received = 0;
    let lines = 0;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, { headers: { cookie: supervisor } }, resolve).on('error', reject));
    expect(response.statusCode).toBe(200);
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      for (const byte of chunk) if (byte === 0x0a) lines += 1;
    });
    const ended = new Promise((resolve) => response.on('end', resolve));
    // Stop reading after the first piece: socket buffers fill, the response pushes back.
    await untilDone(async () => received, (bytes) => bytes > 0);
    response.pause();
    // While paused, PostgreSQL holds the rest in the cursor: the statement is still active and
    // waits for Balie to ask for the next batch (ClientRead). A plain query would have been read
    // to its end into Balie's memory, and its backend would be idle by now.
    const held = await untilDone(exportBackend, (rows) => rows.length === 1 && rows[0]!.state === 'active' && rows[0]!.wait_event === 'ClientRead');
    expect(held).toHaveLength(1);
    const pausedAt = received;
    // The paused reader has far less than the whole export (about 25 MB).
    expect(lines).toBeLessThan(TOTAL / 2);
    expect(pausedAt).toBeLessThan(15_000_000);

    response.resume();
    await ended;
    expect(lines).toBe(TOTAL + 1);
    // The cursor is closed and the connection back in the pool.
    await untilDone(exportBackend, (rows) => rows.every((row) => row.state === 'idle'));
  });

  it('closes the cursor when the reader goes away', async () => {
    const url = new URL('/api/export/milestones.csv?from=2025-01-01&to=2026-01-01', balie.url);
    const request = http.get(url, { headers: { cookie: supervisor } });
    const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
    response.pause();
    await untilDone(exportBackend, (rows) => rows.some((row) => row.state === 'active'));
    request.destroy();
    await untilDone(exportBackend, (rows) => rows.every((row) => row.state === 'idle'));
    // And the next export runs (the slot was given back).
    expect((await csv('/api/export/handoffs.csv?from=2025-01-01&to=2026-01-01')).text).toMatch(/^id,/);
  });
});
