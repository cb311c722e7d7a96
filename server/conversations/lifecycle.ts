// The conversation lifecycle as a pure state machine (issue 11 §1): what each event does to a
// conversation's status, outcome, assignee and milestones, for every channel. No I/O: the decisions
// are plain data that server/conversations/apply.ts carries out in one transaction. The rules are
// domain.md's "Milestones and the lifecycle"; the table test covers every (status, event) pair.
import type { Term } from '../deadlines/norms.ts';
import type { MilestoneKind } from '../deadlines/schedule.ts';

/** `phone`: a phone contact registered by an agent (issue 14 §7); it arrives closed or handed off. */
export type Channel = 'chat' | 'email' | 'phone';
export type ConversationStatus = 'new' | 'open' | 'waiting' | 'closed';
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = ['new', 'open', 'waiting', 'closed'];

/** How an agent closed a conversation, or `abandoned`: the citizen left a chat before pickup. */
export type ConversationOutcome = 'handled_first_contact' | 'back_office' | 'callback_requested' | 'no_answer_needed' | 'abandoned';
/** The outcomes an agent may choose; `abandoned` is only ever the citizen's doing. */
export const CLOSE_OUTCOMES = ['handled_first_contact', 'back_office', 'callback_requested', 'no_answer_needed'] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];

/** Why nothing needed answering (domain.md: auto-reply, spam, duplicate, withdrawn). */
export const NO_ANSWER_REASONS = ['auto_reply', 'spam', 'duplicate', 'withdrawn'] as const;
export type NoAnswerReason = (typeof NO_ANSWER_REASONS)[number];

/** Why a milestone ended as not applicable; stored on the milestone and reported beside compliance. */
export type NotApplicableReason = NoAnswerReason | 'abandoned' | 'handed_to_back_office' | 'handed_to_callback' | 'handoff_cancelled' | 'merged';

/**
 * The kinds of reply an agent sends. E-mail: `answer` (the default), `interim` (tussenbericht),
 * `question` (vraag aan inwoner) and `reply` (reactie). In a chat every reply is a `reply`.
 */
export type ReplyKind = 'answer' | 'interim' | 'question' | 'reply';
export const EMAIL_REPLY_KINDS: readonly ReplyKind[] = ['answer', 'interim', 'question', 'reply'];

/** What met a milestone. */
export type MetBy = 'acknowledgement' | 'reply' | 'answer' | 'interim' | 'pickup' | 'callback' | 'other_channel' | 'close' | 'back_office';

/** The term a hand-off runs by (issue 14): its milestone carries it; stated when it is not the norm's. */
export interface HandoffTermEffect {
  term: Term;
  stated: boolean;
  /** The milestones of the conversation's other open hand-offs: each is that hand-off's own promise, never taken over. */
  heldByOthers?: readonly number[];
}

export interface LifecycleState {
  channel: Channel;
  status: ConversationStatus;
  outcome: ConversationOutcome | null;
  assigneeId: number | null;
  /** A chat was picked up by an agent (claim or first reply). */
  pickedUp: boolean;
}

export type LifecycleEvent =
  /** The citizen wrote: a mail, a chat message, an answer to our question. */
  | { type: 'citizen_message' }
  /** An agent sent a reply of this kind (for e-mail the mail is queued; milestones wait for delivery). */
  | { type: 'reply'; kind: ReplyKind; agentId: number }
  /** The SMTP server accepted our mail: what it meets is met now (domain.md: met only when received). */
  | { type: 'mail_delivered'; purpose: 'acknowledgement' | 'reply' | 'transcript'; replyKind: ReplyKind | null }
  /** The automatic acknowledgement was held back (loop protection, one per hour, disabled): it meets nothing. */
  | { type: 'acknowledgement_suppressed' }
  | { type: 'claim'; agentId: number }
  | { type: 'assign'; agentId: number | null }
  /** The agent sets the conversation waiting on the citizen, or back to open. */
  | { type: 'wait' }
  | { type: 'resume' }
  // agentId null: Balie closed it itself (machine-made mail that starts a conversation, issue 13.3).
  // handoff: closed by handing off (back_office, callback_requested): the hand-off's milestone takes its term.
  | { type: 'close'; outcome: CloseOutcome; reason?: NoAnswerReason; agentId: number | null; handoff?: HandoffTermEffect }
  /** An agent reopens a closed conversation (a citizen's mail reopens it as citizen_message). */
  | { type: 'reopen' }
  /** The agent records that the answer was given on another channel (phone, desk), at its time. */
  | { type: 'answered_elsewhere' }
  /** The chat's citizen ended it, or no widget was connected for 2 minutes. */
  | { type: 'citizen_left' }
  /** A call attempt was recorded; `reached`: the citizen was spoken to. */
  // milestoneId: the hand-off's own milestone (handoffs.milestone_id) — only that one is met, never
  // another hand-off's of the same kind; absent: the conversation's callback (the inbox's own attempts).
  | { type: 'callback_attempt'; reached: boolean; milestoneId?: number }
  /** The back office completed a hand-off that is not a callback (answered by e-mail, the action done). */
  | { type: 'handoff_completed'; milestoneId?: number }
  /** A hand-off was cancelled: its milestone is owed no more. */
  | { type: 'handoff_cancelled'; agentId: number; milestoneId?: number }
  /**
   * An agent merged this conversation into another about the same question (issue 16.5): it closes
   * as a duplicate (geen antwoord nodig); what it still owed was moved to the kept one or ends `merged`.
   */
  | { type: 'merged'; agentId: number };

