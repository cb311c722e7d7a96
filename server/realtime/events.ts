// The one typed contract for live events, per namespace. The server passes these maps as type
// parameters; widget/ and inbox/ import them with `import type` (style.md §2).
// Facts are `resource.past_tense`; commands are imperatives answered with an Ack.

export type ErrorCodeFromServer = 'unauthorized' | 'forbidden' | 'validation_failed' | 'rate_limited' | 'not_found' | 'internal';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCodeFromServer } };

export interface AgentIdentity {
  id: number;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
}

/** A service-norm milestone of a conversation that became due soon or was breached. */
export interface ConversationActivity {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email';
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
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup';
  normId: string;
  /** ISO 8601 with offset, Europe/Amsterdam. */
  dueAt: string;
}

/** Server → agent inbox, namespace /agent. */
export interface AgentServerEvents {
  'session.ready': (payload: { agent: AgentIdentity }) => void;
  'session.ended': (payload: { reason: 'logged_out' | 'disabled' }) => void;
  'conversation.created': (payload: ConversationActivity) => void;
  'message.created': (payload: MessageActivity) => void;
  'message.delivery_changed': (payload: DeliveryActivity) => void;
  'deadline.due_soon': (payload: DeadlineAlert) => void;
  'deadline.breached': (payload: DeadlineAlert) => void;
}

/** Agent inbox → server, namespace /agent. */
export interface AgentClientEvents {
  'presence.ping': (ack: (reply: Ack<{ serverTime: string }>) => void) => void;
}

/** Server → citizen widget, namespace /widget. */
export interface WidgetServerEvents {
  'service.changed': (payload: { chatOpen: boolean }) => void;
}

/** Citizen widget → server, namespace /widget. */
export interface WidgetClientEvents {
  'presence.ping': (ack: (reply: Ack<{ serverTime: string }>) => void) => void;
}

/** What the server keeps per agent socket. */
export interface AgentSocketData {
  agent: AgentIdentity;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WidgetSocketData {}

/** Error data attached to a refused handshake (`connect_error` → err.data). */
export interface HandshakeErrorData {
  code: 'unauthorized' | 'forbidden_origin';
}
