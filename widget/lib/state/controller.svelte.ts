// State of one widget mount, and the public API object (window.Balie) that drives it. Nothing here
// touches the network until the citizen opens the panel (issue 5 §1).
import { ApiError, askQuestion, fetchService, startChat, type QuestionReceived, type ServiceStatus } from '../api/http.ts';
import { translator, type Translate, type WidgetLang } from '../i18n/index.ts';
import { ChatConversation, type ShownMessage } from './chat.svelte.ts';
import { newClientId } from './ids.ts';
import { ChatStorage } from './storage.ts';

export type WidgetEvent = 'open' | 'close';

export interface WidgetApi {
  open(): void;
  close(): void;
  on(event: WidgetEvent, listener: () => void): () => void;
}

export interface WidgetOptions {
  baseUrl: string;
  lang: WidgetLang;
  position: 'left' | 'right';
  /** data-title: the launcher's and the panel's title instead of "Chat met de gemeente". */
  title?: string;
}

/**
 * idle: never opened; start: the question box (chat available); offline: the question form;
 * chat: a conversation; failed: Balie could not be reached.
 */
export type Phase = 'idle' | 'loading' | 'start' | 'offline' | 'chat' | 'failed';

export class WidgetController {
  isOpen = $state(false);
  phase = $state<Phase>('idle');
  service = $state<ServiceStatus | null>(null);
  chat = $state<ChatConversation | null>(null);
  /** The offline form's answer: reference and promised date. */
  received = $state<QuestionReceived | null>(null);
  /** Text typed for a chat that turned out unavailable: carried into the question form. */
  draft = $state('');
  /** An error code from the last action, translated by the components. */
  problem = $state<string | null>(null);
  busy = $state(false);
  /** Agents' messages that arrived while the panel was closed. */
  unread = $state(0);
  /** The text of the aria-live region: agents' new messages (who joined is the panel's own status line). */
  announcement = $state('');

  readonly options: WidgetOptions;
  readonly t: Translate;
  readonly title: string;
  private readonly storage: ChatStorage;
  private listeners = new Map<WidgetEvent, Set<() => void>>();
  /** Reused when a start is retried after a network error: the server then answers the first one. */
  private startClientId: string | null = null;

  constructor(options: WidgetOptions) {
    this.options = options;
    this.t = translator(options.lang);
    this.title = options.title?.trim() || this.t('panel.title');
    this.storage = new ChatStorage(options.baseUrl);
    document.addEventListener('visibilitychange', () => this.chat?.acknowledgeAgentMessages());
  }

  open() {
    if (this.isOpen) return;
    this.isOpen = true;
    this.unread = 0;
    if (this.phase === 'idle' || this.phase === 'failed') this.begin();
    else this.chat?.acknowledgeAgentMessages();
    this.emit('open');
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close');
  }

  /** A chat kept on this device continues; otherwise ask Balie whether anyone can chat. */
  private begin() {
    const stored = this.storage.load();
    if (stored) {
      this.chat = new ChatConversation(this.chatDeps(), stored);
      this.phase = 'chat';
      return;
    }
    void this.loadService();
  }

  private chatDeps() {
    return {
      baseUrl: this.options.baseUrl,
      storage: this.storage,
      isSeen: () => this.isOpen && document.visibilityState === 'visible',
      onAgentMessage: (message: ShownMessage) => {
        if (!this.isOpen) this.unread += 1;
        if (this.chat?.loaded) this.announcement = `${message.agentFirstName ?? this.t('chat.staff')}: ${message.text}`;
      },
    };
  }

  async loadService() {
    this.phase = 'loading';
    this.problem = null;
    try {
      this.service = await fetchService(this.options.baseUrl);
      this.phase = this.service.chat.available ? 'start' : 'offline';
    } catch (error) {
      this.problem = error instanceof ApiError ? error.code : 'network';
      this.phase = 'failed';
    }
  }

  /** The citizen's first message starts the chat; no questions asked first (issue 5 §3). */
  async startChat(text: string, name: string): Promise<boolean> {
    this.busy = true;
    this.problem = null;
    this.startClientId ??= newClientId();
    try {
      const started = await startChat(this.options.baseUrl, { clientId: this.startClientId, text, ...(name.trim() ? { name: name.trim() } : {}) });
      this.startClientId = null;
      const stored = { token: started.token, expiresAt: started.expiresAt, outbox: [] };
      this.storage.save(stored);
      this.chat = new ChatConversation(this.chatDeps(), stored, started);
      this.phase = 'chat';
      return true;
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'network';
      if (code === 'chat_unavailable' || code === 'conversation_closed') {
        // The last agent just left: the typed question moves to the form, nothing is lost.
        this.startClientId = null;
        this.draft = text;
        await this.loadService();
        if (this.phase === 'start') this.phase = 'offline';
        return false;
      }
      this.problem = code;
      return false;
    } finally {
      this.busy = false;
    }
  }

  async askQuestion(input: { email: string; name: string; text: string }): Promise<boolean> {
    this.busy = true;
    this.problem = null;
    this.startClientId ??= newClientId();
    try {
      this.received = await askQuestion(this.options.baseUrl, {
        clientId: this.startClientId,
        email: input.email.trim(),
        text: input.text,
        lang: this.options.lang,
        ...(input.name.trim() ? { name: input.name.trim() } : {}),
      });
      this.startClientId = null;
      this.draft = '';
      return true;
    } catch (error) {
      this.problem = error instanceof ApiError ? error.code : 'network';
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** After an ended or expired chat, or a question left: start over. */
  startOver() {
    this.chat?.dispose();
    this.chat = null;
    this.received = null;
    this.announcement = '';
    void this.loadService();
  }

  private emit(event: WidgetEvent) {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  /** The documented page API: window.Balie.open(), .close(), .on('open' | 'close', fn). */
  readonly api: WidgetApi = Object.freeze({
    open: () => this.open(),
    close: () => this.close(),
    on: (event: WidgetEvent, listener: () => void) => {
      const set = this.listeners.get(event) ?? new Set();
      set.add(listener);
      this.listeners.set(event, set);
      return () => set.delete(listener);
    },
  });
}
