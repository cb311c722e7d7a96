// Writes conversations straight into PostgreSQL for the inbox tests: the list's sort keys are then
// computed by the migration's triggers, exactly as for conversations that arrive by mail or chat.
import type { Db } from '../../../server/db/index.ts';

export interface SeedMilestone {
  kind?: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup';
  dueAt: Date;
  state?: 'open' | 'due_soon' | 'breached' | 'met' | 'met_late';
}

export interface SeedMessage {
  direction: 'in' | 'out';
  kind?: 'message' | 'note' | 'system';
  text: string;
  at?: Date;
}

export interface SeedConversation {
  channel?: 'chat' | 'email';
  status?: 'new' | 'open' | 'waiting' | 'closed';
  subject?: string | null;
  contact?: { name?: string | null; email?: string | null; phone?: string | null } | { id: number };
  assigneeId?: number | null;
  closedAt?: Date;
  messages?: SeedMessage[];
  milestones?: SeedMilestone[];
}

let serial = 0;

/** Inserts one conversation with its contact, messages and milestones; returns its id and reference. */
export async function seedConversation(db: Db, input: SeedConversation = {}): Promise<{ id: number; reference: string; contactId: number | null }> {
  serial += 1;
  const reference = `BAL-2026-${String(700000 + serial).padStart(6, '0')}`;
  let contactId: number | null = null;
  if (input.contact && 'id' in input.contact) contactId = input.contact.id;
  else if (input.contact) {
    const { rows } = await db.query<{ id: number }>('INSERT INTO contacts (name, email, phone) VALUES ($1, $2, $3) RETURNING id', [
      input.contact.name ?? null,
      input.contact.email ?? null,
      input.contact.phone ?? null,
    ]);
    contactId = rows[0]!.id;
  }
  const status = input.status ?? 'open';
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO conversations (reference, channel, status, subject, contact_id, assignee_id, closed_at, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [reference, input.channel ?? 'email', status, input.subject ?? null, contactId, input.assigneeId ?? null,
      status === 'closed' ? (input.closedAt ?? new Date()) : null, status === 'closed' ? 'handled_first_contact' : null],
  );
  const id = rows[0]!.id;
  for (const message of input.messages ?? []) {
    await db.query(
      `INSERT INTO messages (conversation_id, direction, kind, body_text, created_at, author_contact_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, message.direction, message.kind ?? 'message', message.text, message.at ?? new Date(), message.direction === 'in' ? contactId : null],
    );
  }
  for (const milestone of input.milestones ?? []) {
    const state = milestone.state ?? 'open';
    const met = state === 'met' || state === 'met_late';
    await db.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state, met_at)
       VALUES ($1, $2, 'vng', 'workingDays', 2, $3::timestamptz - interval '2 days', $3, $3::timestamptz - interval '4 hours', $4, $5)`,
      [id, milestone.kind ?? 'answer', milestone.dueAt, state, met ? milestone.dueAt : null],
    );
  }
  return { id, reference, contactId };
}

/** Now plus (or minus) so many hours. */
export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000);
