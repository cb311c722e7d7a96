// The widget's own Socket.IO client (issue 17 §3): its wire format against the protocol's examples,
// and its behaviour against a real socket.io server over real WebSockets (Node's WebSocket, the
// same API as the browser's): auth, events, acknowledgements and their timeouts, refusals, the
// server letting go, a dropped transport and the reconnection after it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, type WidgetSocket } from '../../widget/lib/api/socket.ts';
import { backoff, decode, encode } from '../../widget/lib/api/socket-protocol.ts';
import { untilDone } from '../support/wait.ts';

describe('the Socket.IO v5 packet format', () => {
  it('encodes as the protocol documents it', () => {
    expect(encode(0, '/widget', { token: 'abc' })).toBe('40/widget,{"token":"abc"}');
    expect(encode(2, '/widget', ['message.send', { text: 'hoi' }], 12)).toBe('42/widget,12["message.send",{"text":"hoi"}]');
    expect(encode(1, '/widget')).toBe('41/widget,');
    expect(encode(2, '/', ['hello', 1])).toBe('42["hello",1]');
  });

  it('decodes connect, events, acknowledgements, refusals and disconnects', () => {
    expect(decode('40/widget,{"sid":"x"}')).toEqual({ type: 0, nsp: '/widget', data: { sid: 'x' } });
    expect(decode('42/widget,["message.created",{"id":7}]')).toEqual({ type: 2, nsp: '/widget', data: ['message.created', { id: 7 }] });
    expect(decode('43/widget,12[{"ok":true}]')).toEqual({ type: 3, nsp: '/widget', id: 12, data: [{ ok: true }] });
    expect(decode('44/widget,{"message":"no","data":{"code":"unauthorized"}}')).toEqual({ type: 4, nsp: '/widget', data: { message: 'no', data: { code: 'unauthorized' } } });
    expect(decode('41/widget,')).toEqual({ type: 1, nsp: '/widget' });
    expect(decode('42["hello",1]')).toEqual({ type: 2, nsp: '/', data: ['hello', 1] });
    expect(decode('431[]')).toEqual({ type: 3, nsp: '/', id: 1, data: [] });
  });

  it('ignores what is not a text packet it knows: binary, other Engine.IO packets, broken JSON', () => {
    expect(decode('451-/widget,["x",{"_placeholder":true,"num":0}]')).toBeUndefined();
    expect(decode('2')).toBeUndefined();
    expect(decode('42/widget,["unterminated')).toBeUndefined();
    expect(decode('')).toBeUndefined();
  });

  it('backs off doubling from the minimum to the maximum, spread ±50%', () => {
    expect(backoff(0, 500, 5000, 0)).toBe(250);
    expect(backoff(0, 500, 5000, 1)).toBe(750);
    expect(backoff(2, 500, 5000, 0.5)).toBe(2000);
    expect(backoff(50, 500, 5000, 0.99)).toBe(5000);
  });
});

