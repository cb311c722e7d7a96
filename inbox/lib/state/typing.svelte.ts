// "Fatima typt een antwoord…": who else is typing in which conversation. Indicators clear
// themselves, because a stop event can be lost with a closed tab (the Chatwoot habit).
import type { TypingActivity } from '../../../server/realtime/events.ts';
import type { AgentSocket } from '../api/socket.ts';

const STALE_MS = 6000;

export interface Typist {
  key: string;
  name: string | null;
  citizen: boolean;
  note: boolean;
}

export class Typing {
  private byConversation = $state<Record<number, Record<string, Typist>>>({});
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  private readonly myId: number;

  constructor(myId: number) {
    this.myId = myId;
  }

  in(conversationId: number): Typist[] {
    return Object.values(this.byConversation[conversationId] ?? {});
  }

  connect(socket: AgentSocket): () => void {
    const heard = (event: TypingActivity) => {
      if (event.by.type === 'agent' && event.by.id === this.myId) return;
      const key = event.by.type === 'agent' ? `agent:${event.by.id}` : 'citizen';
      const timerKey = `${event.conversationId}/${key}`;
      clearTimeout(this.timers.get(timerKey));
      if (!event.typing) return this.forget(event.conversationId, key);
      const typist: Typist = { key, name: event.by.type === 'agent' ? event.by.name : null, citizen: event.by.type === 'citizen', note: event.note };
      this.byConversation = { ...this.byConversation, [event.conversationId]: { ...this.byConversation[event.conversationId], [key]: typist } };
      this.timers.set(timerKey, setTimeout(() => this.forget(event.conversationId, key), STALE_MS));
    };
    socket.on('conversation.typing', heard);
    return () => {
      socket.off('conversation.typing', heard);
      for (const timer of this.timers.values()) clearTimeout(timer);
    };
  }

  private forget(conversationId: number, key: string) {
    const { [key]: _gone, ...rest } = this.byConversation[conversationId] ?? {};
    this.byConversation = { ...this.byConversation, [conversationId]: rest };
  }
}

/**
 * Tells the others that this agent is typing: true at the first key and again every few seconds
 * while typing goes on (the server contract asks for repeats), false after a pause or on send.
 */
export class TypingSignal {
  private conversationId: number | null = null;
  private lastSent = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;

  private readonly socket: () => AgentSocket | undefined;

  constructor(socket: () => AgentSocket | undefined) {
    this.socket = socket;
  }

  typed(conversationId: number, note: boolean) {
    if (this.conversationId !== null && this.conversationId !== conversationId) this.stop();
    this.conversationId = conversationId;
    const now = Date.now();
    if (now - this.lastSent > 3000) {
      this.socket()?.emit('typing.set', { conversationId, typing: true, note });
      this.lastSent = now;
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), 4000);
  }

  stop() {
    clearTimeout(this.idle);
    if (this.conversationId !== null && this.lastSent) this.socket()?.emit('typing.set', { conversationId: this.conversationId, typing: false });
    this.conversationId = null;
    this.lastSent = 0;
  }
}
