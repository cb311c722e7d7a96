// Teams (afdelingen) of the back office, their members and the members' absences, in PostgreSQL.
import { z } from 'zod';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import type { Term } from '../deadlines/norms.ts';
import type { IsoWeekday } from '../deadlines/business-hours.ts';
import type { MemberSchedule } from './availability.ts';

export interface TeamMember {
  id: number;
  name: string;
  role: string;
}

export interface Team {
  id: number;
  name: string;
  notificationEmail: string | null;
  coordinator: { id: number; name: string } | null;
  /** The team's own hand-off term; null: the norm's callback term. */
  handoffTerm: Term | null;
  members: TeamMember[];
}

const dayTerm = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('workingDays'), amount: z.int().min(1).max(260) }),
  z.strictObject({ unit: z.literal('weeks'), amount: z.int().min(1).max(52) }),
]);
const id = z.int().positive().max(Number.MAX_SAFE_INTEGER);

export const newTeamSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  notificationEmail: z.email().max(254).transform((value) => value.toLowerCase()).nullable().default(null),
  coordinatorId: id.nullable().default(null),
  handoffTerm: dayTerm.nullable().default(null),
  memberIds: z.array(id).max(500).default([]),
});
export const teamPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    notificationEmail: z.email().max(254).transform((value) => value.toLowerCase()).nullable(),
    coordinatorId: id.nullable(),
    handoffTerm: dayTerm.nullable(),
    memberIds: z.array(id).max(500),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one field');

export type NewTeam = z.infer<typeof newTeamSchema>;
export type TeamPatch = z.infer<typeof teamPatchSchema>;

const TEAM_QUERY = `
  SELECT t.id, t.name, t.notification_email AS "notificationEmail",
         CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('id', c.id, 'name', c.name) END AS coordinator,
         CASE WHEN t.handoff_term_unit IS NULL THEN NULL ELSE json_build_object('unit', t.handoff_term_unit, 'amount', t.handoff_term_amount) END AS "handoffTerm",
         coalesce((SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'role', a.role) ORDER BY lower(a.name), a.id)
                     FROM team_members m JOIN agents a ON a.id = m.agent_id WHERE m.team_id = t.id AND NOT a.disabled), '[]') AS members
    FROM teams t LEFT JOIN agents c ON c.id = t.coordinator_id`;

export async function listTeams(db: Db): Promise<Team[]> {
  return (await db.query<Team>(`${TEAM_QUERY} ORDER BY lower(t.name), t.id`)).rows;
}

export async function findTeam(db: Db, teamId: number): Promise<Team | undefined> {
  return (await db.query<Team>(`${TEAM_QUERY} WHERE t.id = $1`, [teamId])).rows[0];
}

/** The teams an agent belongs to. */
export async function teamIdsOf(db: Db, agentId: number): Promise<number[]> {
  const { rows } = await db.query<{ teamId: number }>('SELECT team_id::int AS "teamId" FROM team_members WHERE agent_id = $1', [agentId]);
  return rows.map((row) => row.teamId);
}

export type TeamWriteOutcome = { ok: true; team: Team } | { ok: false; code: 'not_found' | 'name_taken' | 'unknown_agent' };

async function unknownAgents(tx: Db, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const { rows } = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM agents WHERE id = ANY($1::bigint[])', [[...new Set(ids)]]);
  return rows[0]!.count !== new Set(ids).size;
}

