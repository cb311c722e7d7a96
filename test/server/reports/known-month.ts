// A known month of work (November 2026, norm VNG) with every KPI's exact value (issue 15, "Must
// show"): conversations on every channel, acknowledgements on time and late, an answer breached,
// chats picked up on time and late and abandoned, callbacks within term, late and never (through
// the back office's real hand-off and call-attempt services), ratings and repeat contacts.
// Shared: the CSV and the screen's tests build the same month and assert the same figures.
// Setup that only needs rows is SQL; the callbacks go through the real services.
import { createHandoff, newHandoffSchema, recordAttempt } from '../../../server/backoffice/handoffs.ts';
import type { Db, Pool } from '../../../server/db/index.ts';
import { addAgent } from '../../support/balie.ts';

export const KNOWN_MONTH = { from: '2026-11-01', to: '2026-12-01' } as const;

interface SeedMilestone {
  kind: 'acknowledgement' | 'answer' | 'pickup' | 'callback';
  startsAt: Date;
  dueAt: Date;
  state: 'open' | 'breached' | 'met' | 'met_late' | 'not_applicable';
  at?: Date;
  reason?: string;
  endedBy?: number | null;
}

interface SeedConversation {
  channel: 'chat' | 'email' | 'phone';
  createdAt: Date;
  closedAt?: Date;
  outcome?: 'handled_first_contact' | 'back_office' | 'callback_requested' | 'no_answer_needed' | 'abandoned';
  reason?: 'spam';
  assigneeId?: number | null;
  topicId?: number | null;
  contact?: { email?: string; phone?: string };
  csat?: { score: number; at: Date };
  milestones?: SeedMilestone[];
}

const at = (iso: string) => new Date(iso);
const plusSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
let serial = 0;

async function insertConversation(db: Db, input: SeedConversation): Promise<number> {
  serial += 1;
  let contactId: number | null = null;
  if (input.contact) {
    const { rows } = await db.query<{ id: number }>('INSERT INTO contacts (email, phone) VALUES ($1, $2) RETURNING id', [input.contact.email ?? null, input.contact.phone ?? null]);
    contactId = rows[0]!.id;
  }
  const closed = input.closedAt !== undefined;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO conversations (reference, channel, status, contact_id, assignee_id, topic_id, created_at, updated_at, last_message_at, closed_at, outcome, outcome_reason,
                                picked_up_at, csat_score, csat_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      `KPI-2026-${String(serial).padStart(6, '0')}-${process.pid}`,
      input.channel,
      closed ? 'closed' : 'open',
      contactId,
      input.assigneeId ?? null,
      input.topicId ?? null,
      input.createdAt,
      input.closedAt ?? null,
      input.outcome ?? null,
      input.reason ?? null,
      input.milestones?.find((milestone) => milestone.kind === 'pickup' && (milestone.state === 'met' || milestone.state === 'met_late'))?.at ?? null,
      input.csat?.score ?? null,
      input.csat?.at ?? null,
    ],
  );
  const id = rows[0]!.id;
  for (const milestone of input.milestones ?? []) {
    const met = milestone.state === 'met' || milestone.state === 'met_late';
    const ended = milestone.state === 'not_applicable';
    const seconds = milestone.kind === 'pickup';
    await db.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at, met_by, ended_at, ended_reason, ended_by, breached_at)
       VALUES ($1, $2, 'vng', $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        id,
        milestone.kind,
        seconds ? 'seconds' : 'workingDays',
        seconds ? 25 : 2,
        milestone.startsAt,
        milestone.dueAt,
        milestone.state,
        met ? milestone.at : null,
        met ? (milestone.kind === 'pickup' ? 'pickup' : milestone.kind === 'answer' ? 'answer' : 'reply') : null,
        ended ? milestone.at : null,
        ended ? milestone.reason : null,
        ended ? (milestone.endedBy ?? null) : null,
        milestone.state === 'breached' ? milestone.dueAt : null,
      ],
    );
  }
  return id;
}

