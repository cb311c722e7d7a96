// Whether this tab's live connection is up (issue 16.8). While it is down no live event reaches
// the agent, and the server no longer counts them present, so the widget tells citizens that
// nobody is available: the inbox must say so rather than show "Beschikbaar".
import type { AgentSocket } from '../api/socket.ts';

export class Connection {
  /** `connecting` until the first connect or failure, so the page does not flash a warning. */
  state = $state<'connecting' | 'connected' | 'lost'>('connecting');
  private socket: AgentSocket | undefined;

  get lost(): boolean {
    return this.state === 'lost';
  }

  connect(socket: AgentSocket): () => void {
    this.socket = socket;
    const up = () => (this.state = 'connected');
    const down = () => (this.state = 'lost');
    if (socket.connected) up();
    socket.on('connect', up);
    socket.on('disconnect', down);
    // A refused handshake (another origin, a full server) or an unreachable server.
    socket.on('connect_error', down);
    return () => {
      socket.off('connect', up);
      socket.off('disconnect', down);
      socket.off('connect_error', down);
    };
  }

  /** Tries at once instead of waiting for the client's next back-off step. */
  retry() {
    const socket = this.socket;
    if (!socket || socket.connected) return;
    socket.disconnect();
    socket.connect();
  }
}