export async function createTeam(pool: Pool, input: NewTeam): Promise<TeamWriteOutcome> {
  return inTransaction(pool, async (tx): Promise<TeamWriteOutcome> => {
    if (await unknownAgents(tx, [...input.memberIds, ...(input.coordinatorId ? [input.coordinatorId] : [])])) return { ok: false, code: 'unknown_agent' };
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO teams (name, notification_email, coordinator_id, handoff_term_unit, handoff_term_amount)
       SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM teams WHERE lower(name) = lower($1)) RETURNING id`,
      [input.name, input.notificationEmail, input.coordinatorId, input.handoffTerm?.unit ?? null, input.handoffTerm?.amount ?? null],
    );
    if (!rows[0]) return { ok: false, code: 'name_taken' };
    await setMembers(tx, rows[0].id, input.memberIds);
    return { ok: true, team: (await findTeam(tx, rows[0].id))! };
  }).catch((error: unknown): TeamWriteOutcome => {
    // Two admins creating the same name at once: the unique index decides.
    if ((error as { code?: string }).code === '23505') return { ok: false, code: 'name_taken' };
    throw error;
  });
}

export async function updateTeam(pool: Pool, teamId: number, patch: TeamPatch): Promise<TeamWriteOutcome> {
  return inTransaction(pool, async (tx): Promise<TeamWriteOutcome> => {
    const current = await tx.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
    if (current.rowCount === 0) return { ok: false, code: 'not_found' };
    if (await unknownAgents(tx, [...(patch.memberIds ?? []), ...(patch.coordinatorId ? [patch.coordinatorId] : [])])) return { ok: false, code: 'unknown_agent' };
    if (patch.name !== undefined) {
      const taken = await tx.query('SELECT 1 FROM teams WHERE lower(name) = lower($1) AND id <> $2', [patch.name, teamId]);
      if (taken.rowCount) return { ok: false, code: 'name_taken' };
    }
    await tx.query(
      `UPDATE teams SET
         name = CASE WHEN $2 THEN $3 ELSE name END,
         notification_email = CASE WHEN $4 THEN $5 ELSE notification_email END,
         coordinator_id = CASE WHEN $6 THEN $7::bigint ELSE coordinator_id END,
         handoff_term_unit = CASE WHEN $8 THEN $9 ELSE handoff_term_unit END,
         handoff_term_amount = CASE WHEN $8 THEN $10::int ELSE handoff_term_amount END,
         updated_at = now()
       WHERE id = $1`,
      [
        teamId,
        patch.name !== undefined,
        patch.name ?? null,
        patch.notificationEmail !== undefined,
        patch.notificationEmail ?? null,
        patch.coordinatorId !== undefined,
        patch.coordinatorId ?? null,
        patch.handoffTerm !== undefined,
        patch.handoffTerm?.unit ?? null,
        patch.handoffTerm?.amount ?? null,
      ],
    );
    if (patch.memberIds) await setMembers(tx, teamId, patch.memberIds);
    return { ok: true, team: (await findTeam(tx, teamId))! };
  });
}

async function setMembers(tx: Db, teamId: number, memberIds: readonly number[]): Promise<void> {
  await tx.query('DELETE FROM team_members WHERE team_id = $1 AND NOT (agent_id = ANY($2::bigint[]))', [teamId, [...memberIds]]);
  await tx.query('INSERT INTO team_members (team_id, agent_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING', [teamId, [...new Set(memberIds)]]);
}

// ── Absences and working days ──────────────────────────────────────────────

export interface AbsenceRow {
  id: number;
  agentId: number;
  startsAt: Date;
  endsAt: Date;
  note: string | null;
}

export async function addAbsence(db: Db, input: { agentId: number; startsAt: Date; endsAt: Date; note: string | null; by: number }): Promise<AbsenceRow> {
  const { rows } = await db.query<AbsenceRow>(
    `INSERT INTO agent_absences (agent_id, starts_at, ends_at, note, created_by) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, agent_id AS "agentId", starts_at AS "startsAt", ends_at AS "endsAt", note`,
    [input.agentId, input.startsAt, input.endsAt, input.note, input.by],
  );
  return rows[0]!;
}

/** Absences that have not ended by `now`, of these agents (all when omitted). */
export async function currentAbsences(db: Db, now: Date, agentIds?: readonly number[]): Promise<AbsenceRow[]> {
  const { rows } = await db.query<AbsenceRow>(
    `SELECT id, agent_id AS "agentId", starts_at AS "startsAt", ends_at AS "endsAt", note FROM agent_absences
      WHERE ends_at > $1 AND ($2::bigint[] IS NULL OR agent_id = ANY($2::bigint[])) ORDER BY starts_at, id`,
    [now, agentIds ? [...agentIds] : null],
  );
  return rows;
}

/** Removes an absence; only its agent or an admin (checked by the caller through `agentId`). */
export async function removeAbsence(db: Db, absenceId: number, agentId: number | null): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM agent_absences WHERE id = $1 AND ($2::bigint IS NULL OR agent_id = $2)', [absenceId, agentId]);
  return (rowCount ?? 0) > 0;
}

export async function setWorkingDays(db: Db, agentId: number, workingDays: readonly IsoWeekday[] | null): Promise<void> {
  await db.query(
    `INSERT INTO agent_availability (agent_id, working_days) VALUES ($1, $2::smallint[])
     ON CONFLICT (agent_id) DO UPDATE SET working_days = EXCLUDED.working_days, updated_at = now()`,
    [agentId, workingDays ? [...workingDays] : null],
  );
}

/** Sets (or with null clears) an agent's iCalendar free/busy address; it is read afresh. */
export async function setFreeBusyUrl(db: Db, agentId: number, url: string | null): Promise<void> {
  await db.query(
    `INSERT INTO agent_availability (agent_id, ical_url) VALUES ($1, $2)
     ON CONFLICT (agent_id) DO UPDATE SET ical_url = EXCLUDED.ical_url, ical_checked_at = NULL, ical_error = NULL, updated_at = now()`,
    [agentId, url],
  );
}

/** An agent's own availability settings, for their own screen. */
export async function availabilitySettings(
  db: Db,
  agentId: number,
  now: Date,
): Promise<{ absences: AbsenceRow[]; workingDays: IsoWeekday[] | null; icalUrl: string | null; icalCheckedAt: Date | null; icalError: string | null }> {
  const [row, absences] = await Promise.all([
    db.query<{ workingDays: IsoWeekday[] | null; icalUrl: string | null; icalCheckedAt: Date | null; icalError: string | null }>(
      'SELECT working_days AS "workingDays", ical_url AS "icalUrl", ical_checked_at AS "icalCheckedAt", ical_error AS "icalError" FROM agent_availability WHERE agent_id = $1',
      [agentId],
    ),
    currentAbsences(db, now, [agentId]),
  ]);
  const settings = row.rows[0];
  return { absences, workingDays: settings?.workingDays ?? null, icalUrl: settings?.icalUrl ?? null, icalCheckedAt: settings?.icalCheckedAt ?? null, icalError: settings?.icalError ?? null };
}

/** Each agent's working days and the absences that have not ended by `now`, for availability. */
export async function schedulesOf(db: Db, agents: readonly { id: number; name: string }[], now: Date): Promise<MemberSchedule[]> {
  const ids = agents.map((agent) => agent.id);
  const [days, absences] = await Promise.all([
    db.query<{ agentId: number; workingDays: IsoWeekday[] | null }>('SELECT agent_id::int AS "agentId", working_days AS "workingDays" FROM agent_availability WHERE agent_id = ANY($1::bigint[])', [ids]),
    currentAbsences(db, now, ids),
  ]);
  return agents.map((agent) => ({
    agentId: agent.id,
    name: agent.name,
    workingDays: days.rows.find((row) => Number(row.agentId) === agent.id)?.workingDays ?? null,
    absences: absences.filter((absence) => Number(absence.agentId) === agent.id),
  }));
}
