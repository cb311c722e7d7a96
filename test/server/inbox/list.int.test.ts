// The inbox list and its counts over HTTP against a real Balie and PostgreSQL: the working order,
// every filter, cursor paging under concurrent change, Dutch full-text and partial search.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { foldCountDeltas } from '../../../server/inbox/counts.ts';
import { hoursFromNow, seedConversation } from './seed.ts';

interface Summary {
  id: number;
  reference: string;
  channel: string;
  status: string;
  preview: string;
  nextDue: { kind: string; dueAt: string; state: string } | null;
  breached: boolean;
  waitingSince: string | null;
  contact: { name: string | null; email: string | null } | null;
  assignee: { id: number; name: string } | null;
}
interface Page {
  items: Summary[];
  nextCursor: string | null;
}

let db: TestDatabase;
let balie: TestBalie;
let cookie: string;
let adminId: number;
let colleague: { id: number };

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
  adminId = (await db.pool.query<{ id: number }>('SELECT id FROM agents WHERE email = $1', [ADMIN.email])).rows[0]!.id;
  colleague = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE conversations, contacts CASCADE');
});

async function list(query = ''): Promise<Page> {
  const response = await balie.request(`/api/conversations${query ? `?${query}` : ''}`, { cookie });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

async function ids(query = ''): Promise<number[]> {
  return (await list(query)).items.map((item) => item.id);
}

describe('the working order', () => {
  it('puts breached first, then the nearest due, then the longest-waiting citizen, then id', async () => {
    const later = await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(48) }] });
    const waitingShort = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Hallo', at: hoursFromNow(-1) }] });
    const answered = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Vraag', at: hoursFromNow(-9) }, { direction: 'out', text: 'Antwoord', at: hoursFromNow(-8) }] });
    const breached = await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(-5), state: 'breached' }, { kind: 'acknowledgement', dueAt: hoursFromNow(-30), state: 'met' }] });
    const soon = await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(1), state: 'due_soon' }] });
    const waitingLong = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Eerst', at: hoursFromNow(-3) }, { direction: 'in', text: 'Nog een', at: hoursFromNow(-2) }] });
    const quiet = await seedConversation(db.pool);
    await seedConversation(db.pool, { status: 'closed', milestones: [{ dueAt: hoursFromNow(-50), state: 'breached' }] });

    const page = await list();
    expect(page.items.map((item) => item.id)).toEqual([breached.id, soon.id, later.id, waitingLong.id, waitingShort.id, answered.id, quiet.id]);
    const first = page.items[0]!;
    expect(first.breached).toBe(true);
    expect(first.nextDue).toMatchObject({ kind: 'answer', state: 'breached' });
    expect(page.items[1]!.nextDue?.state).toBe('due_soon');
    // The citizen's oldest unanswered message, not the latest one.
    expect(page.items[3]!.waitingSince).toBe(new Date((await db.pool.query('SELECT min(created_at) AS at FROM messages WHERE conversation_id = $1', [waitingLong.id])).rows[0].at).toISOString());
    expect(page.items[5]!.waitingSince).toBeNull();
    expect(page.nextCursor).toBeNull();
  });

  it('follows milestones and messages as they change (the sort keys are kept in the same transaction)', async () => {
    const conversation = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Mijn vraag over de parkeervergunning' }], milestones: [{ dueAt: hoursFromNow(-1), state: 'breached' }] });
    let item = (await list()).items[0]!;
    expect(item).toMatchObject({ breached: true, preview: 'Mijn vraag over de parkeervergunning' });
    expect(item.waitingSince).not.toBeNull();

    // An internal note neither answers the citizen nor shows as the preview.
    await db.pool.query(`INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'out', 'note', 'Intern: bellen met vergunningen')`, [conversation.id]);
    item = (await list()).items[0]!;
    expect(item.preview).toBe('Mijn vraag over de parkeervergunning');
    expect(item.waitingSince).not.toBeNull();

    await db.pool.query(`INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'out', 'message', $2)`, [conversation.id, `Beste inwoner,\n\n${'lang antwoord '.repeat(30)}`]);
    await db.pool.query(`UPDATE milestones SET state = 'met_late', met_at = now() WHERE conversation_id = $1`, [conversation.id]);
    item = (await list()).items[0]!;
    expect(item).toMatchObject({ breached: false, nextDue: null, waitingSince: null });
    expect(item.preview.startsWith('Beste inwoner, lang antwoord')).toBe(true);
    expect(item.preview.length).toBeLessThanOrEqual(140);
  });
});

