// The back office's HTTP API: teams and their members (admins manage, everyone logged in reads),
// absences, availability, and hand-offs — created by KCC agents from a conversation, worked by
// the team's members. Role backoffice reaches only these routes (server/http/auth.ts).
import { Router, type Request } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import { announceChange, isVisibleChange, type LifecycleChange } from '../conversations/apply.ts';
import type { Pool } from '../db/index.ts';
import { isoAmsterdam, loadServiceContext } from '../deadlines/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import type { DomainEvents } from '../domain-events.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, httpErrors, validate } from '../http/errors.ts';
import { inboxEvents } from '../inbox/events.ts';
import { teamAvailability } from './availability.ts';
import { FreeBusyReader, freeBusyAddress, type FreeBusyPolicy } from './freebusy.ts';
import { handoffKpis } from './kpis.ts';
import { findContacts, phoneContactSchema, registerPhoneContact } from './phone-contacts.ts';
import {
  attemptSchema,
  cancelHandoff,
  cancelSchema,
  completeHandoff,
  completeSchema,
  createHandoff,
  findHandoff,
  handoffsInHistory,
  listHandoffsFor,
  mayWork,
  misroutedSchema,
  newHandoffSchema,
  recordAttempt,
  sendBack,
  type Handoff,
  type WorkOutcome,
} from './handoffs.ts';
import {
  addAbsence,
  availabilitySettings,
  createTeam,
  currentAbsences,
  findTeam,
  listTeams,
  newTeamSchema,
  removeAbsence,
  schedulesOf,
  setFreeBusyUrl,
  setWorkingDays,
  teamPatchSchema,
  updateTeam,
} from './teams.ts';
import { handoffDue, handoffTermFor } from './terms.ts';

const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const isKcc = (req: Request) => req.agent!.role !== 'backoffice';

function teamRefusal(code: 'not_found' | 'name_taken' | 'unknown_agent'): HttpError {
  if (code === 'not_found') return httpErrors.notFound('team');
  if (code === 'name_taken') return new HttpError(409, 'team_name_taken', 'A team with this name exists.');
  return new HttpError(400, 'validation_failed', 'An agent in the request does not exist.', [{ field: 'memberIds', message: 'unknown agent' }]);
}

/** /api/teams: teams, their members and availability. */
export function teamRoutes({ pool, freeBusy }: { pool: Pool; freeBusy?: FreeBusyPolicy }): Router {
  const router = Router();
  const calendars = new FreeBusyReader(freeBusy ?? { allowHosts: [] });

  router.get('/', async (_req, res) => {
    res.json({ teams: await listTeams(pool) });
  });

  router.post('/', requireRole('admin'), async (req, res) => {
    const input = validate(newTeamSchema, req.body);
    const outcome = await createTeam(pool, input);
    if (!outcome.ok) throw teamRefusal(outcome.code);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'team.created', subjectType: 'team', subjectId: outcome.team.id, after: outcome.team });
    res.status(201).json({ team: outcome.team });
  });

  router.patch('/:id', requireRole('admin'), async (req, res) => {
    const { id } = validate(idParam, req.params);
    const patch = validate(teamPatchSchema, req.body);
    const before = await findTeam(pool, id);
    const outcome = await updateTeam(pool, id, patch);
    if (!outcome.ok) throw teamRefusal(outcome.code);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'team.updated', subjectType: 'team', subjectId: id, before, after: outcome.team });
    res.json({ team: outcome.team });
  });

  /**
   * Who in the team is available now and by when the team can act, with the due moment a hand-off
   * made now would get — what the agent sees before handing off (issue 14 §3).
   */
  router.get('/:id/availability', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const team = await findTeam(pool, id);
    if (!team) throw httpErrors.notFound('team');
    const now = new Date();
    const context = await loadServiceContext(pool);
    const at = DateTime.fromJSDate(now, { zone: ZONE });
    const [schedules, busy] = await Promise.all([schedulesOf(pool, team.members, now), calendars.busyOf(pool, team.members.map((member) => member.id), now)]);
    const availability = teamAvailability(
      schedules.map((schedule) => ({ ...schedule, busy: busy.get(schedule.agentId) ?? [] })),
      at,
      context.calendar,
    );
    const { term, source } = handoffTermFor(team.handoffTerm, context.activeNorm);
    res.json({
      teamId: team.id,
      now: at.toISO(),
      canActFrom: availability.canActFrom?.toISO() ?? null,
      dueAt: handoffDue(term, at, context.calendar).toISO(),
      term,
      termSource: source,
      members: availability.members.map((member) => ({
        id: member.agentId,
        name: member.name,
        availableNow: member.availableNow,
        absentNow: member.absentNow,
        absentUntil: member.absentUntil?.toISO() ?? null,
        busyUntil: member.busyUntil?.toISO() ?? null,
        availableFrom: member.availableFrom?.toISO() ?? null,
      })),
    });
  });
  return router;
}