export interface KnownMonth {
  agents: { anna: { id: number; email: string; password: string }; bram: { id: number; email: string; password: string } };
  teams: { noord: number; zuid: number; vergunningen: number };
  topics: { afval: number; paspoort: number };
}

/**
 * Builds the month in a Balie's database (its pool: the hand-offs use the real services). Agents
 * anna@ and bram@ (role agent) are created; teams Noord (Anna, Bram) and Zuid (Bram); topics
 * Afval and Paspoort; back-office team Vergunningen with the callbacks.
 */
export async function buildKnownMonth(pool: Pool): Promise<KnownMonth> {
  const anna = await addAgent(pool, 'agent', 'anna@gemeente.test');
  const bram = await addAgent(pool, 'agent', 'bram@gemeente.test');
  await pool.query(`UPDATE agents SET name = 'Anna' WHERE id = $1`, [anna.id]);
  await pool.query(`UPDATE agents SET name = 'Bram' WHERE id = $1`, [bram.id]);
  const team = async (name: string, members: number[]) => {
    const { rows } = await pool.query<{ id: number }>('INSERT INTO teams (name) VALUES ($1) RETURNING id', [name]);
    for (const member of members) await pool.query('INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2)', [rows[0]!.id, member]);
    return rows[0]!.id;
  };
  const teams = { noord: await team('Noord', [anna.id, bram.id]), zuid: await team('Zuid', [bram.id]), vergunningen: await team('Vergunningen', [anna.id]) };
  const topic = async (name: string) => (await pool.query<{ id: number }>('INSERT INTO topics (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id;
  const topics = { afval: await topic('Afval'), paspoort: await topic('Paspoort') };
  const sanne = { email: 'sanne@example.nl' };
  const kees = { phone: '+31612345678' };

  // ── E-mail ──
  // E1: acknowledged and answered on time, closed in first contact — but Sanne writes again 4 days later (E4).
  await insertConversation(pool, {
    channel: 'email', createdAt: at('2026-11-02T09:00:00+01:00'), closedAt: at('2026-11-05T12:00:00+01:00'), outcome: 'handled_first_contact',
    assigneeId: anna.id, topicId: topics.afval, contact: sanne,
    milestones: [
      { kind: 'acknowledgement', startsAt: at('2026-11-02T09:00:00+01:00'), dueAt: at('2026-11-04T17:00:00+01:00'), state: 'met', at: at('2026-11-02T10:00:00+01:00') },
      { kind: 'answer', startsAt: at('2026-11-02T09:00:00+01:00'), dueAt: at('2026-11-09T17:00:00+01:00'), state: 'met', at: at('2026-11-05T12:00:00+01:00') },
    ],
  });
  // E2: acknowledged late, answer breached, still open (the backlog).
  await insertConversation(pool, {
    channel: 'email', createdAt: at('2026-11-03T09:00:00+01:00'), assigneeId: bram.id, topicId: topics.paspoort,
    milestones: [
      { kind: 'acknowledgement', startsAt: at('2026-11-03T09:00:00+01:00'), dueAt: at('2026-11-05T17:00:00+01:00'), state: 'met_late', at: at('2026-11-06T09:00:00+01:00') },
      { kind: 'answer', startsAt: at('2026-11-03T09:00:00+01:00'), dueAt: at('2026-11-10T17:00:00+01:00'), state: 'breached' },
    ],
  });
  // E3: spam, geen antwoord nodig: its acknowledgement not applicable, ended by Anna.
  await insertConversation(pool, {
    channel: 'email', createdAt: at('2026-11-10T09:00:00+01:00'), closedAt: at('2026-11-10T09:30:00+01:00'), outcome: 'no_answer_needed', reason: 'spam', assigneeId: anna.id,
    milestones: [{ kind: 'acknowledgement', startsAt: at('2026-11-10T09:00:00+01:00'), dueAt: at('2026-11-12T17:00:00+01:00'), state: 'not_applicable', at: at('2026-11-10T09:30:00+01:00'), reason: 'spam', endedBy: anna.id }],
  });
  // E4: Sanne again, 4 days after E1 closed: a repeat contact; acknowledged on time, handled.
  await insertConversation(pool, {
    channel: 'email', createdAt: at('2026-11-09T09:00:00+01:00'), closedAt: at('2026-11-09T15:00:00+01:00'), outcome: 'handled_first_contact', assigneeId: anna.id, topicId: topics.afval, contact: sanne,
    milestones: [{ kind: 'acknowledgement', startsAt: at('2026-11-09T09:00:00+01:00'), dueAt: at('2026-11-11T17:00:00+01:00'), state: 'met', at: at('2026-11-09T15:00:00+01:00') }],
  });

  // ── Chat (VNG: pick up within 25 s) ──
  const chat = async (input: { createdAt: string; wait: number; state: 'met' | 'met_late' | 'not_applicable'; assigneeId?: number; topicId?: number; outcome: SeedConversation['outcome']; closeAfter: number; csat?: number; contact?: { phone: string } }) => {
    const queued = at(input.createdAt);
    const left = input.state === 'not_applicable';
    return insertConversation(pool, {
      channel: 'chat', createdAt: queued, closedAt: plusSeconds(queued, input.closeAfter), outcome: input.outcome, assigneeId: input.assigneeId ?? null, topicId: input.topicId ?? null,
      ...(input.contact ? { contact: input.contact } : {}),
      ...(input.csat ? { csat: { score: input.csat, at: plusSeconds(queued, input.closeAfter + 60) } } : {}),
      milestones: [{ kind: 'pickup', startsAt: queued, dueAt: plusSeconds(queued, 25), state: input.state, at: plusSeconds(queued, input.wait), ...(left ? { reason: 'abandoned', endedBy: null } : {}) }],
    });
  };
  await chat({ createdAt: '2026-11-04T10:00:00+01:00', wait: 10, state: 'met', assigneeId: anna.id, topicId: topics.afval, outcome: 'handled_first_contact', closeAfter: 600, csat: 5 }); // C1
  await chat({ createdAt: '2026-11-04T11:00:00+01:00', wait: 40, state: 'met_late', assigneeId: bram.id, topicId: topics.paspoort, outcome: 'handled_first_contact', closeAfter: 900, csat: 3 }); // C2
  await chat({ createdAt: '2026-11-12T14:00:00+01:00', wait: 60, state: 'not_applicable', outcome: 'abandoned', closeAfter: 60 }); // C3
  await chat({ createdAt: '2026-11-12T15:00:00+01:00', wait: 20, state: 'not_applicable', outcome: 'abandoned', closeAfter: 20 }); // C4
  // C5: Kees, handed to the back office; he phones the next day (P1: a repeat contact).
  await chat({ createdAt: '2026-11-18T09:00:00+01:00', wait: 20, state: 'met', assigneeId: anna.id, topicId: topics.paspoort, outcome: 'back_office', closeAfter: 1800, csat: 4, contact: kees });

  // ── Phone ──
  await insertConversation(pool, { channel: 'phone', createdAt: at('2026-11-19T10:00:00+01:00'), closedAt: at('2026-11-19T10:05:00+01:00'), outcome: 'handled_first_contact', assigneeId: bram.id, topicId: topics.afval, contact: kees }); // P1
  await insertConversation(pool, { channel: 'phone', createdAt: at('2026-11-20T10:00:00+01:00'), closedAt: at('2026-11-20T10:05:00+01:00'), outcome: 'handled_first_contact', assigneeId: anna.id }); // P2

  // ── Callbacks: three e-mail questions handed to Vergunningen on Monday 2 November, through the real services ──
  const requested = at('2026-11-02T10:00:00+01:00');
  const callback = async (index: number) => {
    const id = await insertConversation(pool, { channel: 'email', createdAt: at('2026-11-02T09:30:00+01:00'), assigneeId: anna.id, contact: { email: `terugbel${index}@example.nl` } });
    const input = newHandoffSchema.parse({ conversationId: id, teamId: teams.vergunningen, action: 'callback', question: 'Graag terugbellen', phone: '0612345678' });
    const outcome = await createHandoff(pool, input, { id: anna.id, name: 'Anna' }, { from: undefined, publicUrl: 'http://localhost' }, requested);
    if (!outcome.ok) throw new Error(`hand-off refused: ${outcome.code}`);
    return outcome.handoff.id;
  };
  const worker = { id: anna.id, name: 'Anna', role: 'agent' };
  const within = await callback(1);
  await recordAttempt(pool, within, { result: 'reached', outcome: 'Geholpen', at: at('2026-11-03T10:00:00+01:00'), note: undefined }, worker);
  const late = await callback(2);
  await recordAttempt(pool, late, { result: 'not_reached', at: at('2026-11-03T09:00:00+01:00'), note: undefined, outcome: undefined }, worker);
  await recordAttempt(pool, late, { result: 'reached', outcome: 'Geholpen', at: at('2026-11-25T09:00:00+01:00'), note: undefined }, worker);
  await callback(3); // never called back

  return { agents: { anna, bram }, teams, topics };
}

/**
 * Every KPI of the month, by hand from the rows above (GET /api/reports/kpis?period=month&at=2026-11-01).
 * Volume: e-mail E1–E4 and the three callbacks' questions (7), chats C1–C5 (5), phone P1–P2 (2).
 */
export const KNOWN_MONTH_FIGURES = {
  volume: { total: 14, chat: 5, email: 7, phone: 2 },
  // E1 and E4 on time, E2 late; E3 not applicable (spam).
  acknowledged: { metOnTime: 2, metLate: 1, breached: 0, open: 0, notApplicable: 1, percentOnTime: 66.7, target: 100, meetsTarget: false },
  // E1 on time, E2 breached; VNG sets no answer term, so no target.
  answered: { metOnTime: 1, metLate: 0, breached: 1, open: 0, notApplicable: 0, percentOnTime: 50, target: null, meetsTarget: null },
  // Closed (domain.md: ÷ all closed): E1, E4, C1, C2, P1, P2 in first contact, C5 to the back office,
  // three callback requests, E3 geen antwoord nodig, C3 and C4 abandoned = 13. E1 is undone by
  // Sanne's repeat (E4): 5 of 13.
  fcr: {
    closed: 13, closedFirstContact: 6, repeatedWithin7Days: 1, firstContactResolved: 5, percent: 38.5, target: 80, meetsTarget: false,
    outcomes: { handled_first_contact: 6, back_office: 1, callback_requested: 3, no_answer_needed: 1, abandoned: 2 },
  },
  callbacks: { total: 3, withinTerm: 1, late: 1, never: 1, open: 0, withinTermPercent: 33.3 },
  // Waits 10 s and 20 s (on time), 40 s (late); C3 and C4 left after 60 s and 20 s.
  chat: { thresholdSeconds: 25, queued: 5, pickedUpWithinTerm: 2, pickedUpLate: 1, abandoned: 2, waiting: 0, percentWithinTerm: 66.7, medianWaitSeconds: 20, abandonedMedianWaitSeconds: 40, target: 100 },
  csat: { responses: 3, mean: 4, satisfied: 2, percentSatisfied: 66.7 },
  // E4 (Sanne, after E1) and P1 (Kees's number, the day after C5 closed).
  repeats: { repeatContacts: 2, contacts: 14, percent: 14.3 },
  notApplicable: { total: 3, byReason: { spam: 1, abandoned: 2 } },
  // E2 is the only open conversation (its answer breached).
  backlog: { open: 1, breached: 1, dueSoon: 0, waitingChats: 0 },
} as const;