describe('filters', () => {
  it('filters on assignee, channel, status and due state; closed ones newest closed first', async () => {
    const mine = await seedConversation(db.pool, { assigneeId: adminId, channel: 'chat', status: 'open' });
    const theirs = await seedConversation(db.pool, { assigneeId: colleague.id, status: 'waiting', milestones: [{ dueAt: hoursFromNow(2), state: 'due_soon' }] });
    const nobody = await seedConversation(db.pool, { status: 'new', milestones: [{ dueAt: hoursFromNow(-2), state: 'breached' }] });
    const closedEarly = await seedConversation(db.pool, { status: 'closed', closedAt: hoursFromNow(-10), assigneeId: adminId });
    const closedLate = await seedConversation(db.pool, { status: 'closed', closedAt: hoursFromNow(-1) });

    expect(await ids('assignee=mine')).toEqual([mine.id]);
    expect(await ids('assignee=unassigned')).toEqual([nobody.id]);
    expect(await ids('assignee=all')).toEqual([nobody.id, theirs.id, mine.id]);
    expect(await ids('channel=chat')).toEqual([mine.id]);
    expect(await ids('channel=email')).toEqual([nobody.id, theirs.id]);
    expect(await ids('status=waiting')).toEqual([theirs.id]);
    expect(await ids('status=new')).toEqual([nobody.id]);
    expect(await ids('due=soon')).toEqual([theirs.id]);
    expect(await ids('due=breached')).toEqual([nobody.id]);
    expect(await ids('status=closed')).toEqual([closedLate.id, closedEarly.id]);
    expect(await ids('status=closed&assignee=mine')).toEqual([closedEarly.id]);
    expect(await ids('due=soon&assignee=unassigned')).toEqual([]);
  });

  it('refuses what is not a filter', async () => {
    for (const query of ['channel=fax', 'status=gone', 'assignee=boss', 'due=later', 'limit=0', 'limit=201', `q=${'x'.repeat(201)}`, 'cursor=bm9wZQ', 'sort=id']) {
      const response = await balie.request(`/api/conversations?${query}`, { cookie });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });
});

describe('cursor paging', () => {
  it('neither skips nor repeats, also when other conversations change between pages', async () => {
    const seeded: number[] = [];
    for (let index = 0; index < 23; index += 1) {
      const kind = index % 3;
      const conversation = await seedConversation(db.pool, {
        // Ties on purpose: several share a due time, so the id decides.
        milestones: kind === 0 ? [{ dueAt: new Date('2030-01-01T12:00:00Z') }] : kind === 1 ? [{ dueAt: hoursFromNow(-index), state: 'breached' }] : [],
        messages: kind === 2 ? [{ direction: 'in', text: `Vraag ${index}`, at: hoursFromNow(-index) }] : [],
      });
      seeded.push(conversation.id);
    }
    const expected = await ids('limit=200');
    expect([...expected].sort((a, b) => a - b)).toEqual([...seeded].sort((a, b) => a - b));

    const seen: number[] = [];
    let page = await list('limit=5');
    seen.push(...page.items.map((item) => item.id));
    // Meanwhile: a new breached conversation (sorts before the cursor), one already seen closed,
    // and a new conversation that sorts last.
    await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(-100), state: 'breached' }] });
    await db.pool.query(`UPDATE conversations SET status = 'closed', closed_at = now() WHERE id = $1`, [seen[0]]);
    const newest = await seedConversation(db.pool);
    while (page.nextCursor) {
      page = await list(`limit=5&cursor=${page.nextCursor}`);
      seen.push(...page.items.map((item) => item.id));
    }
    expect(seen).toEqual([...expected, newest.id]);
  });

  it('a cursor of the closed list is no cursor for open work', async () => {
    for (let index = 0; index < 3; index += 1) await seedConversation(db.pool, { status: 'closed' });
    const closed = await list('status=closed&limit=2');
    expect(closed.nextCursor).not.toBeNull();
    const rest = await list(`status=closed&limit=2&cursor=${closed.nextCursor}`);
    expect(rest.items).toHaveLength(1);
    const response = await balie.request(`/api/conversations?cursor=${closed.nextCursor}`, { cookie });
    expect(response.status).toBe(400);
  });
});

