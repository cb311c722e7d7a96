// The one typed contract for live events, per namespace. The server passes these maps as type
// parameters; widget/ and inbox/ import them with `import type` (style.md §2).
// Facts are `resource.past_tense`; commands are imperatives answered with an Ack.
import type { Role } from '../agents/agents.ts';
import type { ReportsChanged } from '../reports/kpi-types.ts';
import type { AgentNotification, ConversationsChanged } from '../inbox/live.ts';

/** Codes any command on either namespace may answer with. Clients translate codes, never messages. */
export type ErrorCodeFromServer = 'unauthorized' | 'forbidden' | 'validation_failed' | 'rate_limited' | 'not_found' | 'internal';

/**
 * Codes of the citizen's widget commands:
 * - `message_too_long`: text over MAX_CHAT_MESSAGE_CHARS;
 * - `conversation_closed`: the agent closed the chat, nothing more can be sent in it;
 * - `session_ended`: the session was ended (Gesprek beëindigen) or expired — start anew;
 * - `already_rated`: a conversation is rated once;
 * - `mail_not_configured`: this Balie has no e-mail channel, so no transcript by mail;
 * - `too_many_transcripts`: at most MAX_TRANSCRIPTS per conversation.
 */
export type WidgetErrorCode =
  | ErrorCodeFromServer
  | 'message_too_long'
  | 'conversation_closed'
  | 'session_ended'
  | 'already_rated'
  | 'mail_not_configured'
  | 'too_many_transcripts';

/** Codes of the agents' commands. */
export type AgentErrorCode = ErrorCodeFromServer | 'conversation_closed';

export type Ack<T, C extends string = ErrorCodeFromServer> = { ok: true; data: T } | { ok: false; error: { code: C } };

/** The most characters a chat message may have (issue 5 §9). */
export const MAX_CHAT_MESSAGE_CHARS = 5000;

export interface AgentIdentity {
  id: number;
  name: string;
  role: Role;
}

