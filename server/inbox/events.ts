// Domain events of the inbox that server/domain-events.ts does not declare (yet): a conversation
// handed over or released, a status change, a session logged out. Emitted on the same bus.
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { DomainEventMap, DomainEvents } from '../domain-events.ts';

interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

export interface InboxEventMap {
  /** An agent gave the conversation to a colleague, or released it (assignee null). */
  'conversation.handed_over': [ConversationRef & { assignee: { id: number; name: string } | null }];
  /** A colleague (or a supervisor) gave the conversation to this assignee: the assignee is notified (issue 16 §4). */
  'conversation.given': [ConversationRef & { assignee: { id: number; name: string }; by: { id: number; name: string } }];
  /** Declared with the domain events (server/domain-events.ts); repeated for this bus's typing. */
  'conversation.updated': DomainEventMap['conversation.updated'];
  /** One session logged out: its /agent sockets (that browser's tabs) are disconnected. */
  'session.logged_out': [{ agentId: number; room: string }];
}

/**
 * The bus typed with the inbox's events. Belongs in DomainEventMap; kept here until
 * server/domain-events.ts takes these entries (its owner was asked to).
 */
export function inboxEvents(events: DomainEvents): EventEmitter<InboxEventMap> {
  return events as unknown as EventEmitter<InboxEventMap>;
}

/**
 * The Socket.IO room of one login session. A hash, not the token: room names travel through
 * PostgreSQL NOTIFY to the other instances and must not open a session to whoever reads them.
 */
export function sessionRoom(token: string): string {
  return `session:${createHash('sha256').update(token).digest('base64url')}`;
}