describe('search', () => {
  it('finds by reference (whole or part), name, e-mail address, and Dutch words in subject and messages', async () => {
    const permit = await seedConversation(db.pool, { subject: 'Aanvraag parkeervergunning', contact: { name: 'Jan de Vries', email: 'jan.devries@example.nl' } });
    const bins = await seedConversation(db.pool, { subject: 'Vraag', contact: { name: 'Ayşe Yılmaz', email: 'ayse@voorbeeld.nl' }, messages: [{ direction: 'in', text: 'De containers in onze straat worden niet geleegd.' }] });
    const other = await seedConversation(db.pool, { subject: 'Paspoort', contact: { name: 'Piet', email: 'piet@example.nl' } });
    const closedMatch = await seedConversation(db.pool, { status: 'closed', subject: 'Oude aanvraag' });

    const search = (q: string, extra = '') => ids(`q=${encodeURIComponent(q)}${extra}`);
    expect(await search('aanvragen')).toEqual([permit.id, closedMatch.id]); // Dutch stemming: aanvragen → aanvraag; closed after open
    expect(await search('container')).toEqual([bins.id]); // in a message, stemmed
    expect(await search(permit.reference)).toEqual([permit.id]);
    expect(await search(bins.reference.slice(-6))).toEqual([bins.id]);
    expect(await search('de vries')).toEqual([permit.id]);
    expect(await search('JAN.DEVRIES@')).toEqual([permit.id]);
    expect(await search('voorbeeld.nl')).toEqual([bins.id]);
    expect(await search('aanvraag', '&status=closed')).toEqual([closedMatch.id]);
    expect(await search('50%_')).toEqual([]);
    expect(await search('paspoort', '&channel=chat')).toEqual([]);
    expect(await search('paspoort')).toEqual([other.id]);
  });

  it('keeps taking messages when a conversation’s search document is full (a tsvector may not exceed 1 MB)', async () => {
    const { id } = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Mijn fietsenstalling is gestolen' }] });
    const words = (seed: number) => Array.from({ length: 2500 }, (_, index) => `woord${seed}x${index}`).join(' ');
    for (let index = 0; index < 40; index += 1) {
      await db.pool.query(`INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'in', 'message', $2)`, [id, words(index)]);
    }
    expect(await ids('q=fietsenstalling')).toEqual([id]);
  });

  it('does not search internal system lines', async () => {
    await seedConversation(db.pool, { messages: [{ direction: 'out', kind: 'system', text: 'Ontvangstbevestiging verstuurd' }] });
    expect(await ids('q=ontvangstbevestiging')).toEqual([]);
  });
});