/** /api/backoffice: absences, hand-offs, the contact history's hand-offs. */
export function backofficeRoutes(options: {
  pool: Pool;
  events: DomainEvents;
  from: () => { name: string | null; address: string } | undefined;
  publicUrl: string;
  /** For the reference of a phone contact (REFERENCE_PREFIX); default BAL. */
  referencePrefix?: string;
  /** Which free/busy addresses may be set (FREEBUSY_ALLOW_HOSTS); default https only. */
  freeBusy?: FreeBusyPolicy;
}): Router {
  const { pool, events } = options;
  const router = Router();

  /**
   * Announces what the lifecycle changed, as the inbox's own routes do: `conversation.closed` when
   * it closed, `conversation.updated` with the new status, outcome and milestones. When the
   * conversation itself did not change (an attempt without contact, a hand-off forwarded), a bare
   * `conversation.updated` with its status as it is: the contact history re-reads, the back office
   * reloads (server/realtime/server.ts).
   */
  function announce(handoff: Handoff, change: LifecycleChange | null): void {
    if (change) {
      announceLifecycle(events, change);
      if (isVisibleChange(change)) return;
    }
    inboxEvents(events).emit('conversation.updated', { conversationId: handoff.conversationId, reference: handoff.reference, channel: handoff.channel, status: handoff.conversationStatus, milestones: [] });
  }

  // ── Absences ─────────────────────────────────────────────────────────────
  const absenceBody = z
    .strictObject({ agentId: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(), startsAt: instant, endsAt: instant, note: z.string().trim().max(200).optional() })
    .refine((body) => body.endsAt > body.startsAt, { path: ['endsAt'], message: 'must be after startsAt' });
  const workingDaysBody = z.strictObject({
    agentId: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    workingDays: z.array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(7)])).max(7).nullable(),
  });
  /** Members mark their own absence; admins anyone's. */
  const subjectOf = (req: Request, agentId: number | undefined): number => {
    if (agentId === undefined || agentId === req.agent!.id) return req.agent!.id;
    if (req.agent!.role !== 'admin') throw httpErrors.forbidden();
    return agentId;
  };

  router.get('/absences', async (req, res) => {
    const absences = await currentAbsences(pool, new Date(), isKcc(req) ? undefined : [req.agent!.id]);
    res.json({ absences: absences.map((absence) => ({ ...absence, startsAt: isoAmsterdam(absence.startsAt), endsAt: isoAmsterdam(absence.endsAt) })) });
  });
  router.post('/absences', async (req, res) => {
    const body = validate(absenceBody, req.body);
    const agentId = subjectOf(req, body.agentId);
    const absence = await addAbsence(pool, { agentId, startsAt: body.startsAt, endsAt: body.endsAt, note: body.note ?? null, by: req.agent!.id });
    await recordAudit(pool, { agentId: req.agent!.id, action: 'absence.added', subjectType: 'agent', subjectId: agentId, details: { absenceId: absence.id } });
    res.status(201).json({ absence: { ...absence, startsAt: isoAmsterdam(absence.startsAt), endsAt: isoAmsterdam(absence.endsAt) } });
  });
  router.delete('/absences/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    if (!(await removeAbsence(pool, id, req.agent!.role === 'admin' ? null : req.agent!.id))) throw httpErrors.notFound('absence');
    await recordAudit(pool, { agentId: req.agent!.id, action: 'absence.removed', subjectType: 'absence', subjectId: id });
    res.status(204).end();
  });
  /** My own availability: absences not ended yet, working days, free/busy address and how reading it went. */
  router.get('/availability', async (req, res) => {
    const mine = await availabilitySettings(pool, req.agent!.id, new Date());
    res.json({
      ...mine,
      absences: mine.absences.map((absence) => ({ ...absence, startsAt: isoAmsterdam(absence.startsAt), endsAt: isoAmsterdam(absence.endsAt) })),
      icalCheckedAt: mine.icalCheckedAt ? isoAmsterdam(mine.icalCheckedAt) : null,
    });
  });
  /** Sets (url null: clears) a free/busy address: https, or http to a host on the allow-list. Own; admins anyone's. */
  router.put('/free-busy', async (req, res) => {
    const body = validate(z.strictObject({ agentId: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(), url: z.string().trim().max(2000).nullable() }), req.body);
    const url = body.url || null;
    const refusal = url === null ? null : freeBusyAddress(url, options.freeBusy ?? { allowHosts: [] });
    if (refusal) throw new HttpError(400, 'validation_failed', 'This free/busy address cannot be read: use https.', [{ field: 'url', message: refusal }]);
    const agentId = subjectOf(req, body.agentId);
    await setFreeBusyUrl(pool, agentId, url);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'free_busy.set', subjectType: 'agent', subjectId: agentId, details: { set: url !== null } });
    res.status(204).end();
  });
  router.put('/working-days', async (req, res) => {
    const body = validate(workingDaysBody, req.body);
    const agentId = subjectOf(req, body.agentId);
    await setWorkingDays(pool, agentId, body.workingDays);
    await recordAudit(pool, { agentId: req.agent!.id, action: 'working_days.set', subjectType: 'agent', subjectId: agentId, details: { workingDays: body.workingDays } });
    res.status(204).end();
  });

  // ── Hand-offs ────────────────────────────────────────────────────────────
  /** The KCC hands a conversation on; back-office staff send work on with "verkeerde afdeling". */
  router.post('/handoffs', requireRole('agent'), async (req, res) => {
    const input = validate(newHandoffSchema, req.body);
    const outcome = await createHandoff(pool, input, req.agent!, { from: options.from(), publicUrl: options.publicUrl });
    if (!outcome.ok) {
      switch (outcome.code) {
        case 'not_found':
          throw httpErrors.notFound('conversation');
        case 'conversation_closed':
          throw httpErrors.conversationClosed('This conversation is closed; reopen it to hand it on.');
        case 'unknown_team':
          throw new HttpError(400, 'validation_failed', 'No such team.', [{ field: 'teamId', message: 'unknown team' }]);
        case 'unknown_agent':
          throw new HttpError(400, 'validation_failed', 'No such colleague.', [{ field: 'assigneeId', message: 'unknown agent' }]);
        case 'not_a_member':
          throw new HttpError(409, 'assignee_not_in_team', 'This colleague is not in the chosen team.');
        case 'assignee_absent':
          throw new HttpError(409, 'assignee_absent', 'This colleague is away; hand it to the team instead.', undefined, { absentUntil: outcome.absentUntil });
      }
    }
    const { handoff, change } = outcome;
    announce(handoff, change);
    res.status(201).json({ handoff, mailsQueued: outcome.mails });
  });

  /** The back-office list: the agent's teams' and own open hand-offs, nearest due first (?all=1: done ones too). */
  router.get('/handoffs', async (req, res) => {
    const { all } = validate(z.strictObject({ all: z.enum(['0', '1']).optional() }), req.query);
    res.json({ handoffs: await listHandoffsFor(pool, req.agent!.id, { open: all !== '1' }) });
  });

  /** The hand-offs in the contact history of a conversation (KCC only: the back office has no inbox). */
  router.get('/history/:id', requireRole('agent'), async (req, res) => {
    const { id } = validate(idParam, req.params);
    res.json({ handoffs: await handoffsInHistory(pool, id) });
  });

  /** One hand-off, with the thread it came from: the contact history the back office needs for it. */
  router.get('/handoffs/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const handoff = await findHandoff(pool, id);
    // Another team's hand-off does not exist for a back-office user (no probing for ids).
    if (!handoff || (!isKcc(req) && !(await mayWork(pool, handoff, req.agent!.id)))) throw httpErrors.notFound('hand-off');
    const { rows: messages } = await pool.query<{ id: number; direction: string; kind: string; text: string; at: Date; author: string | null }>(
      `SELECT m.id, m.direction, m.kind, m.body_text AS text, m.created_at AS at, a.name AS author FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id
        WHERE m.conversation_id = $1 AND m.kind <> 'system' ORDER BY m.created_at, m.id LIMIT 200`,
      [handoff.conversationId],
    );
    await recordAudit(pool, { agentId: req.agent!.id, action: 'handoff.viewed', subjectType: 'handoff', subjectId: id });
    res.json({ handoff, messages: messages.map((message) => ({ ...message, at: isoAmsterdam(message.at) })) });
  });

  function answer(outcome: WorkOutcome): Handoff {
    if (outcome.ok) {
      announce(outcome.handoff, outcome.change);
      return outcome.handoff;
    }
    switch (outcome.code) {
      case 'not_found':
      case 'forbidden':
        throw httpErrors.notFound('hand-off');
      case 'not_yours':
        throw new HttpError(403, 'forbidden', 'Only the agent who made this hand-off, or a supervisor, may cancel it.');
      case 'not_open':
        throw new HttpError(409, 'handoff_not_open', 'This hand-off is already completed or sent back.');
      case 'not_a_callback':
        throw new HttpError(409, 'handoff_wrong_action', 'A callback is completed by the attempt that reached the citizen; other hand-offs are completed directly.');
      case 'unknown_team':
        throw new HttpError(400, 'validation_failed', 'No such team.', [{ field: 'teamId', message: 'unknown team' }]);
    }
  }

  // ── Phone contacts ───────────────────────────────────────────────────────
  /** Finds the caller by phone number, e-mail address or name, with their latest conversations. */
  router.get('/contacts', requireRole('agent'), async (req, res) => {
    const { q } = validate(z.strictObject({ q: z.string().trim().min(1).max(200) }), req.query);
    res.json({ contacts: await findContacts(pool, q) });
  });

  /** Registers a phone call as a conversation of channel phone: handled in first contact, or with a hand-off. */
  router.post('/phone-contacts', requireRole('agent'), async (req, res) => {
    const input = validate(phoneContactSchema, req.body);
    const outcome = await registerPhoneContact(pool, input, req.agent!, { referencePrefix: options.referencePrefix ?? 'BAL', mail: { from: options.from(), publicUrl: options.publicUrl } });
    if (!outcome.ok) {
      if (outcome.code === 'assignee_absent') throw new HttpError(409, 'assignee_absent', 'This colleague is away; hand it to the team instead.', undefined, { absentUntil: outcome.absentUntil });
      if (outcome.code === 'unknown_team' || outcome.code === 'unknown_agent' || outcome.code === 'unknown_contact' || outcome.code === 'validation_failed') {
        throw new HttpError(400, 'validation_failed', `The phone contact cannot be registered: ${outcome.code}.`, [{ field: outcome.code === 'unknown_contact' ? 'contactId' : 'handoff', message: outcome.code }]);
      }
      if (outcome.code === 'not_a_member') throw new HttpError(409, 'assignee_not_in_team', 'This colleague is not in the chosen team.');
      throw httpErrors.conflict('conversation_closed', 'The phone contact could not be closed.');
    }
    const { conversation, change, handoff } = outcome;
    events.emit('conversation.created', { conversationId: conversation.conversationId, reference: conversation.reference, channel: 'phone' });
    if (handoff) announce(handoff, change);
    else announceLifecycle(events, change);
    res.status(201).json({ conversation, handoff });
  });

  /** Per team: callbacks within term / late / never, time to first attempt, misrouted share (supervisors). */
  router.get('/figures', requireRole('supervisor'), async (req, res) => {
    const day = z.iso.date();
    const { from, to } = validate(z.strictObject({ from: day, to: day }).refine((q) => q.from < q.to, { path: ['to'], message: 'must be after from' }), req.query);
    const start = DateTime.fromISO(from, { zone: ZONE }).toJSDate();
    const end = DateTime.fromISO(to, { zone: ZONE }).toJSDate();
    res.json({ from, to, ...(await handoffKpis(pool, start, end)) });
  });

  router.post('/handoffs/:id/attempts', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const input = validate(attemptSchema, req.body);
    res.status(201).json({ handoff: answer(await recordAttempt(pool, id, input, req.agent!)) });
  });
  router.post('/handoffs/:id/complete', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { outcome } = validate(completeSchema, req.body);
    res.json({ handoff: answer(await completeHandoff(pool, id, outcome, req.agent!)) });
  });
  router.post('/handoffs/:id/misrouted', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const input = validate(misroutedSchema, req.body);
    res.json({ handoff: answer(await sendBack(pool, id, input, req.agent!)) });
  });
  /** Cancels an open hand-off: the KCC agent who made it, a supervisor or an admin, with a reason. */
  router.post('/handoffs/:id/cancel', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const { reason } = validate(cancelSchema, req.body);
    res.json({ handoff: answer(await cancelHandoff(pool, id, reason, req.agent!)) });
  });
  return router;
}

/** A lifecycle change as every route announces it: closed (when it closed), then what it changed. */
function announceLifecycle(events: DomainEvents, change: LifecycleChange): void {
  const { conversation, before } = change;
  if (conversation.status === 'closed' && before.status !== 'closed' && conversation.outcome && conversation.closedAt) {
    events.emit('conversation.closed', { conversationId: conversation.conversationId, reference: conversation.reference, channel: conversation.channel, outcome: conversation.outcome, closedAt: conversation.closedAt });
  }
  announceChange(events, change);
}
