// The chat feature bound to its database, domain events and settings: what the /widget socket,
// the public routes and the agents' routes call. Every change is announced as a domain event;
// the realtime layer decides who hears of it (style.md §7).
import { DateTime } from 'luxon';
import { announceChange } from '../conversations/apply.ts';
import type { NoAnswerReason } from '../conversations/lifecycle.ts';
import type { Pool } from '../db/index.ts';
import { loadServiceContext, ZONE } from '../deadlines/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import type { ChatMessage, ChatState, ConversationOutcome } from '../realtime/events.ts';
import {
  chatState,
  claimConversation,
  closeConversation,
  endChat,
  markThrough,
  rateConversation,
  sendCitizenMessage,
  startChat,
  type ClaimOutcome,
  type CloseOutcome,
  type SendOutcome,
} from './lifecycle.ts';
import { chatMessage, chatMessagesAfter, citizenMessageByClientId, firstName, isoAmsterdam } from './messages.ts';
import type { PresenceTracker } from './presence.ts';
import { askQuestion, type Question, type QuestionMailSettings, type QuestionOutcome } from './questions.ts';
import { serviceStatus, type ServiceStatus } from './service.ts';
import { chatSessionFor, chatSessionState, type ChatSession } from './sessions.ts';
import { sendTranscript } from './transcript.ts';

export type { ChatSession };

export type ChatStart =
  | { ok: true; created: boolean; token: string; expiresAt: string; conversation: ChatState; message: ChatMessage }
  | { ok: false; code: 'chat_unavailable'; service: ServiceStatus }
  | { ok: false; code: 'conversation_closed' };

export class Chat {
  readonly #pool: Pool;
  readonly #events: DomainEvents;
  readonly #presence: PresenceTracker;
  readonly #referencePrefix: string;
  readonly #sessionHours: number;
  readonly #mail: QuestionMailSettings | undefined;
  readonly #log: Logger;
  readonly #abandonMs: number;
  /** Grace timers of chats whose widget went away, by conversation. */
  readonly #gone = new Map<number, NodeJS.Timeout>();

  constructor(options: {
    pool: Pool;
    events: DomainEvents;
    log: Logger;
    presence: PresenceTracker;
    referencePrefix: string;
    sessionHours: number;
    mail: QuestionMailSettings | undefined;
    /** No widget connected this long before pickup: the chat is abandoned (default 120 s). */
    abandonSeconds?: number;
  }) {
    this.#log = options.log;
    this.#abandonMs = (options.abandonSeconds ?? 120) * 1000;
    this.#pool = options.pool;
    this.#events = options.events;
    this.#presence = options.presence;
    this.#referencePrefix = options.referencePrefix;
    this.#sessionHours = options.sessionHours;
    this.#mail = options.mail;
  }

  get presence(): PresenceTracker {
    return this.#presence;
  }

