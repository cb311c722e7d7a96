// One citizen's chat over /widget: the messages shown, the outbox of messages not yet acknowledged,
// receipts, typing both ways, and what happens after a drop or a server restart (issue 5 §3–4).
import type { ChatMessage, ChatState, WidgetErrorCode } from '../../../server/realtime/events.ts';
import { connectWidgetSocket, type WidgetSocket } from '../api/socket.ts';
import { newClientId } from './ids.ts';
import type { ChatStorage, StoredChat } from './storage.ts';

/** How long the widget waits for an acknowledgement before it leaves the message for the next resend. */
const ACK_TIMEOUT_MS = 10_000;
/** The server relays "typing" once a second; repeating it every 3 s while typing keeps agents' indicator on. */
const TYPING_REPEAT_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
/** Agents' "typing" clears itself if the "stopped" never comes (a closed tab). */
const AGENT_TYPING_CLEAR_MS = 6_000;
const RETRY_AFTER_RATE_LIMIT_MS = 10_000;

export interface ShownMessage {
  /** Stable key for the list: the client id of the citizen's messages, the id of agents'. */
  key: string;
  id: number | null;
  from: 'citizen' | 'agent';
  agentFirstName: string | null;
  text: string;
  createdAt: string | null;
  /** The citizen's messages: pending until acknowledged; failed when the server refused it. */
  state: 'pending' | 'sent' | 'failed';
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';
/**
 * Why the chat stopped on this device: the citizen ended it, its token no longer works, or an agent
 * closed it and the time to rate it is over.
 */
export type ChatEnd = 'ended' | 'expired' | 'closed';

interface Outgoing {
  clientId: string;
  text: string;
}

export interface ChatDeps {
  baseUrl: string;
  storage: ChatStorage;
  /** The panel is open and the page visible: the citizen sees new messages. */
  isSeen: () => boolean;
  /** An agent's message arrived (for the announcement and the launcher's unread count). */
  onAgentMessage: (message: ShownMessage) => void;
}

type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: WidgetErrorCode } };

export class ChatConversation {
  messages = $state<ShownMessage[]>([]);
  status = $state<ChatState['status']>('new');
  agentName = $state<string | null>(null);
  /** The agents read the citizen's messages up to this id. */
  readThrough = $state<number | null>(null);
  rated = $state(false);
  /** false, or who is typing (null: an agent whose name is not told). */
  agentTyping = $state<string | null | false>(false);
  connection = $state<ConnectionState>('connecting');
  ended = $state<ChatEnd | null>(null);
  /** A problem the citizen should know about, as an error code the component translates. */
  problem = $state<string | null>(null);
  /** Set once the first session.ready and history fetch are done. */
  loaded = $state(false);
  /** A photo or PDF is on its way (issue 16.7). */
  uploading = $state(false);

  private readonly deps: ChatDeps;
  private readonly stored: StoredChat;
  /** Set once socket.io-client is loaded; commands wait for `ready` (session.ready) anyway. */
  private socket!: WidgetSocket;
  private ready = false;
  /**
   * Every message up to this id is known: advanced by fetches and by message.created, which a
   * connection delivers in order — not by acknowledgements, whose ids can run ahead of a reply
   * the widget missed while disconnected.
   */
  private synced: number | null = null;
  private flushing = false;
  /**
   * An agent closed the chat: its token was dropped from localStorage at once (issue 12 §10 — a
   * shared computer's next user must not find it there), and is kept in memory only while this
   * page may still rate the chat.
   */
  private forgotten = false;
  private deliveredSent = 0;
  private readSent = 0;
  private typingSentAt = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private agentTypingClear: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private flushLater: ReturnType<typeof setTimeout> | undefined;

  constructor(deps: ChatDeps, stored: StoredChat, first?: { message: ChatMessage; conversation: ChatState }) {
    this.deps = deps;
    this.stored = stored;
    if (first) {
      this.synced = first.conversation.lastMessageId;
      this.merge(first.message);
      this.applyState(first.conversation);
    }
    // After a reload the outbox holds what was typed but never acknowledged: show it, send it again.
    for (const item of stored.outbox) this.messages.push(pendingMessage(item));
    void this.connect();
  }

  private async connect() {
    try {
      const socket = await connectWidgetSocket(this.deps.baseUrl, this.stored.token);
      if (this.ended) return void socket.disconnect();
      this.socket = socket;
      this.listen();
    } catch {
      // socket.io-client could not be downloaded: the network is gone; try again shortly.
      this.connection = 'reconnecting';
      this.retry = setTimeout(() => void this.connect(), 5_000);
    }
  }

  private get outbox(): Outgoing[] {
    return this.stored.outbox;
  }

  private persist() {
    if (!this.forgotten) this.deps.storage.save(this.stored);
  }

  /** Closed by an agent: the server ended the token; the device no longer keeps it. */
  private forget() {
    this.status = 'closed';
    this.agentTyping = false;
    if (this.forgotten) return;
    this.forgotten = true;
    this.deps.storage.clear();
  }

