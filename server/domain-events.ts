// Domain events: features announce what happened; the realtime layer (and later others) listen.
// Handlers never reach for socket.io themselves (style.md §7).
import { EventEmitter } from 'node:events';
import type { ChatMessage, ConversationOutcome, StatusActivity } from './realtime/events.ts';

/** A milestone that became due soon or was breached; raised once across all instances. */
export interface DeadlineTransition {
  milestoneId: number;
  conversationId: number;
  reference: string;
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';
  normId: string;
  /** ISO 8601 in Europe/Amsterdam with offset. */
  dueAt: string;
}

/** Something new or changed in a conversation, for every agent's inbox. */
export interface ConversationActivity {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

export interface DomainEventMap {
  /** A conversation was opened (a first mail, a new chat). */
  'conversation.created': [ConversationActivity];
  /**
   * A message was stored in a conversation: the citizen's, an agent's reply, a note, a system message.
   * `chat` is the message as the citizen sees it, present only for chat messages the citizen may see.
   */
  'message.created': [ConversationActivity & { messageId: number; direction: 'in' | 'out'; kind: 'message' | 'note' | 'system'; chat?: ChatMessage }];
  /** An agent took a conversation (claim, or a first reply); `pickedUp` when this was a chat's pickup. */
  'conversation.assigned': [ConversationActivity & { assignee: { id: number; name: string }; firstName: string; pickedUp: boolean }];
  /** Status, outcome or milestones of a conversation changed; carries what changed (issue 11). */
  'conversation.updated': [StatusActivity];
  /** An agent closed a conversation with an outcome (or the citizen abandoned a queued chat). */
  'conversation.closed': [ConversationActivity & { outcome: ConversationOutcome | 'abandoned'; closedAt: string }];
  /** The citizen rated the conversation (CSAT). */
  'conversation.rated': [ConversationActivity & { score: number }];
  /** The citizen ended the chat ("Gesprek beëindigen"); its sessions no longer work. */
  'chat.ended': [ConversationActivity];
  /** One side received or read the other's messages up to a message id. */
  'message.receipt': [{ conversationId: number; by: 'citizen' | 'agent'; state: 'delivered' | 'read'; throughId: number; at: string }];
  /** An agent became available, away or offline (all their connections together, on every instance). */
  'agent.presence_changed': [{ agentId: number; name: string; status: 'available' | 'away' | 'offline' }];
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
