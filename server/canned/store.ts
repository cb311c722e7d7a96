// Canned answers in PostgreSQL, and what a variable needs to know about a conversation.
import type { Db } from '../db/index.ts';
import type { CannedContext } from './render.ts';

export interface CannedAnswer {
  id: number;
  title: string;
  body: string;
  updatedAt: string;
}

const COLUMNS = `id, title, body, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"`;

export async function listCannedAnswers(db: Db): Promise<CannedAnswer[]> {
  const { rows } = await db.query<CannedAnswer>(`SELECT ${COLUMNS} FROM canned_answers ORDER BY lower(title), id`);
  return rows;
}

export async function findCannedAnswer(db: Db, id: number): Promise<CannedAnswer | undefined> {
  const { rows } = await db.query<CannedAnswer>(`SELECT ${COLUMNS} FROM canned_answers WHERE id = $1`, [id]);
  return rows[0];
}

export async function createCannedAnswer(db: Db, input: { title: string; body: string }, by: number): Promise<CannedAnswer> {
  const { rows } = await db.query<CannedAnswer>(
    `INSERT INTO canned_answers (title, body, created_by, updated_by) VALUES ($1, $2, $3, $3) RETURNING ${COLUMNS}`,
    [input.title, input.body, by],
  );
  return rows[0]!;
}

export async function updateCannedAnswer(db: Db, id: number, input: { title: string; body: string }, by: number): Promise<CannedAnswer | undefined> {
  const { rows } = await db.query<CannedAnswer>(
    `UPDATE canned_answers SET title = $2, body = $3, updated_by = $4, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, input.title, input.body, by],
  );
  return rows[0];
}

export async function deleteCannedAnswer(db: Db, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM canned_answers WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** The contact's name, the reference, and the nearest unmet answer milestone (after a tussenbericht: its new term). */
export async function cannedContext(db: Db, conversationId: number): Promise<CannedContext | undefined> {
  const { rows } = await db.query<CannedContext>(
    `SELECT ct.name, c.reference,
            (SELECT min(m.due_at) FROM milestones m WHERE m.conversation_id = c.id AND m.kind IN ('answer', 'complexAnswer')
                AND m.state IN ('open', 'due_soon', 'breached')) AS "answerDue"
       FROM conversations c LEFT JOIN contacts ct ON ct.id = c.contact_id
      WHERE c.id = $1`,
    [conversationId],
  );
  return rows[0];
}