  private listen() {
    const socket = this.socket;
    socket.on('session.ready', ({ conversation }) => {
      this.ready = true;
      this.connection = 'connected';
      this.problem = null;
      this.applyState(conversation);
      // Fetch what was missed first — it may hold messages whose acknowledgement was lost, which
      // then leave the outbox — and resend the rest, in the order typed.
      void this.fetchMissed().then(() => this.flush());
    });
    socket.on('message.created', (message) => {
      this.synced = Math.max(this.synced ?? 0, message.id);
      this.merge(message);
    });
    socket.on('message.read', ({ throughId }) => {
      this.readThrough = Math.max(this.readThrough ?? 0, throughId);
    });
    socket.on('agent.joined', ({ firstName }) => {
      this.agentName = firstName;
      if (this.status === 'new') this.status = 'open';
    });
    socket.on('agent.typing', ({ firstName, typing }) => {
      clearTimeout(this.agentTypingClear);
      this.agentTyping = typing ? firstName : false;
      if (typing) this.agentTypingClear = setTimeout(() => (this.agentTyping = false), AGENT_TYPING_CLEAR_MS);
    });
    socket.on('conversation.closed', () => this.forget());
    socket.on('disconnect', (reason) => {
      this.ready = false;
      if (this.ended) return;
      // Closed by an agent and let go by the server: the time to rate is over, the token ended.
      if (this.status === 'closed' && reason === 'io server disconnect') return this.stop('closed');
      this.connection = 'reconnecting';
      // The server let go of us (session ended elsewhere or expired): socket.io does not retry
      // those by itself; one handshake tells whether the token still works.
      if (reason === 'io server disconnect') this.retryLater(1000);
    });
    socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;
      if (code === 'unauthorized') return this.stop(this.status === 'closed' ? 'closed' : 'expired');
      if (code === 'forbidden_origin') {
        this.problem = 'forbidden_origin';
        return;
      }
      this.connection = 'reconnecting';
      if (code === 'rate_limited') this.retryLater(RETRY_AFTER_RATE_LIMIT_MS);
      // Otherwise a transport error: socket.io's own reconnection keeps trying.
    });
  }

  private retryLater(ms: number) {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.ended && !this.socket.connected) this.socket.connect();
    }, ms);
  }

  private applyState(state: ChatState) {
    this.status = state.status;
    if (state.status === 'closed') this.forget();
    if (state.agent) this.agentName = state.agent.firstName;
    this.readThrough = Math.max(this.readThrough ?? 0, state.readThrough ?? 0) || null;
    this.rated = state.rated;
    if (state.expiresAt !== this.stored.expiresAt) {
      this.stored.expiresAt = state.expiresAt;
      this.persist();
    }
  }

  /** Adds a message from the server once: by id, or by the client id of a message still pending. */
  private merge(message: ChatMessage) {
    // Stored by the server (its acknowledgement, or its message.created that may come first): done.
    const queued = message.clientId === null ? -1 : this.outbox.findIndex((item) => item.clientId === message.clientId);
    if (queued >= 0) {
      this.outbox.splice(queued, 1);
      this.persist();
    }
    if (this.messages.some((shown) => shown.id === message.id)) return;
    const shown: ShownMessage = {
      key: message.clientId ?? `id:${message.id}`,
      id: message.id,
      from: message.from,
      agentFirstName: message.agentFirstName,
      text: message.text,
      createdAt: message.createdAt,
      state: 'sent',
    };
    const pending = message.clientId === null ? -1 : this.messages.findIndex((m) => m.key === message.clientId);
    if (pending >= 0) this.messages[pending] = shown;
    else this.messages.push(shown);
    // Stored messages by id; those still on their way after them, in the order typed.
    this.messages.sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity));
    if (message.from === 'agent') {
      this.agentTyping = false;
      this.deps.onAgentMessage(shown);
      this.acknowledgeAgentMessages();
    }
  }

  /** Tells the agents the widget received (and, when the panel is seen, read) their messages. */
  acknowledgeAgentMessages() {
    if (!this.ready) return;
    const newest = this.messages.reduce((max, m) => (m.from === 'agent' && m.id !== null && m.id > max ? m.id : max), 0);
    if (newest > this.deliveredSent) {
      this.deliveredSent = newest;
      this.socket.emit('messages.mark_delivered', { throughId: newest });
    }
    if (newest > this.readSent && this.deps.isSeen()) {
      this.readSent = newest;
      this.socket.emit('messages.mark_read', { throughId: newest });
    }
  }

  private async fetchMissed() {
    try {
      for (;;) {
        const reply = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('messages.fetch', { afterId: this.synced, limit: 100 })) as Reply<{ messages: ChatMessage[]; hasMore: boolean }>;
        if (!reply.ok) break;
        for (const message of reply.data.messages) {
          this.synced = Math.max(this.synced ?? 0, message.id);
          this.merge(message);
        }
        if (!reply.data.hasMore || reply.data.messages.length === 0) break;
      }
    } catch {
      // Dropped again: the next session.ready fetches from the same point.
    }
    this.loaded = true;
    this.acknowledgeAgentMessages();
  }

  /** Sends the outbox in order, one acknowledged message at a time. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.ready && this.outbox.length > 0) {
        const item = this.outbox[0]!;
        let reply: Reply<{ message: ChatMessage }>;
        try {
          reply = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message.send', { clientId: item.clientId, text: item.text })) as Reply<{ message: ChatMessage }>;
        } catch {
          return; // no acknowledgement: it stays first in the outbox for the next connection
        }
        if (reply.ok) {
          this.merge(reply.data.message);
          continue;
        }
        const code = reply.error.code;
        if (code === 'rate_limited' || code === 'internal') {
          this.problem = code === 'rate_limited' ? 'rate_limited' : null;
          clearTimeout(this.flushLater);
          this.flushLater = setTimeout(() => void this.flush(), RETRY_AFTER_RATE_LIMIT_MS);
          return;
        }
        // Refused for good: this message (or, once the chat is over, every waiting one) is not sent.
        const refused = code === 'conversation_closed' || code === 'session_ended' ? this.outbox.splice(0) : this.outbox.splice(0, 1);
        this.persist();
        for (const gone of refused) {
          const shown = this.messages.find((m) => m.key === gone.clientId);
          if (shown) shown.state = 'failed';
        }
        this.problem = code === 'session_ended' ? null : code;
        if (code === 'conversation_closed') this.forget();
        if (code === 'session_ended') return this.stop('expired');
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Queues the citizen's message: kept (memory and localStorage) until the server acknowledges it. */
  send(text: string) {
    const item: Outgoing = { clientId: newClientId(), text };
    this.outbox.push(item);
    this.persist();
    this.messages.push(pendingMessage(item));
    this.stopTyping();
    void this.flush();
  }

  /**
   * Sends a photo or PDF over HTTP (not the socket: megabytes would hold up the connection), with
   * the chat's token; the server decides by the bytes what it is. Answers with an error code, or
   * null when it was stored (it then shows as the citizen's message, named after the file).
   */
  async upload(file: File): Promise<string | null> {
    this.uploading = true;
    try {
      const query = `clientId=${newClientId()}&name=${encodeURIComponent(file.name.slice(-200) || 'bestand')}`;
      const response = await fetch(`${this.deps.baseUrl}/api/public/chats/uploads?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.stored.token}`, 'content-type': 'application/octet-stream' },
        body: file,
        credentials: 'omit',
      });
      const json = (await response.json().catch(() => undefined)) as { message?: ChatMessage; error?: { code?: string } } | undefined;
      if (!response.ok || !json?.message) return response.status === 429 ? 'rate_limited' : (json?.error?.code ?? 'network');
      // Not `synced`: like an acknowledgement, its id may run ahead of an agent's message not yet fetched.
      this.merge(json.message);
      return null;
    } catch {
      return 'network';
    } finally {
      this.uploading = false;
    }
  }

  /** Call on every keystroke in the composer; tells agents, at most every few seconds. */
  typing() {
    if (!this.ready) return;
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingSentAt = now;
      this.socket.emit('typing.set', { typing: true });
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping() {
    clearTimeout(this.typingIdle);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    if (this.ready) this.socket.emit('typing.set', { typing: false });
  }

  /** Answers with an error code, or null when it worked. */
  private async command<T>(run: () => Promise<Reply<T>>): Promise<string | null> {
    if (!this.ready) return 'network';
    try {
      const reply = await run();
      return reply.ok ? null : reply.error.code;
    } catch {
      return 'network';
    }
  }

  async rate(score: number, comment: string): Promise<string | null> {
    const code = await this.command(() => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('rating.submit', { score, ...(comment.trim() ? { comment } : {}) }) as Promise<Reply<unknown>>);
    if (code === null || code === 'already_rated') this.rated = true;
    return code;
  }

  transcript(email: string, lang: 'nl' | 'en'): Promise<string | null> {
    return this.command(() => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('transcript.send', { email, lang }) as Promise<Reply<unknown>>);
  }

  /** "Gesprek beëindigen": ends the session on the server and clears it from this device. */
  async end(): Promise<string | null> {
    const code = await this.command(() => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('chat.end') as Promise<Reply<unknown>>);
    if (code === null || code === 'session_ended' || code === 'unauthorized') {
      this.stop('ended');
      return null;
    }
    return code;
  }

  private stop(reason: ChatEnd) {
    this.ended = reason;
    this.ready = false;
    this.agentTyping = false;
    this.deps.storage.clear();
    this.dispose();
  }

  dispose() {
    clearTimeout(this.typingIdle);
    clearTimeout(this.agentTypingClear);
    clearTimeout(this.retry);
    clearTimeout(this.flushLater);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }
}

function pendingMessage(item: Outgoing): ShownMessage {
  return { key: item.clientId, id: null, from: 'citizen', agentFirstName: null, text: item.text, createdAt: null, state: 'pending' };
}
