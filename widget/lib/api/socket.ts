// The citizen's live connection: namespace /widget, opened with the chat session's token.
// A small Socket.IO client of its own (issue 17 §3) instead of socket.io-client (13 KiB gzipped):
// it speaks Engine.IO v4 / Socket.IO v5 over a WebSocket only, with what the chat uses — events
// both ways, acknowledgements with a timeout, the auth payload, connect errors with their data,
// heartbeats, and reconnection with backoff — and nothing else (no long-polling, binary, rooms or
// multiplexing). Every browser the widget supports has WebSocket; a network that blocks it would
// need polling, which socket.io-client would have tried second (documented in the README).
import type { WidgetClientEvents, WidgetServerEvents } from '../../../server/realtime/events.ts';
import { ACK, backoff, CONNECT, CONNECT_ERROR, decode, DISCONNECT, encode, EVENT } from './socket-protocol.ts';

/** socket.io-client's own events, with the reasons it gives ('io server disconnect', 'transport close', …). */
interface ReservedEvents {
  connect: () => void;
  disconnect: (reason: string) => void;
  connect_error: (error: Error & { data?: unknown }) => void;
}
type ServerEvents = WidgetServerEvents & ReservedEvents;

export interface WidgetSocket {
  /** Joined to the namespace (socket.io-client's `connected`). */
  readonly connected: boolean;
  on<E extends keyof ServerEvents>(event: E, listener: ServerEvents[E]): void;
  removeAllListeners(): void;
  /** Sent at once when connected, else when the connection is back. */
  emit(event: keyof WidgetClientEvents, ...args: unknown[]): void;
  /** Resolves with the acknowledgement; rejects after `ms` without one, or when the connection drops. */
  timeout(ms: number): { emitWithAck(event: keyof WidgetClientEvents, ...args: unknown[]): Promise<unknown> };
  /** Connects again after the server let go or refused (socket.io does not retry those by itself). */
  connect(): void;
  disconnect(): void;
}

export interface SocketOptions {
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  /** How long the engine's open packet may take (socket.io-client's `timeout`). */
  openTimeout?: number;
  /** For tests outside a browser. */
  WebSocket?: typeof WebSocket;
}

type Listener = (...args: unknown[]) => void;

/** Opens a socket to namespace `nsp` of the Socket.IO server at `base` (http(s)://host[:port]). */
export function openSocket(base: string, nsp: string, auth: object, options: SocketOptions = {}): WidgetSocket {
  const url = base.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
  const Ws = options.WebSocket ?? WebSocket;
  const listeners = new Map<string, Listener[]>();
  /** Acknowledgement callbacks by packet id: called with an error, or with undefined and the reply. */
  const acks = new Map<number, (error?: Error, reply?: unknown) => void>();
  /** Frames emitted while not connected, with their ack id. */
  let buffer: [string, number | undefined][] = [];
  let ws: WebSocket | undefined;
  /** Keeps reconnecting after the transport is lost (false after disconnect() or a refusal). */
  let active = false;
  let attempts = 0;
  let nextId = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Without a frame from the server this long (open packet, then heartbeats), the transport is gone. */
  let silence: ReturnType<typeof setTimeout> | undefined;

  const fire = (event: string, ...args: unknown[]) => {
    for (const listener of listeners.get(event) ?? []) listener(...args);
  };

  const expectWithin = (ms: number) => {
    clearTimeout(silence);
    silence = setTimeout(() => lost('ping timeout'), ms);
  };

  const open = () => {
    const socket = (ws = new Ws(url));
    expectWithin(options.openTimeout ?? 20_000);
    socket.onmessage = ({ data }: MessageEvent<string>) => {
      const kind = data[0];
      if (kind === '0') {
        const handshake = JSON.parse(data.slice(1)) as { pingInterval: number; pingTimeout: number };
        expectWithin(handshake.pingInterval + handshake.pingTimeout);
        socket.onmessage = onFrame(handshake.pingInterval + handshake.pingTimeout);
        socket.send(encode(CONNECT, nsp, auth));
      }
    };
    // A browser fires close after every error; a refused upgrade (HTTP 403) looks the same.
    socket.onclose = () => {
      if (ws === socket) lost('transport close');
    };
  };

  const onFrame = (wait: number) => ({ data }: MessageEvent<string>) => {
    expectWithin(wait);
    if (data === '2') return ws?.send('3');
    const packet = decode(data);
    if (!packet || packet.nsp !== nsp) return;
    const payload = packet.data as [string, ...unknown[]];
    if (packet.type === CONNECT) {
      self.connected = true;
      attempts = 0;
      for (const [frame] of buffer) ws!.send(frame);
      buffer = [];
      fire('connect');
    } else if (packet.type === EVENT) {
      fire(...payload);
    } else if (packet.type === ACK) {
      acks.get(packet.id!)?.(undefined, payload[0]);
    } else if (packet.type === DISCONNECT) {
      stop('io server disconnect');
    } else if (packet.type === CONNECT_ERROR) {
      stop();
      const refusal = packet.data as { message: string; data?: unknown };
      fire('connect_error', Object.assign(new Error(refusal.message), { data: refusal.data }));
    }
  };

  /** Closes the transport on purpose: no reconnection follows. */
  const stop = (reason?: string) => {
    active = false;
    clearTimeout(retry);
    close(reason);
  };

  /** The transport is gone without being asked to: reconnect with backoff while active. */
  const lost = (reason: string) => {
    const joined = self.connected;
    close(reason);
    if (!joined) fire('connect_error', new Error(reason));
    if (active) retry = setTimeout(open, backoff(attempts++, options.reconnectionDelay ?? 1000, options.reconnectionDelayMax ?? 5000));
  };

  const close = (reason?: string) => {
    const socket = ws;
    ws = undefined;
    clearTimeout(silence);
    socket?.close();
    if (!self.connected) return;
    self.connected = false;
    // As socket.io-client: what was sent will never be answered; what waits in the buffer may still be.
    for (const [id, done] of acks) if (!buffer.some((item) => item[1] === id)) done(new Error('socket has been disconnected'));
    if (reason) fire('disconnect', reason);
  };

  const send = (args: unknown[], id?: number) => {
    const frame = encode(EVENT, nsp, args, id);
    if (self.connected) ws!.send(frame);
    else buffer.push([frame, id]);
  };

  const self = {
    connected: false,
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    removeAllListeners() {
      listeners.clear();
    },
    emit(...args: unknown[]) {
      send(args);
    },
    timeout: (ms: number) => ({
      emitWithAck: (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          const timer = setTimeout(() => done(new Error('operation has timed out')), ms);
          const done = (error?: Error, reply?: unknown) => {
            clearTimeout(timer);
            acks.delete(id);
            buffer = buffer.filter((item) => item[1] !== id);
            if (error) reject(error);
            else resolve(reply);
          };
          acks.set(id, done);
          send(args, id);
        }),
    }),
    connect() {
      if (active) return;
      active = true;
      attempts = 0;
      open();
    },
    disconnect() {
      if (self.connected) ws!.send(encode(DISCONNECT, nsp));
      stop('io client disconnect');
    },
  };
  self.connect();
  return self as WidgetSocket;
}

/** The chat's socket, as the widget opens it: its token as the auth payload. */
export async function connectWidgetSocket(base: string, token: string): Promise<WidgetSocket> {
  return openSocket(base, '/widget', { token }, { reconnectionDelay: 500, reconnectionDelayMax: 5000 });
}
