// The inbox's live connection: namespace /agent, authenticated by the session cookie.
import { io, type Socket } from 'socket.io-client';
import type { AgentClientEvents, AgentServerEvents } from '../../../server/realtime/events.ts';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;

export function connectAgentSocket(): AgentSocket {
  return io('/agent', { transports: ['websocket', 'polling'], withCredentials: true });
}
