// Domain events of the inbox that server/domain-events.ts does not declare (yet): a conversation
// handed over or released, and a status change. Emitted on the same DomainEvents bus.
import type { EventEmitter } from 'node:events';
import type { DomainEvents } from '../domain-events.ts';

interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email';
}

export interface InboxEventMap {
  /** An agent gave the conversation to a colleague, or released it (assignee null). */
  'conversation.handed_over': [ConversationRef & { assignee: { id: number; name: string } | null }];
  /** An agent set the status (open / waiting) or reopened the conversation. */
  'conversation.updated': [ConversationRef & { status: 'new' | 'open' | 'waiting' | 'closed' }];
}

/**
 * The bus typed with the inbox's events. Belongs in DomainEventMap; kept here until
 * server/domain-events.ts takes these two entries (its owner was asked to).
 */
export function inboxEvents(events: DomainEvents): EventEmitter<InboxEventMap> {
  return events as unknown as EventEmitter<InboxEventMap>;
}
