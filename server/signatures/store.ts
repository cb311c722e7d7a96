// Signatures in PostgreSQL: one per team and the mailbox's own (team_id NULL), and which one an
// agent's mail carries.
import type { Db } from '../db/index.ts';
import { renderSignature } from './render.ts';

export interface Signature {
  /** null: the mailbox's signature, for agents whose teams have none. */
  teamId: number | null;
  teamName: string | null;
  body: string;
  updatedAt: string;
}

export async function listSignatures(db: Db): Promise<Signature[]> {
  const { rows } = await db.query<Signature>(
    `SELECT s.team_id::int AS "teamId", t.name AS "teamName", s.body, s.updated_at AS "updatedAt"
       FROM signatures s LEFT JOIN teams t ON t.id = s.team_id
      ORDER BY s.team_id NULLS FIRST`,
  );
  return rows.map((row) => ({ ...row, updatedAt: new Date(row.updatedAt).toISOString() }));
}

/** The body as it was (for the audit), locked for the change; undefined when there is none. */
export async function lockedSignature(tx: Db, teamId: number | null): Promise<string | undefined> {
  const { rows } = await tx.query<{ body: string }>('SELECT body FROM signatures WHERE team_id IS NOT DISTINCT FROM $1 FOR UPDATE', [teamId]);
  return rows[0]?.body;
}

/** Sets a signature; 'no_team' when the team does not exist. */
export async function saveSignature(tx: Db, teamId: number | null, body: string, agentId: number): Promise<'ok' | 'no_team'> {
  if (teamId !== null) {
    const team = await tx.query('SELECT 1 FROM teams WHERE id = $1', [teamId]);
    if (team.rowCount === 0) return 'no_team';
  }
  // Two statements rather than ON CONFLICT: the mailbox's row is unique by a partial index.
  const updated = await tx.query('UPDATE signatures SET body = $2, updated_by = $3, updated_at = now() WHERE team_id IS NOT DISTINCT FROM $1', [teamId, body, agentId]);
  if ((updated.rowCount ?? 0) === 0) await tx.query('INSERT INTO signatures (team_id, body, updated_by) VALUES ($1, $2, $3)', [teamId, body, agentId]);
  return 'ok';
}

export async function deleteSignature(tx: Db, teamId: number | null): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM signatures WHERE team_id IS NOT DISTINCT FROM $1', [teamId]);
  return (rowCount ?? 0) > 0;
}

/**
 * The signature under this agent's mail, filled in: the signature of the agent's first team
 * (lowest id) that has one, else the mailbox's. {team.name} is that team, else the agent's first
 * team, else `mailboxName` (the gemeente in MAIL_FROM). null when no signature is set.
 */
export async function signatureFor(db: Db, agent: { id: number; name: string }, mailboxName: string | null): Promise<string | null> {
  const { rows } = await db.query<{ body: string; teamName: string | null }>(
    `SELECT s.body, coalesce(t.name, (SELECT ft.name FROM team_members fm JOIN teams ft ON ft.id = fm.team_id
                                       WHERE fm.agent_id = $1 ORDER BY ft.id LIMIT 1)) AS "teamName"
       FROM signatures s LEFT JOIN teams t ON t.id = s.team_id
      WHERE s.team_id IS NULL OR s.team_id IN (SELECT team_id FROM team_members WHERE agent_id = $1)
      ORDER BY s.team_id NULLS LAST LIMIT 1`,
    [agent.id],
  );
  const found = rows[0];
  if (!found) return null;
  return renderSignature(found.body, { agentName: agent.name, teamName: found.teamName ?? mailboxName ?? '' }) || null;
}
