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

export interface DomainEventMap {
  /** An agent's sessions were ended: logged out everywhere, password changed or account disabled. */
  'agent.sessions_revoked': [{ agentId: number; reason: 'logged_out' | 'disabled' }];
  /** A milestone entered its due-soon period (default 4 business hours before due). */
  'deadline.due_soon': [DeadlineTransition];
  /** A milestone passed its due time unmet. */
  'deadline.breached': [DeadlineTransition];
}

export class DomainEvents extends EventEmitter<DomainEventMap> {}
