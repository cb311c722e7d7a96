// The conversation API as the inbox uses it: the list and its counts, one conversation, and acting on it.
import type { ConversationOutcome } from '../../../server/realtime/events.ts';
import { api, query } from './http.ts';

export type { ConversationOutcome };
export type Channel = 'chat' | 'email' | 'phone';
export type ConversationStatus = 'new' | 'open' | 'waiting' | 'closed';
export type MilestoneKind = 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';
export type MilestoneState = 'open' | 'due_soon' | 'breached' | 'met' | 'met_late' | 'suspended' | 'not_applicable';
/** Why nothing needed answering (closing as no_answer_needed). */
export type NoAnswerReason = 'auto_reply' | 'spam' | 'duplicate' | 'withdrawn';
export const NO_ANSWER_REASONS: readonly NoAnswerReason[] = ['auto_reply', 'spam', 'duplicate', 'withdrawn'];

export const OUTCOMES: readonly ConversationOutcome[] = ['handled_first_contact', 'back_office', 'callback_requested', 'no_answer_needed'];

export interface Milestone {
  id: number;
  kind: MilestoneKind;
  dueAt: string;
  state: MilestoneState;
  metAt: string | null;
  endedReason?: string | null;
}

export interface Person {
  id: number;
  name: string;
}

export interface ConversationSummary {
  id: number;
  reference: string;
  channel: Channel;
  status: ConversationStatus;
  subject: string | null;
  contact: { id: number; name: string | null; email: string | null } | null;
  assignee: Person | null;
  lastMessageAt: string;
  preview: string;
  nextDue: { kind: MilestoneKind; dueAt: string; state: MilestoneState } | null;
  breached?: boolean;
  /** Set while the citizen's last message has no answer yet. */
  waitingSince?: string | null;
}

export interface ThreadMessage {
  id: number;
  direction: 'in' | 'out';
  kind: 'message' | 'note' | 'system';
  replyKind: 'reply' | 'answer' | 'interim' | 'question' | null;
  author: { type: 'agent' | 'contact'; id: number; name: string | null } | null;
  text: string;
  html: string | null;
  createdAt: string;
  email: { messageId: string; from: string | null; subject: string; stubReason: string | null; ackSkipped: string | null; quotedReference?: string | null } | null;
  delivery: { state: 'queued' | 'sending' | 'sent' | 'failed'; error: string | null } | null;
  attachments: { id: number; filename: string | null; contentType: string; size: number; inline: boolean }[];
}

export interface HistoryItem {
  id: number;
  reference: string;
  channel: Channel;
  status: ConversationStatus;
  subject: string | null;
  createdAt: string;
  closedAt: string | null;
}

export interface ConversationDetail extends Omit<ConversationSummary, 'preview' | 'nextDue'> {
  createdAt: string;
  closedAt?: string | null;
  outcome?: ConversationOutcome | 'abandoned' | null;
  csat?: { score: number; comment: string | null } | null;
  history?: HistoryItem[];
  messages: ThreadMessage[];
  milestones: Milestone[];
  /** The callback milestones open hand-offs hold (the back office works those); absent from older servers. */
  handoffCallbacks?: number[];
}

export type ReplyKind = 'reply' | 'answer' | 'interim' | 'question' | 'note';

export interface ListFilter {
  channel: '' | Channel;
  status: '' | ConversationStatus;
  assignee: 'all' | 'mine' | 'unassigned';
  due: '' | 'soon' | 'breached';
  q: string;
}

/** The server's counts per filter (server/inbox/counts.ts), one declaration for both sides. */
export type { InboxCounts as Counts } from '../../../server/inbox/counts.ts';
import type { InboxCounts as Counts } from '../../../server/inbox/counts.ts';

export interface ListPage {
  items: ConversationSummary[];
  nextCursor: string | null;
}

export function listConversations(filter: ListFilter, options: { cursor?: string | null; limit?: number } = {}): Promise<ListPage> {
  const q = filter.q.trim().slice(0, 200);
  return api<ListPage>(
    'GET',
    `/api/conversations${query({
      channel: filter.channel,
      status: filter.status,
      assignee: filter.assignee === 'all' ? undefined : filter.assignee,
      due: filter.due,
      q,
      limit: options.limit ?? 50,
      cursor: options.cursor,
    })}`,
  );
}

/** Counts per filter over the conversations that are not closed, within the channel and search. */
export async function conversationCounts(filter: Pick<ListFilter, 'channel' | 'q'>): Promise<Counts> {
  return (await api<{ counts: Counts }>('GET', `/api/conversations/counts${query({ channel: filter.channel, q: filter.q.trim().slice(0, 200) })}`)).counts;
}

export async function conversation(id: number): Promise<ConversationDetail> {
  return (await api<{ conversation: ConversationDetail }>('GET', `/api/conversations/${id}`)).conversation;
}

export function postMessage(id: number, text: string, kind: ReplyKind, term?: { unit: 'workingDays' | 'weeks'; amount: number }, attachments: number[] = []) {
  return api<{ messageId: number; queued: boolean; promise: { kind: 'complexAnswer'; dueAt: string } | null }>('POST', `/api/conversations/${id}/messages`, {
    text,
    kind,
    ...(term ? { term } : {}),
    ...(attachments.length ? { attachments } : {}),
  });
}

/** Oppakken. A lost race is an ApiError `already_claimed` whose details name the winner. */
export function claim(id: number) {
  return api<{ conversationId: number; reference: string; assignee: Person; claimed: boolean }>('POST', `/api/conversations/${id}/claim`);
}

export function assign(id: number, agentId: number | null) {
  return api<{ conversationId: number; assignee: Person | null }>('POST', `/api/conversations/${id}/assign`, { agentId });
}

export function setStatus(id: number, status: 'open' | 'waiting') {
  return api<{ conversationId: number; status: ConversationStatus }>('POST', `/api/conversations/${id}/status`, { status });
}

/** `topicId`: the topic (onderwerp) it was about; the gemeente may require one (400 topic_required). */
export function close(id: number, outcome: ConversationOutcome, reason?: NoAnswerReason, topicId?: number) {
  return api<{ conversationId: number; outcome: ConversationOutcome; closedAt: string }>('POST', `/api/conversations/${id}/close`, {
    outcome,
    ...(reason ? { reason } : {}),
    ...(topicId !== undefined ? { topicId } : {}),
  });
}

/** The answer was given by phone or at the desk at `at`: it meets the answer milestone then. */
export function answeredElsewhere(id: number, at: string, channel: 'phone' | 'desk' | 'other') {
  return api<{ conversationId: number; status: ConversationStatus }>('POST', `/api/conversations/${id}/answered-elsewhere`, { at, channel });
}

/** A call attempt for a callback request; `reached` meets the callback milestone. */
export function callbackAttempt(id: number, reached: boolean) {
  return api<{ conversationId: number }>('POST', `/api/conversations/${id}/callback-attempts`, { reached });
}

export function reopen(id: number) {
  return api<{ conversationId: number; status: 'open' }>('POST', `/api/conversations/${id}/reopen`);
}
