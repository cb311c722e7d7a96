// The conversation lifecycle's state machine, without I/O: every (status, event) pair on both
// channels, with what it does to status, outcome, assignee and milestones (issue 11 §1).
import { describe, expect, it } from 'vitest';
import {
  CONVERSATION_STATUSES,
  LIFECYCLE_EVENT_TYPES,
  transition,
  type Channel,
  type ConversationStatus,
  type LifecycleEvent,
  type LifecycleState,
  type MilestoneEffect,
} from '../../../server/conversations/lifecycle.ts';

const AGENT = 7;
const OTHER = 8;

/** The events under test, by a short name; variants of one type (reply kinds, outcomes) each get a row. */
const EVENTS = {
  citizen_message: { type: 'citizen_message' },
  'reply:answer': { type: 'reply', kind: 'answer', agentId: AGENT },
  'reply:interim': { type: 'reply', kind: 'interim', agentId: AGENT },
  'reply:question': { type: 'reply', kind: 'question', agentId: AGENT },
  'reply:reply': { type: 'reply', kind: 'reply', agentId: AGENT },
  'delivered:acknowledgement': { type: 'mail_delivered', purpose: 'acknowledgement', replyKind: null },
  'delivered:answer': { type: 'mail_delivered', purpose: 'reply', replyKind: 'answer' },
  'delivered:interim': { type: 'mail_delivered', purpose: 'reply', replyKind: 'interim' },
  'delivered:question': { type: 'mail_delivered', purpose: 'reply', replyKind: 'question' },
  'delivered:reply': { type: 'mail_delivered', purpose: 'reply', replyKind: 'reply' },
  'delivered:transcript': { type: 'mail_delivered', purpose: 'transcript', replyKind: null },
  acknowledgement_suppressed: { type: 'acknowledgement_suppressed' },
  claim: { type: 'claim', agentId: AGENT },
  assign: { type: 'assign', agentId: OTHER },
  wait: { type: 'wait' },
  resume: { type: 'resume' },
  'close:handled_first_contact': { type: 'close', outcome: 'handled_first_contact', agentId: AGENT },
  'close:no_answer_needed': { type: 'close', outcome: 'no_answer_needed', reason: 'auto_reply', agentId: AGENT },
  'close:no_answer_needed-no-reason': { type: 'close', outcome: 'no_answer_needed', agentId: AGENT },
  'close:back_office': { type: 'close', outcome: 'back_office', agentId: AGENT },
  'close:callback_requested': { type: 'close', outcome: 'callback_requested', agentId: AGENT },
  reopen: { type: 'reopen' },
  answered_elsewhere: { type: 'answered_elsewhere' },
  citizen_left: { type: 'citizen_left' },
  'callback:reached': { type: 'callback_attempt', reached: true },
  'callback:not_reached': { type: 'callback_attempt', reached: false },
  handoff_completed: { type: 'handoff_completed' },
  handoff_cancelled: { type: 'handoff_cancelled', agentId: AGENT },
  merged: { type: 'merged', agentId: AGENT },
} satisfies Record<string, LifecycleEvent>;
type EventName = keyof typeof EVENTS;

/** Compact: "waiting" (status), "closed/abandoned" (with outcome), "!code" (refused); effects after " | ". */
function summary(state: LifecycleState, event: LifecycleEvent): string {
  const result = transition(state, event);
  if (!result.ok) return `!${result.code}`;
  const { decision } = result;
  const head = decision.outcome && decision.status === 'closed' ? `${decision.status}/${decision.outcome}` : decision.status;
  const effects = decision.milestones.map(effect);
  return effects.length ? `${head} | ${effects.join('; ')}` : head;
}

