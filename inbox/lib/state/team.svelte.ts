// Who is online, and this agent's own presence (Beschikbaar / Afwezig), shared with the widget.
import type { AgentPresence } from '../../../server/realtime/events.ts';
import type { AgentSocket } from '../api/socket.ts';
import { team, type TeamMember } from '../api/team.ts';

export class Team {
  members = $state<TeamMember[]>([]);
  /** This agent's own status as the server last confirmed it. */
  myStatus = $state<'available' | 'away'>('available');
  errorCode = $state<string | null>(null);

  private readonly myId: number;

  constructor(myId: number) {
    this.myId = myId;
  }

  get online(): TeamMember[] {
    return this.members.filter((member) => member.status !== 'offline');
  }

  async load() {
    try {
      this.members = await team();
      const me = this.members.find((member) => member.id === this.myId);
      if (me && me.status !== 'offline') this.myStatus = me.status;
    } catch {
      // The team list is a help; the inbox works without it.
    }
  }

  connect(socket: AgentSocket): () => void {
    const changed = (presence: AgentPresence) => {
      const known = this.members.some((member) => member.id === presence.agentId);
      this.members = known
        ? this.members.map((member) => (member.id === presence.agentId ? { ...member, status: presence.status } : member))
        : [...this.members, { id: presence.agentId, name: presence.name, role: 'agent', status: presence.status }];
      if (presence.agentId === this.myId && presence.status !== 'offline') this.myStatus = presence.status;
    };
    const reconnected = () => void this.load();
    socket.on('agent.presence_changed', changed);
    // session.ready comes once this socket's presence is recorded: then the list includes us.
    socket.on('session.ready', reconnected);
    this.socket = socket;
    return () => {
      socket.off('agent.presence_changed', changed);
      socket.off('session.ready', reconnected);
    };
  }

  private socket: AgentSocket | undefined;

  /** Sets Beschikbaar/Afwezig for all of this agent's tabs. */
  setStatus(status: 'available' | 'away'): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      socket.timeout(5000).emit('presence.set', { status }, (error, reply) => {
        if (error || !reply.ok) this.errorCode = error ? 'network' : reply.ok ? null : reply.error.code;
        else {
          this.errorCode = null;
          this.myStatus = status;
          this.members = this.members.map((member) => (member.id === this.myId ? { ...member, status } : member));
        }
        resolve();
      });
    });
  }
}