/** A service-norm milestone of a conversation that became due soon or was breached. */
export interface ConversationActivity {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

export interface MessageActivity extends ConversationActivity {
  messageId: number;
  direction: 'in' | 'out';
  kind: 'message' | 'note' | 'system';
}

export interface DeliveryActivity {
  conversationId: number;
  messageId: number;
  state: 'queued' | 'sending' | 'sent' | 'failed';
  /** Why the last attempt failed (the SMTP server's answer), for agents. */
  error: string | null;
}

export interface DeadlineAlert {
  conversationId: number;
  /** The reference citizens quote, e.g. BAL-2026-000123. */
  reference: string;
  milestoneId: number;
  /** pickup is the chat pickup; complexAnswer the answer due after a tussenbericht. */
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';
  normId: string;
  /** ISO 8601 with offset, Europe/Amsterdam. */
  dueAt: string;
}

/** How an agent closed a conversation; feeds the first-contact KPI (issue 6). */
export type ConversationOutcome = 'handled_first_contact' | 'back_office' | 'callback_requested' | 'no_answer_needed';

export interface AssignmentActivity extends ConversationActivity {
  /** null: released by an agent (POST /api/conversations/:id/assign with agentId null). */
  assignee: { id: number; name: string } | null;
}

/**
 * A conversation's status, outcome or milestones changed (set by an agent, reopened, a reply
 * delivered, waiting suspended the answer term …). Carries what changed, so inboxes patch: the
 * milestones listed are the ones this change opened, met, ended, suspended or resumed.
 */
export interface StatusActivity extends ConversationActivity {
  status: 'new' | 'open' | 'waiting' | 'closed';
  outcome?: ConversationOutcome | 'abandoned' | null;
  /** ISO 8601 with offset; null once reopened. */
  closedAt?: string | null;
  milestones?: MilestoneView[];
}

/** A milestone as the inbox shows it (server/deadlines/milestones.ts Milestone). */
export interface MilestoneView {
  id: number;
  conversationId: number;
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';
  normId: string;
  term: { unit: 'workingDays' | 'weeks' | 'seconds'; amount: number };
  termStated: boolean;
  startsAt: string;
  dueAt: string;
  dueSoonAt: string;
  state: 'open' | 'due_soon' | 'breached' | 'met' | 'met_late' | 'suspended' | 'not_applicable';
  metAt: string | null;
  metBy: string | null;
  endedAt: string | null;
  endedReason: string | null;
  remainingSeconds: number | null;
}

export interface ClosedActivity extends ConversationActivity {
  /** abandoned: the citizen left the chat before anyone picked it up. */
  outcome: ConversationOutcome | 'abandoned';
  /** ISO 8601 with offset. */
  closedAt: string;
}

export type AgentPresenceStatus = 'available' | 'away' | 'offline';

export interface AgentPresence {
  agentId: number;
  name: string;
  status: AgentPresenceStatus;
}

/** Someone started or stopped typing in a conversation; clients clear it themselves after a few seconds. */
export interface TypingActivity {
  conversationId: number;
  by: { type: 'citizen' } | { type: 'agent'; id: number; name: string };
  typing: boolean;
  /** An agent typing an internal note: never shown to the citizen. */
  note: boolean;
}

/** How far one side has received or read the other's messages (message ids only grow). */
export interface ReceiptActivity {
  conversationId: number;
  /** Who received or read: the citizen (agents' messages) or an agent (the citizen's). */
  by: 'citizen' | 'agent';
  /** All messages of the other side with an id up to and including this one. */
  throughId: number;
  /** ISO 8601 with offset. */
  at: string;
}

/** Server → agent inbox, namespace /agent. */
export interface AgentServerEvents {
  'session.ready': (payload: { agent: AgentIdentity }) => void;
  /** The login session no longer holds: logged out, account disabled, or expired (re-checked every AGENT_SESSION_CHECK_SECONDS). */
  'session.ended': (payload: { reason: 'logged_out' | 'disabled' | 'expired' }) => void;
  'conversation.created': (payload: ConversationActivity) => void;
  /** Claimed, taken by a first reply, handed to a colleague or released (assignee null). */
  'conversation.assigned': (payload: AssignmentActivity) => void;
  /** Status set by an agent (open / waiting) or reopened. */
  'conversation.updated': (payload: StatusActivity) => void;
  /** To back-office users only: their hand-offs changed; they re-read their own list (no citizen data rides along). */
  'handoffs.changed': (payload: Record<string, never>) => void;
  'conversation.closed': (payload: ClosedActivity) => void;
  'conversation.rated': (payload: ConversationActivity & { score: number }) => void;
  /** The citizen ended the chat ("Gesprek beëindigen"); the conversation stays for the agent to close. */
  'chat.ended': (payload: ConversationActivity) => void;
  'conversation.typing': (payload: TypingActivity) => void;
  'message.created': (payload: MessageActivity) => void;
  'message.delivered': (payload: ReceiptActivity) => void;
  'message.read': (payload: ReceiptActivity) => void;
  'message.delivery_changed': (payload: DeliveryActivity) => void;
  'agent.presence_changed': (payload: AgentPresence) => void;
  'deadline.due_soon': (payload: DeadlineAlert) => void;
  'deadline.breached': (payload: DeadlineAlert) => void;
  /** The list rows and counts after conversations changed (issue 16 §10): inboxes patch, never re-read. */
  'conversations.changed': (payload: ConversationsChanged) => void;
  /** To this agent only (or to those watching the unassigned queue): assigned, a reply, new mail, a mention. */
  'notification.created': (payload: AgentNotification) => void;
  /** To supervisors and admins only: today's KPIs changed; the dashboard refetches (server/reports/kpi-types.ts). */
  'reports.changed': (payload: ReportsChanged) => void;
}

/** Agent inbox → server, namespace /agent. */
export interface AgentClientEvents {
  'presence.ping': (ack: (reply: Ack<{ serverTime: string }>) => void) => void;
  /** Available (counts for the widget: chat is offered) or away. Applies to all the agent's tabs. */
  'presence.set': (payload: { status: 'available' | 'away' }, ack: (reply: Ack<AgentPresence, AgentErrorCode>) => void) => void;
  /** Who is connected now, on any instance. */
  'presence.list': (ack: (reply: Ack<{ agents: AgentPresence[] }, AgentErrorCode>) => void) => void;
  /** Relayed to other agents and, unless `note`, to the citizen of a chat. Send true again every few seconds while typing. */
  'typing.set': (payload: { conversationId: number; typing: boolean; note?: boolean }, ack?: (reply: Ack<null, AgentErrorCode>) => void) => void;
  /** This socket watches the unassigned queue (the list's filter): it is told of new mail there. */
  'queue.watch': (payload: { unassigned: boolean }, ack?: (reply: Ack<null, AgentErrorCode>) => void) => void;
  /** The agent has read the citizen's messages up to `throughId`; the citizen sees "gelezen". */
  'messages.mark_read': (payload: { conversationId: number; throughId: number }, ack?: (reply: Ack<{ throughId: number }, AgentErrorCode>) => void) => void;
}

// ── The citizen's widget ────────────────────────────────────────────────────

/** A chat message as the citizen sees it. Internal notes and system lines never reach the widget. */
export interface ChatMessage {
  id: number;
  /** The UUID the widget gave the message; null for the agents' messages. */
  clientId: string | null;
  from: 'citizen' | 'agent';
  /** For agents' messages: the agent's first name only ("Fatima"). */
  agentFirstName: string | null;
  text: string;
  /** ISO 8601 with offset. */
  createdAt: string;
}

/** The state of the citizen's own conversation, sent on every (re)connect. */
export interface ChatState {
  reference: string;
  /** new = queued, nobody picked up yet. */
  status: 'new' | 'open' | 'waiting' | 'closed';
  /** "U chat met Fatima"; null while queued. */
  agent: { firstName: string } | null;
  /** The id of the newest message the citizen can see; fetch what is missing with messages.fetch. */
  lastMessageId: number | null;
  /** The agents read the citizen's messages up to this id. */
  readThrough: number | null;
  rated: boolean;
  /** When the session token stops working (ISO 8601 with offset). */
  expiresAt: string;
}

/** Server → citizen widget, namespace /widget. Every event is about the socket's own conversation. */
export interface WidgetServerEvents {
  'session.ready': (payload: { conversation: ChatState }) => void;
  /** A message in the conversation: an agent's reply, or the citizen's own from another tab. */
  'message.created': (payload: ChatMessage) => void;
  /** An agent read the citizen's messages up to throughId. */
  'message.read': (payload: { throughId: number; at: string }) => void;
  /** "U chat met Fatima". */
  'agent.joined': (payload: { firstName: string }) => void;
  'agent.typing': (payload: { firstName: string | null; typing: boolean }) => void;
  'conversation.closed': (payload: { closedAt: string }) => void;
  /** Chat became (un)available: within chat hours and an agent available. */
  'service.changed': (payload: { chatOpen: boolean; agentsAvailable: boolean }) => void;
}

/** Citizen widget → server, namespace /widget. The conversation is always the session's own: payloads never name one. */
export interface WidgetClientEvents {
  'presence.ping': (ack: (reply: Ack<{ serverTime: string }>) => void) => void;
  /**
   * Stores the message once per clientId (a UUID the widget makes and keeps until acknowledged):
   * resending after a drop or a server restart returns the stored message, never a second one.
   */
  'message.send': (payload: { clientId: string; text: string }, ack: (reply: Ack<{ message: ChatMessage }, WidgetErrorCode>) => void) => void;
  /** Messages after `afterId` (null: from the start), oldest first; `hasMore` asks for another page. */
  'messages.fetch': (payload: { afterId: number | null; limit?: number }, ack: (reply: Ack<{ messages: ChatMessage[]; hasMore: boolean }, WidgetErrorCode>) => void) => void;
  /** The widget received the agents' messages up to throughId. */
  'messages.mark_delivered': (payload: { throughId: number }, ack?: (reply: Ack<{ throughId: number }, WidgetErrorCode>) => void) => void;
  /** The citizen saw the agents' messages up to throughId (panel open and visible). */
  'messages.mark_read': (payload: { throughId: number }, ack?: (reply: Ack<{ throughId: number }, WidgetErrorCode>) => void) => void;
  /** Relayed to the agents; send true again every few seconds while typing. */
  'typing.set': (payload: { typing: boolean }, ack?: (reply: Ack<null, WidgetErrorCode>) => void) => void;
  /** Mails the conversation so far to this address (queued through the outbox). */
  'transcript.send': (payload: { email: string; lang?: 'nl' | 'en' }, ack: (reply: Ack<{ queued: true }, WidgetErrorCode>) => void) => void;
  /** CSAT, once per conversation: 1–5 and an optional comment. */
  'rating.submit': (payload: { score: number; comment?: string }, ack: (reply: Ack<{ score: number }, WidgetErrorCode>) => void) => void;
  /** "Gesprek beëindigen": the token stops working, the server disconnects; clear it from localStorage. */
  'chat.end': (ack: (reply: Ack<{ ended: true }, WidgetErrorCode>) => void) => void;
}

/** What the server keeps per agent socket. */
export interface AgentSocketData {
  agent: AgentIdentity;
  /** The room of the login session this socket came with; logging out disconnects it. */
  sessionRoom: string;
}

/** What the server keeps per citizen socket: the one conversation it may touch. */
export interface WidgetSocketData {
  conversationId: number;
  /** Hex SHA-256 of the session token: re-checked on every write. */
  tokenHash: string;
  expiresAt: string;
  ip: string;
}

/** Error data attached to a refused handshake (`connect_error` → err.data). */
export interface HandshakeErrorData {
  /**
   * unauthorized: no, unknown, expired or ended token (drop it and start anew); rate_limited: retry
   * later; forbidden: the main namespace `/`, which serves nothing; password_change_required: the
   * agent must choose their own password first (POST /api/auth/password).
   */
  code: 'unauthorized' | 'forbidden_origin' | 'rate_limited' | 'forbidden' | 'password_change_required';
}