function effect(e: MilestoneEffect): string {
  switch (e.op) {
    case 'meet':
      return `meet ${e.kinds.join(',')} by ${e.by}`;
    case 'not_applicable':
      return `n/a ${e.kinds.join(',')} (${e.reason})`;
    case 'open_norm':
      return `open ${e.set}`;
    case 'open_complex_answer':
      return 'open complexAnswer';
    case 'open_handoff':
      return `open ${e.kind} (${e.term.amount} ${e.term.unit}${e.stated ? ', stated' : ''})`;
    case 'suspend':
    case 'resume':
      return `${e.op} ${e.kinds.join(',')}`;
  }
}

const OWN = 'acknowledgement,answer,complexAnswer,pickup';
const ANSWER_MET = 'meet acknowledgement,answer,complexAnswer by answer';
const REPLY_MET = 'meet acknowledgement by reply';

// ── E-mail ──────────────────────────────────────────────────────────────────
// The outcome of a closed conversation is handled_first_contact in the "before" state.
const EMAIL: Record<ConversationStatus, Record<EventName, string>> = {
  new: {
    citizen_message: 'new',
    'reply:answer': 'waiting',
    'reply:interim': 'open | open complexAnswer',
    'reply:question': 'waiting | suspend answer,complexAnswer',
    // Issue 11: the default "Reactie" flipped the status to waiting while the answer was owed.
    'reply:reply': 'open',
    'delivered:acknowledgement': 'new | meet acknowledgement by acknowledgement',
    'delivered:answer': `new | ${ANSWER_MET}`,
    'delivered:interim': `new | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `new | ${REPLY_MET}`,
    'delivered:reply': `new | ${REPLY_MET}`,
    'delivered:transcript': 'new',
    // Issue 11: a suppressed acknowledgement read "gehaald"; it meets nothing.
    acknowledgement_suppressed: 'new',
    claim: 'open',
    assign: 'new',
    wait: 'waiting | suspend answer,complexAnswer',
    resume: 'open',
    'close:handled_first_contact': `closed/handled_first_contact | meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: 'open | meet acknowledgement,answer,complexAnswer by other_channel',
    citizen_left: 'new',
    'callback:reached': 'new | meet callback by callback',
    'callback:not_reached': 'new',
    handoff_completed: 'new | meet handoff by back_office',
    handoff_cancelled: 'new | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  open: {
    citizen_message: 'open',
    'reply:answer': 'waiting',
    'reply:interim': 'open | open complexAnswer',
    'reply:question': 'waiting | suspend answer,complexAnswer',
    'reply:reply': 'open',
    'delivered:acknowledgement': 'open | meet acknowledgement by acknowledgement',
    'delivered:answer': `open | ${ANSWER_MET}`,
    'delivered:interim': `open | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `open | ${REPLY_MET}`,
    'delivered:reply': `open | ${REPLY_MET}`,
    'delivered:transcript': 'open',
    acknowledgement_suppressed: 'open',
    claim: 'open',
    assign: 'open',
    wait: 'waiting | suspend answer,complexAnswer',
    resume: 'open',
    'close:handled_first_contact': `closed/handled_first_contact | meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: 'open | meet acknowledgement,answer,complexAnswer by other_channel',
    citizen_left: 'open',
    'callback:reached': 'open | meet callback by callback',
    'callback:not_reached': 'open',
    handoff_completed: 'open | meet handoff by back_office',
    handoff_cancelled: 'open | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  waiting: {
    // The citizen wrote back: the suspended answer term runs on with the time that was left.
    citizen_message: 'open | resume answer,complexAnswer',
    'reply:answer': 'waiting',
    'reply:interim': 'open | resume answer,complexAnswer; open complexAnswer',
    'reply:question': 'waiting',
    'reply:reply': 'waiting',
    'delivered:acknowledgement': 'waiting | meet acknowledgement by acknowledgement',
    'delivered:answer': `waiting | ${ANSWER_MET}`,
    'delivered:interim': `waiting | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `waiting | ${REPLY_MET}`,
    'delivered:reply': `waiting | ${REPLY_MET}`,
    'delivered:transcript': 'waiting',
    acknowledgement_suppressed: 'waiting',
    claim: 'waiting',
    assign: 'waiting',
    wait: 'waiting',
    resume: 'open | resume answer,complexAnswer',
    'close:handled_first_contact': `closed/handled_first_contact | resume answer,complexAnswer; meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: 'waiting | resume answer,complexAnswer; meet acknowledgement,answer,complexAnswer by other_channel',
    citizen_left: 'waiting',
    'callback:reached': 'waiting | meet callback by callback',
    'callback:not_reached': 'waiting',
    handoff_completed: 'waiting | meet handoff by back_office',
    handoff_cancelled: 'waiting | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  closed: {
    // Issue 11: a citizen's mail reopened but kept the old outcome; it clears it and opens the norm anew.
    citizen_message: 'open | open email',
    // Issue 11: a reply to a closed conversation left status waiting with closedAt set; it stays closed.
    'reply:answer': 'closed/handled_first_contact',
    'reply:interim': 'closed/handled_first_contact',
    'reply:question': 'closed/handled_first_contact',
    'reply:reply': 'closed/handled_first_contact',
    'delivered:acknowledgement': 'closed/handled_first_contact | meet acknowledgement by acknowledgement',
    'delivered:answer': `closed/handled_first_contact | ${ANSWER_MET}`,
    'delivered:interim': `closed/handled_first_contact | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `closed/handled_first_contact | ${REPLY_MET}`,
    'delivered:reply': `closed/handled_first_contact | ${REPLY_MET}`,
    'delivered:transcript': 'closed/handled_first_contact',
    acknowledgement_suppressed: 'closed/handled_first_contact',
    claim: '!conversation_closed',
    assign: '!conversation_closed',
    wait: '!conversation_closed',
    resume: '!conversation_closed',
    'close:handled_first_contact': '!conversation_closed',
    'close:no_answer_needed': '!conversation_closed',
    'close:no_answer_needed-no-reason': '!conversation_closed',
    'close:back_office': '!conversation_closed',
    'close:callback_requested': '!conversation_closed',
    reopen: 'open | open email',
    answered_elsewhere: '!conversation_closed',
    citizen_left: 'closed/handled_first_contact',
    'callback:reached': 'closed/handled_first_contact | meet callback by callback',
    'callback:not_reached': 'closed/handled_first_contact',
    handoff_completed: 'closed/handled_first_contact | meet handoff by back_office',
    handoff_cancelled: 'closed/handled_first_contact | n/a callback,handoff (handoff_cancelled)',
    merged: '!conversation_closed',
  },
};

// ── Chat (queued chats are not picked up; open and waiting ones are) ───────────
const CHAT: Record<ConversationStatus, Record<EventName, string>> = {
  new: {
    citizen_message: 'new',
    'reply:answer': '!channel_not_supported',
    'reply:interim': '!channel_not_supported',
    'reply:question': '!channel_not_supported',
    'reply:reply': 'waiting | meet pickup by pickup',
    'delivered:acknowledgement': 'new | meet acknowledgement by acknowledgement',
    'delivered:answer': `new | ${ANSWER_MET}`,
    'delivered:interim': `new | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `new | ${REPLY_MET}`,
    'delivered:reply': `new | ${REPLY_MET}`,
    'delivered:transcript': 'new',
    acknowledgement_suppressed: 'new',
    claim: 'open | meet pickup by pickup',
    assign: 'new',
    wait: 'waiting | suspend answer,complexAnswer',
    resume: 'open',
    'close:handled_first_contact': `closed/handled_first_contact | meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: '!channel_not_supported',
    // Issue 11: a chat left before pickup stayed in "Chat wacht" and breached its pickup term.
    citizen_left: 'closed/abandoned | n/a pickup (abandoned)',
    'callback:reached': 'new | meet callback by callback',
    'callback:not_reached': 'new',
    handoff_completed: 'new | meet handoff by back_office',
    handoff_cancelled: 'new | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  open: {
    citizen_message: 'open',
    'reply:answer': '!channel_not_supported',
    'reply:interim': '!channel_not_supported',
    'reply:question': '!channel_not_supported',
    'reply:reply': 'waiting',
    'delivered:acknowledgement': 'open | meet acknowledgement by acknowledgement',
    'delivered:answer': `open | ${ANSWER_MET}`,
    'delivered:interim': `open | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `open | ${REPLY_MET}`,
    'delivered:reply': `open | ${REPLY_MET}`,
    'delivered:transcript': 'open',
    acknowledgement_suppressed: 'open',
    claim: 'open',
    assign: 'open',
    wait: 'waiting | suspend answer,complexAnswer',
    resume: 'open',
    'close:handled_first_contact': `closed/handled_first_contact | meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: '!channel_not_supported',
    // After pickup the agent closes the chat with an outcome.
    citizen_left: 'open',
    'callback:reached': 'open | meet callback by callback',
    'callback:not_reached': 'open',
    handoff_completed: 'open | meet handoff by back_office',
    handoff_cancelled: 'open | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  waiting: {
    citizen_message: 'open | resume answer,complexAnswer',
    'reply:answer': '!channel_not_supported',
    'reply:interim': '!channel_not_supported',
    'reply:question': '!channel_not_supported',
    'reply:reply': 'waiting',
    'delivered:acknowledgement': 'waiting | meet acknowledgement by acknowledgement',
    'delivered:answer': `waiting | ${ANSWER_MET}`,
    'delivered:interim': `waiting | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `waiting | ${REPLY_MET}`,
    'delivered:reply': `waiting | ${REPLY_MET}`,
    'delivered:transcript': 'waiting',
    acknowledgement_suppressed: 'waiting',
    claim: 'waiting',
    assign: 'waiting',
    wait: 'waiting',
    resume: 'open | resume answer,complexAnswer',
    'close:handled_first_contact': `closed/handled_first_contact | resume answer,complexAnswer; meet ${OWN} by close`,
    'close:no_answer_needed': `closed/no_answer_needed | n/a ${OWN} (auto_reply)`,
    'close:no_answer_needed-no-reason': '!reason_required',
    'close:back_office': `closed/back_office | n/a ${OWN} (handed_to_back_office)`,
    'close:callback_requested': `closed/callback_requested | n/a ${OWN} (handed_to_callback); open callback`,
    reopen: '!not_closed',
    answered_elsewhere: '!channel_not_supported',
    citizen_left: 'waiting',
    'callback:reached': 'waiting | meet callback by callback',
    'callback:not_reached': 'waiting',
    handoff_completed: 'waiting | meet handoff by back_office',
    handoff_cancelled: 'waiting | n/a callback,handoff (handoff_cancelled)',
    merged: `closed/no_answer_needed | n/a ${OWN},callback,handoff (merged)`,
  },
  closed: {
    citizen_message: '!conversation_closed',
    'reply:answer': '!conversation_closed',
    'reply:interim': '!conversation_closed',
    'reply:question': '!conversation_closed',
    'reply:reply': '!conversation_closed',
    'delivered:acknowledgement': 'closed/handled_first_contact | meet acknowledgement by acknowledgement',
    'delivered:answer': `closed/handled_first_contact | ${ANSWER_MET}`,
    'delivered:interim': `closed/handled_first_contact | ${REPLY_MET}; meet answer by interim`,
    'delivered:question': `closed/handled_first_contact | ${REPLY_MET}`,
    'delivered:reply': `closed/handled_first_contact | ${REPLY_MET}`,
    'delivered:transcript': 'closed/handled_first_contact',
    acknowledgement_suppressed: 'closed/handled_first_contact',
    claim: '!conversation_closed',
    assign: '!conversation_closed',
    wait: '!conversation_closed',
    resume: '!conversation_closed',
    'close:handled_first_contact': '!conversation_closed',
    'close:no_answer_needed': '!conversation_closed',
    'close:no_answer_needed-no-reason': '!conversation_closed',
    'close:back_office': '!conversation_closed',
    'close:callback_requested': '!conversation_closed',
    // An agent reopening a chat opens no pickup: nobody is queued.
    reopen: 'open',
    answered_elsewhere: '!conversation_closed',
    citizen_left: 'closed/handled_first_contact',
    'callback:reached': 'closed/handled_first_contact | meet callback by callback',
    'callback:not_reached': 'closed/handled_first_contact',
    handoff_completed: 'closed/handled_first_contact | meet handoff by back_office',
    handoff_cancelled: 'closed/handled_first_contact | n/a callback,handoff (handoff_cancelled)',
    merged: '!conversation_closed',
  },
};