describe('the widget socket against a real socket.io server', () => {
  let httpServer: http.Server;
  let io: Server;
  let base: string;
  const handshakes: unknown[] = [];
  const serverSockets: ServerSocket[] = [];
  const opened: WidgetSocket[] = [];

  beforeAll(async () => {
    httpServer = http.createServer();
    io = new Server(httpServer, { pingInterval: 300, pingTimeout: 10_000 });
    const nsp = io.of('/widget');
    nsp.use((socket, next) => {
      handshakes.push(socket.handshake.auth);
      const token = (socket.handshake.auth as { token?: string }).token;
      if (token === 'wrong') return next(Object.assign(new Error('No chat session.'), { data: { code: 'unauthorized' } }));
      next();
    });
    nsp.on('connection', (socket) => {
      serverSockets.push(socket);
      socket.on('echo', (payload: unknown, ack?: (reply: unknown) => void) => ack?.({ ok: true, data: payload }));
      socket.on('silent', () => undefined);
      socket.on('note', (payload: unknown) => socket.emit('noted', payload));
      socket.emit('session.ready', { conversation: { id: serverSockets.length } });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of opened) socket.disconnect();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
  });

  const open = (token: string) => {
    const socket = openSocket(base, '/widget', { token }, { reconnectionDelay: 50, reconnectionDelayMax: 200 });
    opened.push(socket);
    return socket;
  };
  const next = <T extends unknown[]>(socket: WidgetSocket, event: string) =>
    new Promise<T>((resolve) => socket.on(event as 'connect', ((...args: T) => resolve(args)) as () => void));

  it('sends the auth payload, receives events and gets its acknowledgements', async () => {
    const socket = open('tok-1');
    const [ready] = await next<[{ conversation: { id: number } }]>(socket, 'session.ready');
    expect(ready.conversation.id).toBeGreaterThan(0);
    expect(socket.connected).toBe(true);
    expect(handshakes).toContainEqual({ token: 'tok-1' });
    await expect(socket.timeout(5000).emitWithAck('echo' as never, { text: 'Goedemiddag' })).resolves.toEqual({ ok: true, data: { text: 'Goedemiddag' } });
    const noted = next<[string]>(socket, 'noted');
    socket.emit('note' as never, 'zonder antwoord');
    expect(await noted).toEqual(['zonder antwoord']);
  });

  it('rejects an acknowledgement that does not come in time', async () => {
    const socket = open('tok-2');
    await next(socket, 'connect');
    await expect(socket.timeout(100).emitWithAck('silent' as never, {})).rejects.toThrow('timed out');
  });

  it('answers the heartbeat: the server keeps the connection past several ping intervals', async () => {
    const socket = open('tok-3');
    await next(socket, 'connect');
    const server = serverSockets.at(-1)!;
    let pongs = 0;
    server.conn.on('heartbeat', () => pongs++);
    await untilDone(async () => pongs, (count) => count >= 3);
    expect(server.connected).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('reports a refused handshake with its data and does not retry by itself', async () => {
    const before = handshakes.length;
    const socket = open('wrong');
    const [error] = await next<[Error & { data?: { code?: string } }]>(socket, 'connect_error');
    expect(error.message).toBe('No chat session.');
    expect(error.data?.code).toBe('unauthorized');
    expect(socket.connected).toBe(false);
    // A second socket's whole handshake later, the refused one has not come back.
    await next(open('tok-4'), 'connect');
    expect(handshakes.slice(before).filter((auth) => (auth as { token: string }).token === 'wrong')).toHaveLength(1);
  });

  it('is let go by the server with "io server disconnect", and connects again when asked', async () => {
    const socket = open('tok-5');
    await next(socket, 'connect');
    const gone = next<[string]>(socket, 'disconnect');
    serverSockets.at(-1)!.disconnect(true);
    expect(await gone).toEqual(['io server disconnect']);
    expect(socket.connected).toBe(false);
    const back = next(socket, 'session.ready');
    socket.connect();
    await back;
    expect(socket.connected).toBe(true);
  });

  it('reconnects by itself after the transport drops, failing the acknowledgements it was waiting for', async () => {
    const socket = open('tok-6');
    await next(socket, 'connect');
    const waiting = socket.timeout(60_000).emitWithAck('silent' as never, {});
    const gone = next<[string]>(socket, 'disconnect');
    const back = next(socket, 'connect');
    serverSockets.at(-1)!.conn.close();
    expect(await gone).toEqual(['transport close']);
    await expect(waiting).rejects.toThrow('disconnected');
    await back;
    expect(socket.connected).toBe(true);
    // What is emitted while disconnected waits for the connection and is delivered then.
    const again = next<[string]>(socket, 'disconnect');
    serverSockets.at(-1)!.conn.close();
    await again;
    const buffered = socket.timeout(10_000).emitWithAck('echo' as never, 'na de storing');
    await expect(buffered).resolves.toEqual({ ok: true, data: 'na de storing' });
  });

  it('keeps retrying while the server cannot be reached, and says so with connect_error', async () => {
    const socket = openSocket('http://127.0.0.1:9', '/widget', { token: 'x' }, { reconnectionDelay: 20, reconnectionDelayMax: 40 });
    let errors = 0;
    socket.on('connect_error', () => errors++);
    await untilDone(async () => errors, (count) => count >= 3);
    socket.disconnect();
    const after = errors;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toBe(after);
  });

  it('tells the server when it leaves', async () => {
    const socket = open('tok-7');
    await next(socket, 'connect');
    const server = serverSockets.at(-1)!;
    const reason = new Promise<string>((resolve) => server.once('disconnect', resolve));
    socket.disconnect();
    expect(await reason).toBe('client namespace disconnect');
  });
});
