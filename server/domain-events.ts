// Domain events: features announce what happened; the realtime layer (and later others) listen.
// Handlers never reach for socket.io themselves (style.md §7).
import { EventEmitter } from 'node:events';

export interface DomainEventMap {
  /** An agent's sessions were ended: logged out everywhere, password changed or account disabled. */
  'agent.sessions_revoked': [{ agentId: number; reason: 'logged_out' | 'disabled' }];
}

export class DomainEvents extends EventEmitter<DomainEventMap> {}