describe('counts', () => {
  it('counts every filter over the open conversations, with channel and search applied', async () => {
    await seedConversation(db.pool, { channel: 'chat', status: 'new' });
    await seedConversation(db.pool, { channel: 'chat', status: 'open', assigneeId: adminId });
    await seedConversation(db.pool, { channel: 'email', status: 'new', subject: 'Aanvraag', milestones: [{ dueAt: hoursFromNow(-1), state: 'breached' }] });
    await seedConversation(db.pool, { channel: 'email', status: 'waiting', assigneeId: colleague.id, milestones: [{ dueAt: hoursFromNow(1), state: 'due_soon' }] });
    await seedConversation(db.pool, { channel: 'email', status: 'open', assigneeId: adminId, milestones: [{ dueAt: hoursFromNow(1), state: 'due_soon' }, { dueAt: hoursFromNow(-3), state: 'breached', kind: 'acknowledgement' }] });
    await seedConversation(db.pool, { channel: 'email', status: 'closed', assigneeId: adminId });

    const counts = async (query = '') => {
      const response = await balie.request(`/api/conversations/counts${query}`, { cookie });
      expect(response.status).toBe(200);
      return ((await response.json()) as { counts: Record<string, number> }).counts;
    };
    expect(await counts()).toEqual({ all: 5, mine: 2, unassigned: 2, new: 2, open: 2, waiting: 1, dueSoon: 1, breached: 2, chat: 2, email: 3, phone: 0, waitingChats: 1 });
    expect(await counts('?channel=chat')).toEqual({ all: 2, mine: 1, unassigned: 1, new: 1, open: 1, waiting: 0, dueSoon: 0, breached: 0, chat: 2, email: 0, phone: 0, waitingChats: 1 });
    expect(await counts('?q=aanvragen')).toMatchObject({ all: 1, breached: 1, email: 1 });
  });

  it('keeps the counts right through every kind of change, also after folding the deltas', async () => {
    const all = [];
    for (let index = 0; index < 30; index += 1) {
      all.push(await seedConversation(db.pool, { channel: index % 3 ? 'email' : 'chat', status: index % 4 ? 'open' : 'new', milestones: index % 2 ? [{ dueAt: hoursFromNow(24) }] : [] }));
    }
    const scanned = async () => {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS "all", count(*) FILTER (WHERE assignee_id = $1)::int AS mine, count(*) FILTER (WHERE assignee_id IS NULL)::int AS unassigned,
                count(*) FILTER (WHERE status = 'new')::int AS "new", count(*) FILTER (WHERE status = 'open')::int AS "open",
                count(*) FILTER (WHERE status = 'waiting')::int AS waiting, count(*) FILTER (WHERE next_due_state = 'due_soon')::int AS "dueSoon",
                count(*) FILTER (WHERE breached)::int AS breached, count(*) FILTER (WHERE channel = 'chat')::int AS chat,
                count(*) FILTER (WHERE channel = 'email')::int AS email, count(*) FILTER (WHERE channel = 'phone')::int AS phone, count(*) FILTER (WHERE channel = 'chat' AND status = 'new')::int AS "waitingChats"
           FROM conversations WHERE status <> 'closed'`,
        [adminId],
      );
      return rows[0];
    };
    const served = async () => ((await (await balie.request('/api/conversations/counts', { cookie })).json()) as { counts: unknown }).counts;
    for (let round = 0; round < 120; round += 1) {
      const target = all[(round * 7) % all.length]!;
      const change = round % 6;
      if (change === 0) await db.pool.query('UPDATE conversations SET assignee_id = $2 WHERE id = $1', [target.id, round % 12 ? adminId : colleague.id]);
      if (change === 1) await db.pool.query(`UPDATE conversations SET status = CASE WHEN status = 'waiting' THEN 'open' ELSE 'waiting' END WHERE id = $1`, [target.id]);
      if (change === 2) await db.pool.query(`UPDATE milestones SET state = CASE state WHEN 'open' THEN 'due_soon' WHEN 'due_soon' THEN 'breached' ELSE 'open' END WHERE conversation_id = $1`, [target.id]);
      if (change === 3) await db.pool.query(`UPDATE conversations SET status = CASE WHEN status = 'closed' THEN 'open' ELSE 'closed' END WHERE id = $1`, [target.id]);
      if (change === 4) await db.pool.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', 'Nog een vraag')`, [target.id]);
      if (change === 5 && round % 30 === 5) await db.pool.query('DELETE FROM conversations WHERE id = $1', [all.splice((round * 7) % all.length, 1)[0]!.id]);
    }
    expect(await served()).toEqual(await scanned());
    const deltas = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox_count_deltas');
    expect(deltas.rows[0]!.n).toBeGreaterThan(50);
    await foldCountDeltas(db.pool);
    expect(await served()).toEqual(await scanned());
    const folded = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox_count_deltas');
    expect(folded.rows[0]!.n).toBeLessThan(deltas.rows[0]!.n);
  });
});
