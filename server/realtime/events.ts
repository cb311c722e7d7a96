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

/** Server → agent inbox, namespace /agent. */
export interface AgentServerEvents {
  'session.ready': (payload: { agent: AgentIdentity }) => void;
  'session.ended': (payload: { reason: 'logged_out' | 'disabled' }) => void;
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