  /** Chat open now, next opening, agents available, and what the norm promises for a question left now. */
  async service(now: DateTime = DateTime.now().setZone(ZONE)): Promise<ServiceStatus> {
    const [context, agentsAvailable] = await Promise.all([loadServiceContext(this.#pool), this.#presence.anyAvailable()]);
    return serviceStatus(context, now, agentsAvailable);
  }

  /**
   * Queues a chat with its first message, when chat is open and an agent is available; otherwise
   * the widget gets the service status back and offers the question form, the typed text kept.
   */
  async start(input: { clientId: string; text: string; name: string | null }): Promise<ChatStart> {
    const service = await this.service();
    const outcome = await (async () => {
      // A retry of a start that went through is answered even if the last agent just left.
      const retry = await this.#pool.query('SELECT 1 FROM messages WHERE idempotency_key = $1', [`chat:start:${input.clientId}`]);
      if (!retry.rowCount && !service.chat.available) return undefined;
      return startChat(this.#pool, { ...input, referencePrefix: this.#referencePrefix, sessionHours: this.#sessionHours });
    })();
    if (!outcome) return { ok: false, code: 'chat_unavailable', service };
    if (!outcome.ok) return outcome;
    if (outcome.created) {
      this.#events.emit('conversation.created', outcome.conversation);
      this.#events.emit('message.created', { ...outcome.conversation, messageId: outcome.message.id, direction: 'in', kind: 'message', chat: outcome.message });
    }
    const conversation = (await chatState(this.#pool, outcome.conversation.conversationId, outcome.expiresAt))!;
    return { ok: true, created: outcome.created, token: outcome.token, expiresAt: isoAmsterdam(outcome.expiresAt), conversation, message: outcome.message };
  }

  sessionFor(token: string): Promise<ChatSession | undefined> {
    return chatSessionFor(this.#pool, token);
  }

  /**
   * Live, closed by an agent within `graceSeconds` (rating, transcript and removing only) or ended:
   * a connected widget's session is re-checked with this before every command (issue 12 §10).
   */
  sessionState(session: ChatSession, graceSeconds: number): Promise<'live' | 'closed' | 'ended'> {
    return chatSessionState(this.#pool, session.tokenHash, graceSeconds);
  }

  /** A message of this chat the citizen sent earlier under `clientId` (a resend whose answer was lost). */
  storedCitizenMessage(session: ChatSession, clientId: string): Promise<ChatMessage | undefined> {
    return citizenMessageByClientId(this.#pool, session.conversationId, clientId);
  }

  state(session: ChatSession): Promise<ChatState | undefined> {
    return chatState(this.#pool, session.conversationId, session.expiresAt);
  }

  async send(session: ChatSession, input: { clientId: string; text: string }): Promise<SendOutcome> {
    const outcome = await sendCitizenMessage(this.#pool, session, input);
    if (outcome.ok && outcome.created) {
      this.#events.emit('message.created', { ...outcome.conversation, messageId: outcome.message.id, direction: 'in', kind: 'message', chat: outcome.message });
      if (outcome.change) announceChange(this.#events, outcome.change);
    }
    return outcome;
  }

  fetch(session: ChatSession, afterId: number | null, limit: number) {
    return chatMessagesAfter(this.#pool, session.conversationId, afterId, limit);
  }

  /** The citizen's widget received or read the agents' messages up to throughId. */
  async citizenReceipt(session: ChatSession, state: 'delivered' | 'read', throughId: number): Promise<number | null> {
    const receipt = await markThrough(this.#pool, session.conversationId, 'citizen', state, throughId);
    if (!receipt.advanced) return null;
    this.#events.emit('message.receipt', { conversationId: session.conversationId, by: 'citizen', state, throughId: receipt.throughId, at: isoAmsterdam(receipt.at) });
    return receipt.throughId;
  }

  /** An agent read the citizen's messages up to throughId. */
  async agentRead(conversationId: number, throughId: number): Promise<number | null> {
    const receipt = await markThrough(this.#pool, conversationId, 'agent', 'read', throughId);
    if (!receipt.advanced) return null;
    this.#events.emit('message.receipt', { conversationId, by: 'agent', state: 'read', throughId: receipt.throughId, at: isoAmsterdam(receipt.at) });
    return receipt.throughId;
  }

  async end(session: ChatSession): Promise<void> {
    await this.citizenGone(session.conversationId, 'ended');
  }

  /**
   * The last widget socket of a conversation on this instance went away. If after the grace period
   * no widget is connected on any instance (`connected` asks them all), a chat nobody picked up
   * leaves the queue as abandoned; a picked-up chat stays for the agent (issue 11 §2).
   */
  widgetGone(conversationId: number, connected: () => Promise<boolean>): void {
    clearTimeout(this.#gone.get(conversationId));
    const timer = setTimeout(() => {
      this.#gone.delete(conversationId);
      void (async () => {
        if (await connected()) return;
        await this.citizenGone(conversationId, 'left');
      })().catch((error: unknown) => this.#log.warn({ err: error, conversationId }, 'could not check an abandoned chat'));
    }, this.#abandonMs);
    timer.unref();
    this.#gone.set(conversationId, timer);
  }

  /** A widget (re)connected: the citizen is there. */
  widgetBack(conversationId: number): void {
    clearTimeout(this.#gone.get(conversationId));
    this.#gone.delete(conversationId);
  }

  /** Stops the grace timers (Balie stopping): another instance or the next start decides. */
  stopTimers(): void {
    for (const timer of this.#gone.values()) clearTimeout(timer);
    this.#gone.clear();
  }

  /**
   * The citizen ended the chat, or left it (no widget connected for the grace period). A chat
   * nobody picked up yet leaves the queue as abandoned (issue 11 §2).
   */
  async citizenGone(conversationId: number, how: 'ended' | 'left'): Promise<boolean> {
    const ended = await endChat(this.#pool, conversationId, how);
    if (!ended) return false;
    this.#events.emit('message.created', { ...ended.conversation, messageId: ended.noteId, direction: 'in', kind: 'system' });
    this.#events.emit('chat.ended', ended.conversation);
    const { change } = ended;
    if (change.conversation.outcome === 'abandoned' && change.conversation.closedAt) {
      this.#events.emit('conversation.closed', { ...ended.conversation, outcome: 'abandoned', closedAt: change.conversation.closedAt });
      announceChange(this.#events, change);
    }
    return true;
  }

  async rate(session: ChatSession, score: number, comment: string | null): Promise<{ ok: true } | { ok: false; code: 'already_rated' }> {
    const outcome = await rateConversation(this.#pool, session.conversationId, score, comment);
    if (!outcome.ok) return outcome;
    this.#events.emit('conversation.rated', { ...outcome.conversation, score });
    return { ok: true };
  }

  async transcript(session: ChatSession, email: string, lang: 'nl' | 'en'): Promise<{ ok: true } | { ok: false; code: 'mail_not_configured' | 'too_many_transcripts' }> {
    if (!this.#mail) return { ok: false, code: 'mail_not_configured' };
    const outcome = await sendTranscript(this.#pool, { conversationId: session.conversationId, email, lang, from: this.#mail.from, limits: this.#mail.automaticMail });
    if (!outcome.ok) return outcome;
    this.#events.emit('message.created', { conversationId: session.conversationId, reference: outcome.reference, channel: 'chat', messageId: outcome.messageId, direction: 'out', kind: 'system' });
    return { ok: true };
  }

  async claim(conversationId: number, agent: { id: number; name: string }): Promise<ClaimOutcome> {
    const outcome = await claimConversation(this.#pool, conversationId, agent);
    if (outcome.ok && outcome.claimed) this.announceAssigned(outcome.conversation, outcome.assignee, outcome.pickedUp);
    return outcome;
  }

  /** Tells everyone a conversation got its agent (a claim, or an agent's first reply). */
  announceAssigned(conversation: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone' }, assignee: { id: number; name: string }, pickedUp: boolean): void {
    this.#events.emit('conversation.assigned', { ...conversation, assignee, firstName: firstName(assignee.name), pickedUp });
  }

  async close(conversationId: number, agent: { id: number }, outcome: ConversationOutcome, reason?: NoAnswerReason, topicId?: number): Promise<CloseOutcome> {
    const closed = await closeConversation(this.#pool, conversationId, agent, outcome, reason, topicId);
    if (closed.ok) {
      this.#events.emit('conversation.closed', { ...closed.conversation, outcome, closedAt: isoAmsterdam(closed.closedAt) });
      // The milestones closing met or ended (and a callback opened), for inboxes to patch.
      announceChange(this.#events, closed.change);
    }
    return closed;
  }

  /** Announces an agent's message in a chat, with the view the citizen gets. */
  async announceAgentMessage(activity: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; messageId: number; kind: 'message' | 'note' }): Promise<void> {
    const chat = activity.channel === 'chat' && activity.kind === 'message' ? await chatMessage(this.#pool, activity.conversationId, activity.messageId) : undefined;
    this.#events.emit('message.created', { ...activity, direction: 'out', ...(chat ? { chat } : {}) });
  }

  async ask(question: Question): Promise<QuestionOutcome> {
    const outcome = await askQuestion(this.#pool, question, { referencePrefix: this.#referencePrefix, mail: this.#mail });
    if (outcome.created) {
      const activity = { conversationId: outcome.conversationId, reference: outcome.reference, channel: 'email' as const };
      this.#events.emit('conversation.created', activity);
      this.#events.emit('message.created', { ...activity, messageId: outcome.messageId, direction: 'in', kind: 'message' });
    }
    return outcome;
  }

  /** The channel of a conversation an agent is typing in; undefined when there is none. */
  async channelOf(conversationId: number): Promise<'chat' | 'email' | 'phone' | undefined> {
    const { rows } = await this.#pool.query<{ channel: 'chat' | 'email' | 'phone' }>('SELECT channel FROM conversations WHERE id = $1', [conversationId]);
    return rows[0]?.channel;
  }
}
