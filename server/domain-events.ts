// Domain events: features announce what happened; the realtime layer (and later others) listen.
// Handlers never reach for socket.io themselves (style.md §7).
import { EventEmitter } from 'node:events';

/** A milestone that became due soon or was breached; raised once across all instances. */
export interface DeadlineTransition {
  milestoneId: number;
  conversationId: number;
  reference: string;
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup';
  normId: string;
  /** ISO 8601 in Europe/Amsterdam with offset. */
  dueAt: string;
}

/** Something new or changed in a conversation, for every agent's inbox. */
export interface ConversationActivity {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email';
}

export interface DomainEventMap {
  /** A conversation was opened (a first mail, a new chat). */
  'conversation.created': [ConversationActivity];
  /** A message was stored in a conversation: the citizen's, an agent's reply, a note, a system message. */
  'message.created': [ConversationActivity & { messageId: number; direction: 'in' | 'out'; kind: 'message' | 'note' | 'system' }];
  /** An outgoing mail was sent, is being retried, or failed for good. */
  'message.delivery_changed': [{ conversationId: number; messageId: number; state: 'queued' | 'sending' | 'sent' | 'failed'; error: string | null }];
  /** An agent's sessions were ended: logged out everywhere, password changed or account disabled. */
  'agent.sessions_revoked': [{ agentId: number; reason: 'logged_out' | 'disabled' }];
  /** A milestone entered its due-soon period (default 4 business hours before due). */
  'deadline.due_soon': [DeadlineTransition];
  /** A milestone passed its due time unmet. */
  'deadline.breached': [DeadlineTransition];
}

export class DomainEvents extends EventEmitter<DomainEventMap> {}
