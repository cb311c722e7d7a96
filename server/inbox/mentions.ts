// @mentions in internal notes (issue 16 §4): which colleagues a note names, stored as
// message_mentions (migration 0024), read back by the realtime layer to notify them alone.
import type { Db } from '../db/index.ts';

export interface Colleague {
  id: number;
  name: string;
}

const LETTER = /[\p{L}\p{N}]/u;

/**
 * The colleagues a text names as `@Full Name` (case-insensitive, not followed by a letter, so
 * "@Ann" does not name "Anna"). The longest name wins where one starts another ("@Jan de Vries").
 */
export function mentionedIn(text: string, colleagues: readonly Colleague[]): Colleague[] {
  const lower = text.toLocaleLowerCase('nl');
  const found = new Map<number, Colleague>();
  const byLength = [...colleagues].sort((a, b) => b.name.length - a.name.length);
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (at > 0 && LETTER.test(lower[at - 1]!)) continue; // an e-mail address, not a mention
    const match = byLength.find((colleague) => {
      const name = colleague.name.toLocaleLowerCase('nl');
      const next = lower[at + 1 + name.length];
      return name.length > 0 && lower.startsWith(name, at + 1) && (next === undefined || !LETTER.test(next));
    });
    if (match) found.set(match.id, match);
  }
  return [...found.values()];
}

/** Stores the note's mentions of active colleagues (never the author); returns who was named. */
export async function recordMentions(db: Db, input: { messageId: number; text: string; authorId: number }): Promise<Colleague[]> {
  if (!input.text.includes('@')) return [];
  const { rows } = await db.query<Colleague>("SELECT id::int, name FROM agents WHERE NOT disabled AND role <> 'backoffice' AND id <> $1", [input.authorId]);
  const named = mentionedIn(input.text, rows);
  if (named.length > 0) {
    await db.query('INSERT INTO message_mentions (message_id, agent_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING', [input.messageId, named.map((colleague) => colleague.id)]);
  }
  return named;
}

/** Who a stored note mentions, and the name of the colleague who wrote it. */
export async function mentionsOf(db: Db, messageId: number): Promise<{ agentIds: number[]; by: string | null }> {
  const { rows } = await db.query<{ agentId: number; by: string | null }>(
    `SELECT mm.agent_id::int AS "agentId", a.name AS by
       FROM message_mentions mm JOIN messages m ON m.id = mm.message_id LEFT JOIN agents a ON a.id = m.author_agent_id
      WHERE mm.message_id = $1`,
    [messageId],
  );
  return { agentIds: rows.map((row) => row.agentId), by: rows[0]?.by ?? null };
}
