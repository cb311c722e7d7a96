// What survives a reload or a navigation on the gemeente's site: the chat session token, its
// expiry and the outbox of unacknowledged messages (issue 5 §4). One key per
// Balie origin, so two Balies embedded on one site never mix sessions.
import { shapes, type StoredChat } from '../api/shapes.ts';

export type { StoredChat };

export class ChatStorage {
  private readonly key: string;

  constructor(baseUrl: string) {
    this.key = `balie-chat:${baseUrl}`;
  }

  /** The stored chat, unless it is missing, unreadable or past its expiry (then it is removed). */
  load(now = Date.now()): StoredChat | undefined {
    let raw: string | null = null;
    try {
      raw = localStorage.getItem(this.key);
    } catch {
      return undefined; // storage blocked by the browser: the chat then lasts as long as the page
    }
    if (!raw) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (!shapes.storedChat(value) || !(Date.parse(value.expiresAt) > now)) {
      this.clear();
      return undefined;
    }
    return value;
  }

  save(chat: StoredChat): void {
    try {
      localStorage.setItem(this.key, JSON.stringify(chat));
    } catch {
      // Full or blocked: the in-memory outbox still holds every message until it is acknowledged.
    }
  }

  clear(): void {
    try {
      localStorage.removeItem(this.key);
    } catch {
      // nothing stored, nothing to clear
    }
  }
}
