// Contacts: the citizens and businesses behind conversations, found again by e-mail address.
import type { Db } from '../db/index.ts';

/**
 * The contact with this e-mail address, created when new. A name is filled in when we had none,
 * never overwritten (an agent may have corrected it).
 */
export async function contactForEmail(tx: Db, address: string, name: string | null): Promise<number> {
  const email = address.toLowerCase();
  const found = await tx.query<{ id: number }>(
    `UPDATE contacts SET name = coalesce(name, $2), updated_at = now()
      WHERE id = (SELECT id FROM contacts WHERE email = $1 ORDER BY id LIMIT 1) RETURNING id`,
    [email, name],
  );
  if (found.rows[0]) return found.rows[0].id;
  const created = await tx.query<{ id: number }>('INSERT INTO contacts (email, name) VALUES ($1, $2) RETURNING id', [email, name]);
  return created.rows[0]!.id;
}

/**
 * {@link contactForEmail} in one statement (one round trip instead of two for a new address; the
 * mail ingest calls it once per mail, issue 17): the same update of the first contact with this
 * address, else the same insert.
 */
export async function contactForEmailInOneStatement(tx: Db, address: string, name: string | null): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `WITH found AS (
       UPDATE contacts SET name = coalesce(name, $2), updated_at = now()
        WHERE id = (SELECT id FROM contacts WHERE email = $1 ORDER BY id LIMIT 1) RETURNING id
     ), created AS (
       INSERT INTO contacts (email, name) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id
     )
     SELECT id FROM found UNION ALL SELECT id FROM created`,
    [address.toLowerCase(), name],
  );
  return rows[0]!.id;
}