function stateOf(channel: Channel, status: ConversationStatus): LifecycleState {
  return {
    channel,
    status,
    outcome: status === 'closed' ? 'handled_first_contact' : null,
    assigneeId: status === 'new' ? null : AGENT,
    pickedUp: channel === 'chat' && status !== 'new',
  };
}

describe('the conversation lifecycle', () => {
  it('covers every event type in the table', () => {
    const covered = new Set(Object.values(EVENTS).map((event) => event.type));
    expect([...covered].sort()).toEqual([...LIFECYCLE_EVENT_TYPES].sort());
  });

  for (const [channel, table] of [['email', EMAIL], ['chat', CHAT]] as const) {
    describe(channel, () => {
      for (const status of CONVERSATION_STATUSES) {
        it.each(Object.keys(EVENTS) as EventName[])(`${status} + %s`, (name) => {
          expect(summary(stateOf(channel, status), EVENTS[name])).toBe(table[status][name]);
        });
      }
    });
  }

  it('reopening clears the outcome and closed time; closing sets them', () => {
    const reopened = transition(stateOf('email', 'closed'), { type: 'citizen_message' });
    expect(reopened).toMatchObject({ ok: true, decision: { status: 'open', outcome: null, closed: false } });
    const closed = transition(stateOf('email', 'open'), { type: 'close', outcome: 'back_office', agentId: AGENT });
    expect(closed).toMatchObject({ ok: true, decision: { status: 'closed', outcome: 'back_office', closed: true } });
  });

  it('a reply to a closed conversation leaves it closed, its closed time untouched', () => {
    const result = transition(stateOf('email', 'closed'), { type: 'reply', kind: 'question', agentId: AGENT });
    expect(result).toMatchObject({ ok: true, decision: { status: 'closed' } });
    expect(result.ok && result.decision.closed).toBeUndefined();
  });

  it('a claim takes the conversation; of another agent’s it is refused; a first reply takes it too', () => {
    expect(transition(stateOf('chat', 'new'), { type: 'claim', agentId: AGENT })).toMatchObject({ ok: true, decision: { assigneeId: AGENT, pickedUp: true } });
    expect(transition({ ...stateOf('email', 'open'), assigneeId: OTHER }, { type: 'claim', agentId: AGENT })).toEqual({ ok: false, code: 'already_claimed' });
    expect(transition(stateOf('email', 'new'), { type: 'reply', kind: 'reply', agentId: AGENT })).toMatchObject({ ok: true, decision: { assigneeId: AGENT } });
    expect(transition(stateOf('email', 'open'), { type: 'assign', agentId: null })).toMatchObject({ ok: true, decision: { assigneeId: null } });
  });

  it('closing takes the unassigned conversation for the agent who closes it', () => {
    expect(transition(stateOf('email', 'new'), { type: 'close', outcome: 'handled_first_contact', agentId: AGENT })).toMatchObject({ ok: true, decision: { assigneeId: AGENT } });
  });
});
