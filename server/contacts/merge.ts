// Merging duplicate contacts (issue 16.5): the absorbed contact's conversations and messages name
// the kept one; what the kept one lacks (name, e-mail, phone) is taken from the absorbed one; then
// the absorbed row is deleted — the audit log keeps what it held (AVG: no second copy of a person).
import { lockConversations, type Db } from '../db/index.ts';

interface ContactRow {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
}

export type ContactMergeOutcome =
  | { ok: true; kept: ContactRow; absorbed: ContactRow; conversations: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; status: 'new' | 'open' | 'waiting' | 'closed' }[] }
  | { ok: false; code: 'not_found' | 'merge_refused' };

/** Merges contact `absorbedId` into `keptId` inside the caller's transaction. */
export async function mergeContacts(tx: Db, keptId: number, absorbedId: number): Promise<ContactMergeOutcome> {
  if (keptId === absorbedId) return { ok: false, code: 'merge_refused' };
  // Conversations first, in id order, as every writer of conversations locks them (style.md).
  const named = await tx.query<{ id: number }>('SELECT id::int FROM conversations WHERE contact_id = $1 ORDER BY id', [absorbedId]);
  await lockConversations(tx, named.rows.map((row) => row.id));
  const { rows } = await tx.query<ContactRow>('SELECT id::int, name, email, phone FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [[keptId, absorbedId]]);
  const kept = rows.find((row) => row.id === keptId);
  const absorbed = rows.find((row) => row.id === absorbedId);
  if (!kept || !absorbed) return { ok: false, code: 'not_found' };
  const moved = await tx.query<{ conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; status: 'new' | 'open' | 'waiting' | 'closed' }>(
    `UPDATE conversations SET contact_id = $1, updated_at = now() WHERE contact_id = $2
     RETURNING id::int AS "conversationId", reference, channel, status`,
    [keptId, absorbedId],
  );
  await tx.query('UPDATE messages SET author_contact_id = $1 WHERE author_contact_id = $2', [keptId, absorbedId]);
  const merged = await tx.query<ContactRow>(
    `UPDATE contacts SET name = coalesce(name, $2), email = coalesce(email, $3), phone = coalesce(phone, $4), updated_at = now()
      WHERE id = $1 RETURNING id::int, name, email, phone`,
    [keptId, absorbed.name, absorbed.email, absorbed.phone],
  );
  await tx.query('DELETE FROM contacts WHERE id = $1', [absorbedId]);
  return { ok: true, kept: merged.rows[0]!, absorbed, conversations: moved.rows };
}
