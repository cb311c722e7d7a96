// The two wire formats under the widget's socket, as far as a WebSocket-only text client needs them
// (https://socket.io/docs/v4/engine-io-protocol/ and /socket-io-protocol/):
//   Engine.IO v4: one packet per WebSocket frame, its type the first character —
//     0 open (JSON: sid, pingInterval, pingTimeout), 1 close, 2 ping, 3 pong, 4 message, 6 noop.
//   Socket.IO v5, inside an Engine.IO message: <type>[<namespace>,][<ack id>][<JSON>] —
//     0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR (5 and 6 carry binary: never used here).

export const CONNECT = 0;
export const DISCONNECT = 1;
export const EVENT = 2;
export const ACK = 3;
export const CONNECT_ERROR = 4;

export interface SocketPacket {
  type: number;
  nsp: string;
  id?: number;
  data?: unknown;
}

/** An Engine.IO message frame carrying one Socket.IO packet; the namespace '/' is left out. */
export function encode(type: number, nsp: string, data?: unknown, id?: number): string {
  return '4' + type + (nsp === '/' ? '' : nsp + ',') + (id ?? '') + (data === undefined ? '' : JSON.stringify(data));
}

/** The Socket.IO packet in an Engine.IO message frame ('4…'); undefined for anything else or garbage. */
export function decode(frame: string): SocketPacket | undefined {
  const type = Number(frame[1]);
  if (frame[0] !== '4' || !(type <= CONNECT_ERROR)) return;
  let at = 2;
  let nsp = '/';
  if (frame[at] === '/') {
    const comma = frame.indexOf(',', at);
    const end = comma < 0 ? frame.length : comma;
    nsp = frame.slice(at, end);
    at = end + 1;
  }
  const digits = /^\d*/.exec(frame.slice(at))![0];
  const packet: SocketPacket = { type, nsp };
  if (digits) packet.id = Number(digits);
  const json = frame.slice(at + digits.length);
  if (json) {
    try {
      packet.data = JSON.parse(json);
    } catch {
      return;
    }
  }
  return packet;
}

/**
 * The wait before reconnection attempt `attempt` (0 first): doubling from `min` up to `max`, spread
 * ±50% so that the widgets a restart dropped do not all come back in the same instant (as socket.io-client).
 */
export function backoff(attempt: number, min: number, max: number, random = Math.random()): number {
  return Math.min(max, min * 2 ** Math.min(attempt, 20) * (0.5 + random));
}
