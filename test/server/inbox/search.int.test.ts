// Searching the whole history over HTTP against a real Balie and PostgreSQL (issue 11, item 6):
// open and closed conversations (closed after open, paged across the boundary), Dutch prefixes
// and compounds through the lexicon of 0009, references read out on the phone, and both ways the
// list finds a page (collecting a rare word's matches, walking the order for a common one).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { COLLECT_BELOW, walkLength } from '../../../server/inbox/list.ts';
import { hoursFromNow, seedConversation } from './seed.ts';

interface Page {
  items: { id: number; status: string; reference: string }[];
  nextCursor: string | null;
}

let db: TestDatabase;
let balie: TestBalie;
let cookie: string;
let adminId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
  adminId = (await db.pool.query<{ id: number }>('SELECT id FROM agents WHERE email = $1', [ADMIN.email])).rows[0]!.id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE conversations, contacts CASCADE');
  await db.pool.query('SELECT search_lexemes_rebuild()');
});

async function page(query: string): Promise<Page> {
  const response = await balie.request(`/api/conversations?${query}`, { cookie });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}
const search = async (q: string, extra = '') => (await page(`q=${encodeURIComponent(q)}${extra}`)).items.map((item) => item.id);

/** Every page of a search, following the cursors. */
async function allPages(q: string, limit: number, extra = ''): Promise<number[]> {
  const seen: number[] = [];
  let current = await page(`q=${encodeURIComponent(q)}&limit=${limit}${extra}`);
  seen.push(...current.items.map((item) => item.id));
  while (current.nextCursor) {
    current = await page(`q=${encodeURIComponent(q)}&limit=${limit}${extra}&cursor=${current.nextCursor}`);
    seen.push(...current.items.map((item) => item.id));
  }
  return seen;
}