export type LifecycleEventType = LifecycleEvent['type'];
export const LIFECYCLE_EVENT_TYPES: readonly LifecycleEventType[] = [
  'citizen_message',
  'reply',
  'mail_delivered',
  'acknowledgement_suppressed',
  'claim',
  'assign',
  'wait',
  'resume',
  'close',
  'reopen',
  'answered_elsewhere',
  'citizen_left',
  'callback_attempt',
  'handoff_completed',
  'handoff_cancelled',
  'merged',
];

/** What must happen to milestones, carried out by the apply module at the event's time. */
export type MilestoneEffect =
  /** Meet these kinds when unmet (met, or met_late when past due). */
  | { op: 'meet'; kinds: readonly MilestoneKind[]; by: MetBy; ids?: readonly number[] }
  /** The tussenbericht: opens the complex answer (the agent's term or the norm's). Meeting follows delivery. */
  | { op: 'open_complex_answer' }
  /** End unmet milestones of these kinds as not applicable. */
  | { op: 'not_applicable'; kinds: readonly MilestoneKind[]; reason: NotApplicableReason; ids?: readonly number[] }
  /** Open the norm's milestones for this channel from the event's time, beside none of the same kind. */
  | { op: 'open_norm'; set: 'email' | 'callback' }
  /** Open (or set the term of) a hand-off's milestone: `callback` for a callback, `handoff` otherwise. */
  | { op: 'open_handoff'; kind: 'callback' | 'handoff'; term: Term; stated: boolean; heldByOthers?: readonly number[] }
  /** Waiting on the citizen: keep the answer's remaining business time (where the norm says so). */
  | { op: 'suspend'; kinds: readonly MilestoneKind[] }
  /** The citizen wrote back, or the agent resumed: the answer is due the kept business time later. */
  | { op: 'resume'; kinds: readonly MilestoneKind[] };

export type RefusalCode = 'conversation_closed' | 'not_closed' | 'already_claimed' | 'channel_not_supported' | 'reason_required';

export interface Decision {
  status: ConversationStatus;
  outcome: ConversationOutcome | null;
  assigneeId: number | null;
  pickedUp: boolean;
  /** true: closed_at becomes the event's time; false: cleared; undefined: unchanged. */
  closed?: boolean;
  milestones: MilestoneEffect[];
}

export type Transition = { ok: true; decision: Decision } | { ok: false; code: RefusalCode };

const ANSWER_KINDS: readonly MilestoneKind[] = ['answer', 'complexAnswer'];
const OWN_KINDS: readonly MilestoneKind[] = ['acknowledgement', 'answer', 'complexAnswer', 'pickup'];

const refuse = (code: RefusalCode): Transition => ({ ok: false, code });

/** The conversation's next state and what happens to its milestones when `event` occurs. */
export function transition(state: LifecycleState, event: LifecycleEvent): Transition {
  const same: Decision = { status: state.status, outcome: state.outcome, assigneeId: state.assigneeId, pickedUp: state.pickedUp, milestones: [] };
  const closed = state.status === 'closed';
  const chat = state.channel === 'chat';
  const ok = (change: Partial<Decision> = {}): Transition => ({ ok: true, decision: { ...same, ...change } });

  switch (event.type) {
    case 'citizen_message': {
      if (closed) {
        // A closed chat has ended; a mail to a closed conversation reopens it (domain.md: reopening).
        if (chat) return refuse('conversation_closed');
        return ok(reopened(state));
      }
      // The citizen answered our question: the suspended answer term runs on.
      if (state.status === 'waiting') return ok({ status: 'open', milestones: [{ op: 'resume', kinds: ANSWER_KINDS }] });
      return ok();
    }

    case 'reply': {
      if (chat) {
        if (closed) return refuse('conversation_closed');
        if (event.kind !== 'reply') return refuse('channel_not_supported');
        // A chat reply reaches the citizen live (the first one is the pickup); the turn is the citizen's.
        const pickup = !state.pickedUp;
        return ok({
          status: 'waiting',
          assigneeId: state.assigneeId ?? event.agentId,
          pickedUp: true,
          milestones: pickup ? [{ op: 'meet', kinds: ['pickup'], by: 'pickup' }] : [],
        });
      }
      // A reply after closing (a late addition) goes out but changes nothing: nothing is open.
      if (closed) return ok();
      const assigneeId = state.assigneeId ?? event.agentId;
      switch (event.kind) {
        case 'answer':
          // The gemeente owes nothing more; the ball is with the citizen.
          return ok({ status: 'waiting', assigneeId });
        case 'question':
          return ok({ status: 'waiting', assigneeId, milestones: state.status === 'waiting' ? [] : [{ op: 'suspend', kinds: ANSWER_KINDS }] });
        case 'interim':
          // The gemeente still owes the substantive answer, now by the new date.
          return ok({ status: 'open', assigneeId, milestones: [...resumeIfWaiting(state), { op: 'open_complex_answer' }] });
        case 'reply':
          // Reactie: meets the acknowledgement only (at delivery); the answer is still owed.
          return ok({ status: state.status === 'new' ? 'open' : state.status, assigneeId });
      }
      return ok();
    }

    case 'mail_delivered': {
      if (event.purpose === 'transcript') return ok();
      if (event.purpose === 'acknowledgement') return ok({ milestones: [{ op: 'meet', kinds: ['acknowledgement'], by: 'acknowledgement' }] });
      switch (event.replyKind) {
        case 'answer':
          return ok({ milestones: [{ op: 'meet', kinds: ['acknowledgement', 'answer', 'complexAnswer'], by: 'answer' }] });
        case 'interim':
          // Where the norm allows a tussenbericht it meets the first answer term (apply checks the norm).
          return ok({ milestones: [{ op: 'meet', kinds: ['acknowledgement'], by: 'reply' }, { op: 'meet', kinds: ['answer'], by: 'interim' }] });
        default:
          return ok({ milestones: [{ op: 'meet', kinds: ['acknowledgement'], by: 'reply' }] });
      }
    }

    case 'acknowledgement_suppressed':
      // Met only when received: the agent sees that the acknowledgement is still owed.
      return ok();

    case 'claim': {
      if (closed) return refuse('conversation_closed');
      if (state.assigneeId !== null && state.assigneeId !== event.agentId) return refuse('already_claimed');
      const pickup = chat && !state.pickedUp;
      return ok({
        status: state.status === 'new' ? 'open' : state.status,
        assigneeId: event.agentId,
        pickedUp: chat ? true : state.pickedUp,
        milestones: pickup ? [{ op: 'meet', kinds: ['pickup'], by: 'pickup' }] : [],
      });
    }

    case 'assign':
      if (closed) return refuse('conversation_closed');
      // Handing over is not a pickup: the chat is picked up when its new agent answers.
      return ok({ assigneeId: event.agentId });

    case 'wait':
      if (closed) return refuse('conversation_closed');
      if (state.status === 'waiting') return ok();
      return ok({ status: 'waiting', milestones: [{ op: 'suspend', kinds: ANSWER_KINDS }] });

    case 'resume':
      if (closed) return refuse('conversation_closed');
      if (state.status === 'waiting') return ok({ status: 'open', milestones: [{ op: 'resume', kinds: ANSWER_KINDS }] });
      return ok({ status: 'open' });

    case 'close': {
      if (closed) return refuse('conversation_closed');
      if (event.outcome === 'no_answer_needed' && !event.reason) return refuse('reason_required');
      const base = { status: 'closed' as const, outcome: event.outcome, closed: true, assigneeId: state.assigneeId ?? event.agentId };
      // Closing never leaves the conversation's own milestones open (domain.md: closing).
      const resume = resumeIfWaiting(state);
      switch (event.outcome) {
        case 'handled_first_contact':
          return ok({ ...base, milestones: [...resume, { op: 'meet', kinds: OWN_KINDS, by: 'close' }] });
        case 'no_answer_needed':
          return ok({ ...base, milestones: [{ op: 'not_applicable', kinds: OWN_KINDS, reason: event.reason! }] });
        case 'back_office':
          // A hand-off's own milestone carries the obligation now, with the hand-off's term.
          return ok({
            ...base,
            milestones: [
              { op: 'not_applicable', kinds: OWN_KINDS, reason: 'handed_to_back_office' },
              ...(event.handoff ? [{ op: 'open_handoff' as const, kind: 'handoff' as const, ...event.handoff }] : []),
            ],
          });
        case 'callback_requested':
          // The callback milestone carries the obligation now, with the hand-off's term or the norm's callback term.
          return ok({
            ...base,
            milestones: [
              { op: 'not_applicable', kinds: OWN_KINDS, reason: 'handed_to_callback' },
              event.handoff ? { op: 'open_handoff', kind: 'callback', ...event.handoff } : { op: 'open_norm', set: 'callback' },
            ],
          });
      }
      return ok();
    }

    case 'reopen':
      if (!closed) return refuse('not_closed');
      return ok(reopened(state));

    case 'answered_elsewhere':
      if (closed) return refuse('conversation_closed');
      if (chat) return refuse('channel_not_supported');
      return ok({
        status: state.status === 'new' ? 'open' : state.status,
        milestones: [...resumeIfWaiting(state), { op: 'meet', kinds: ['acknowledgement', 'answer', 'complexAnswer'], by: 'other_channel' }],
      });

    case 'citizen_left':
      // Left before pickup: the chat leaves the queue as abandoned, its pickup not applicable.
      if (!chat || closed || state.pickedUp) return ok();
      return ok({ status: 'closed', outcome: 'abandoned', closed: true, milestones: [{ op: 'not_applicable', kinds: ['pickup'], reason: 'abandoned' }] });

    case 'callback_attempt':
      // Attempts without contact are recorded but meet nothing (domain.md: callbacks).
      return ok({ milestones: event.reached ? [{ op: 'meet', kinds: ['callback'], by: 'callback', ...only(event.milestoneId) }] : [] });

    case 'handoff_completed':
      return ok({ milestones: [{ op: 'meet', kinds: ['handoff'], by: 'back_office', ...only(event.milestoneId) }] });

    case 'handoff_cancelled':
      // Whatever the conversation's status: the hand-off's promise is withdrawn, not broken.
      return ok({ milestones: [{ op: 'not_applicable', kinds: ['callback', 'handoff'], reason: 'handoff_cancelled', ...only(event.milestoneId) }] });

    case 'merged':
      // A closed conversation's history is finished; reopen it first, then merge (docs/lifecycle.md).
      if (closed) return refuse('conversation_closed');
      // The merge moved the milestones first; whatever is left unmet is owed by the kept one now.
      return ok({
        status: 'closed',
        outcome: 'no_answer_needed',
        closed: true,
        assigneeId: state.assigneeId ?? event.agentId,
        milestones: [{ op: 'not_applicable', kinds: [...OWN_KINDS, 'callback', 'handoff'], reason: 'merged' }],
      });
  }
}

/** Reopening clears the outcome and opens the norm's milestones from the moment of reopening. */
function reopened(state: LifecycleState): Partial<Decision> {
  return {
    status: 'open',
    outcome: null,
    closed: false,
    // A chat's pickup belongs to its queueing; a reopened chat is the agent's own doing.
    milestones: state.channel === 'email' ? [{ op: 'open_norm', set: 'email' }] : [],
  };
}

function resumeIfWaiting(state: LifecycleState): MilestoneEffect[] {
  return state.status === 'waiting' ? [{ op: 'resume', kinds: ANSWER_KINDS }] : [];
}

/** A hand-off's event touches its own milestone only (a conversation may hold one per hand-off). */
function only(milestoneId: number | undefined): { ids?: readonly number[] } {
  return milestoneId === undefined ? {} : { ids: [milestoneId] };
}