describe('the whole history', () => {
  it('finds closed conversations by reference, name, address and text — after the open ones', async () => {
    const closed = await seedConversation(db.pool, {
      status: 'closed',
      closedAt: hoursFromNow(-24 * 200),
      subject: 'Bezwaar tegen de aanslag',
      contact: { name: 'Henk Bakker', email: 'h.bakker@voorbeeld.nl' },
      messages: [{ direction: 'in', text: 'Ik ben het niet eens met de hondenbelasting.' }],
    });
    const open = await seedConversation(db.pool, { subject: 'Nog een bezwaar', contact: { name: 'Els Bakker' } });

    expect(await search(closed.reference)).toEqual([closed.id]);
    expect(await search(closed.reference.slice(-5))).toEqual([closed.id]);
    expect(await search('Henk Bakker')).toEqual([closed.id]);
    expect(await search('h.bakker@voorbeeld')).toEqual([closed.id]);
    expect(await search('hondenbelasting')).toEqual([closed.id]);
    // Both match: the open one first, whatever their ids or dates.
    expect(await search('bakker')).toEqual([open.id, closed.id]);
    expect(await search('bezwaar')).toEqual([open.id, closed.id]);
  });

  it('keeps the filters: "Gesloten" searches only the closed, a status or a due filter only open work', async () => {
    const closed = await seedConversation(db.pool, { status: 'closed', subject: 'Paspoort verlopen' });
    const waiting = await seedConversation(db.pool, { status: 'waiting', subject: 'Paspoort aanvragen', milestones: [{ dueAt: hoursFromNow(1), state: 'due_soon' }] });
    const mine = await seedConversation(db.pool, { status: 'closed', subject: 'Paspoort kwijt', assigneeId: adminId });

    expect(await search('paspoort')).toEqual([waiting.id, mine.id, closed.id]);
    expect(await search('paspoort', '&status=closed')).toEqual([mine.id, closed.id]);
    expect(await search('paspoort', '&status=waiting')).toEqual([waiting.id]);
    expect(await search('paspoort', '&due=soon')).toEqual([waiting.id]);
    expect(await search('paspoort', '&assignee=mine')).toEqual([mine.id]);
    expect(await search('paspoort', '&channel=chat')).toEqual([]);
  });

  it('pages across the boundary from open to closed without skipping or repeating', async () => {
    const open: number[] = [];
    const closed: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      open.push((await seedConversation(db.pool, { subject: `Afvalpas ${index}`, milestones: [{ dueAt: hoursFromNow(index + 1) }] })).id);
      closed.push((await seedConversation(db.pool, { status: 'closed', subject: `Afvalpas oud ${index}`, closedAt: hoursFromNow(-index - 1) })).id);
    }
    const expected = [...open, ...closed];
    // A page ending inside the open ones, one ending exactly on the last open one, one after it.
    for (const limit of [2, 5, 3, 10, 11]) expect(await allPages('afvalpas', limit), `limit ${limit}`).toEqual(expected);
    const first = await page('q=afvalpas&limit=5');
    expect(first.items.map((item) => item.status)).toEqual(['open', 'open', 'open', 'open', 'open']);
    // The closed part's cursor is refused where there is no closed part.
    const second = await page(`q=afvalpas&limit=6&cursor=${(await page('q=afvalpas&limit=6')).nextCursor}`);
    expect(second.items.map((item) => item.id)).toEqual(closed.slice(1));
    const closedCursor = (await page('q=afvalpas&limit=7')).nextCursor!;
    expect((await balie.request(`/api/conversations?limit=7&cursor=${closedCursor}`, { cookie })).status).toBe(400);
    expect((await balie.request(`/api/conversations?q=afvalpas&status=open&limit=7&cursor=${closedCursor}`, { cookie })).status).toBe(400);
  });

  it('finds a reference read out on the phone, typed with spaces', async () => {
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO conversations (reference, channel, status, closed_at, outcome) VALUES ('BAL-2025-004711', 'email', 'closed', now(), 'handled_first_contact') RETURNING id`,
    );
    expect(await search('BAL 2025 004711')).toEqual([rows[0]!.id]);
    expect(await search('2025 004711')).toEqual([rows[0]!.id]);
    expect(await search('bal-2025-004711')).toEqual([rows[0]!.id]);
  });
});

describe('Dutch words: prefixes and compounds', () => {
  it('finds a word at the start of a compound, inside it and at its end, in subjects and messages', async () => {
    const pole = await seedConversation(db.pool, { subject: 'Melding', messages: [{ direction: 'in', text: 'De lantaarnpaal voor ons huis is kapot.' }] });
    const poles = await seedConversation(db.pool, { status: 'closed', subject: 'Lantaarnpalen in de Kerkstraat' });
    const environment = await seedConversation(db.pool, { subject: 'Omgevingsvergunning voor een dakkapel' });
    const request = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Mijn vergunningaanvraag is al weken onderweg.' }] });
    const permit = await seedConversation(db.pool, { subject: 'Vergunning' });
    const bikes = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'De fietsenstalling bij het station is vol.' }] });
    const unrelated = await seedConversation(db.pool, { subject: 'Vraag over de hondenbelasting' });

    expect(await search('lantaarn')).toEqual([pole.id, poles.id]);
    expect(new Set(await search('vergunning'))).toEqual(new Set([environment.id, request.id, permit.id]));
    expect(await search('vergunningen')).toEqual(expect.arrayContaining([environment.id, request.id, permit.id]));
    // "stalling" is stemmed differently alone ("stalling") than at the end of a compound ("…stall").
    expect(await search('stalling')).toEqual([bikes.id]);
    expect(await search('paal')).toEqual([pole.id, poles.id]);
    expect(await search('straat')).toEqual([poles.id]);
    expect(await search('belasting')).toEqual([unrelated.id]);
    // Words typed together must all be there (each may be in the subject or in a message).
    expect(await search('lantaarnpaal kapot')).toEqual([pole.id]);
    expect(await search('melding kapot')).toEqual([pole.id]);
    expect(await search('lantaarnpaal station')).toEqual([]);
  });

  it('matches short words by prefix only, and stop words and too little text find nothing', async () => {
    const passport = await seedConversation(db.pool, { subject: 'Paspoort verlengen' });
    await seedConversation(db.pool, { subject: 'Afvalpas kwijt' });
    expect(await search('pas')).toEqual([passport.id]);
    expect(await search('de')).toEqual([]);
    expect(await search('x')).toEqual([]);
    expect(await search('50%_')).toEqual([]);
  });

  it('learns the words of new messages and subjects, and the rebuild finds no drift', async () => {
    const { id } = await seedConversation(db.pool, { subject: 'Vraag' });
    expect(await search('parkeren')).toEqual([]);
    await db.pool.query(`INSERT INTO messages (conversation_id, direction, body_text) VALUES ($1, 'in', 'Waar vind ik de bewonersparkeerplaats?')`, [id]);
    expect(await search('parkeerplaats')).toEqual([id]);
    await db.pool.query(`UPDATE conversations SET subject = 'Snoeiafval ophalen' WHERE id = $1`, [id]);
    expect(await search('afval')).toEqual([id]);
    const drift = await db.pool.query<{ added: string; removed: string }>('SELECT * FROM search_lexemes_rebuild()');
    expect([Number(drift.rows[0]!.added), Number(drift.rows[0]!.removed)]).toEqual([0, 0]);
    // A lost lexicon (or a database from before 0009) is rebuilt from the documents.
    await db.pool.query('DELETE FROM search_lexemes');
    expect(await search('parkeerplaats')).toEqual([]);
    const rebuilt = await db.pool.query<{ added: string }>('SELECT added FROM search_lexemes_rebuild()');
    expect(Number(rebuilt.rows[0]!.added)).toBe(3); // bewonersparkeerplaats, snoeiafval, ophalen
    expect(await search('parkeerplaats')).toEqual([id]);
  });

  it('forgets the words of erased conversations when rebuilt (AVG)', async () => {
    const { id } = await seedConversation(db.pool, { messages: [{ direction: 'in', text: 'Groeten van Wilhelmientje Zwanenburg' }] });
    await seedConversation(db.pool, { subject: 'Zwanenburgerweg afgesloten' });
    await db.pool.query('DELETE FROM conversations WHERE id = $1', [id]);
    const drift = await db.pool.query<{ removed: string }>('SELECT removed FROM search_lexemes_rebuild()');
    expect(Number(drift.rows[0]!.removed)).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ lexeme: string }>(`SELECT lexeme FROM search_lexemes WHERE lexeme LIKE '%zwanenburg%' OR lexeme LIKE 'wilhelmien%' ORDER BY 1`);
    // The erased citizen's name is gone; the street that holds it stays, it is still in a document.
    expect(rows.map((row) => row.lexeme)).toEqual([(await db.pool.query(`SELECT to_tsvector('dutch', 'Zwanenburgerweg')::text AS v`)).rows[0].v.split("'")[1]]);
    expect(await search('Wilhelmientje')).toEqual([]);
  });
});

describe('both ways to a page', () => {
  /** Open conversations in one statement; `subjectOf` is SQL over the series number n. */
  async function seedMany(count: number, subjectOf: string, status = 'open') {
    await db.pool.query(
      `INSERT INTO conversations (reference, channel, status, subject, closed_at, outcome)
       SELECT 'BAL-2024-' || lpad(($1::int * 10 + n)::text, 7, '0'), 'email', $3, ${subjectOf},
              CASE WHEN $3 = 'closed' THEN now() - n * interval '1 minute' END, CASE WHEN $3 = 'closed' THEN 'handled_first_contact' END
         FROM generate_series(1, $2) n`,
      [Math.floor(Math.random() * 1e5), count, status],
    );
    await db.pool.query('ANALYZE conversations');
  }
  /** The ids the search must give, in list order, by a plain scan of the subjects. */
  async function expected(like: string): Promise<number[]> {
    const { rows } = await db.pool.query<{ id: number }>(
      `SELECT id FROM conversations WHERE lower(subject) LIKE $1
        ORDER BY status = 'closed', CASE WHEN status <> 'closed' THEN row(sort_breach, sort_due, sort_waiting, id) END, closed_at DESC, id DESC`,
      [like],
    );
    return rows.map((row) => row.id);
  }

  it('walks the order for a common word and collects a rare one, with the same result as a plain scan', async () => {
    const size = 3 * COLLECT_BELOW + walkLength(51);
    // Every third one about the afvalpas; one rare word at the very end of the order.
    await seedMany(size, `CASE WHEN n % 3 = 0 THEN 'Vraag over de afvalpas' WHEN n = $2 THEN 'Een zeldzame zwerfkat' ELSE 'Iets anders' END`);
    // The list order is not the order on disk: the newest is due first.
    await db.pool.query(`INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state)
      SELECT id, 'answer', 'vng', 'workingDays', 2, now(), now() + (100000 - id) * interval '1 second', now() - interval '1 day', 'open' FROM conversations`);
    const common = await expected('%afvalpas%');
    expect(common.length).toBeGreaterThan(COLLECT_BELOW);
    const first = await page('q=afvalpas&limit=50');
    expect(first.items.map((item) => item.id)).toEqual(common.slice(0, 50));
    const second = await page(`q=afvalpas&limit=50&cursor=${first.nextCursor}`);
    expect(second.items.map((item) => item.id)).toEqual(common.slice(50, 100));
    expect(await search('zwerfkat')).toEqual(await expected('%zwerfkat%'));
    expect(await search('zwerfkat')).toHaveLength(1);
  });

  it('a common word whose matches are all far down the order is still found, in order', async () => {
    // The walk sees no match in its first walkLength() rows; PostgreSQL expects many (they exist).
    const size = walkLength(51) + COLLECT_BELOW * 2;
    await seedMany(size, `CASE WHEN n > ${walkLength(51) + 10} THEN 'Grofvuil ophalen' ELSE 'Iets anders' END`);
    // Due dates make the order: the matches (high n) sort last.
    await db.pool.query(`INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state)
      SELECT id, 'answer', 'vng', 'workingDays', 2, now(), now() + id * interval '1 second', now() + id * interval '1 second' - interval '4 hours', 'open' FROM conversations`);
    const want = await expected('%grofvuil%');
    expect(want.length).toBeGreaterThan(COLLECT_BELOW);
    expect(await search('grofvuil')).toEqual(want.slice(0, 50));
  });
});
