// The citizens' namespace /widget: a socket opens with its chat session token and can only ever
// reach that session's conversation — its room, and commands whose payloads name no conversation.
import http from 'node:http';
import type { z } from 'zod';
import type { Chat, ChatSession } from '../chat/index.ts';
import { chatSchemas } from '../chat/index.ts';
import type { Logger } from '../log.ts';
import { answerCommand } from './commands.ts';
import type { HandshakeErrorData, WidgetClientEvents, WidgetErrorCode } from './events.ts';
import { clientAddress, WindowCounter } from './limits.ts';
import type { WidgetNamespace } from './server.ts';

type WidgetSocket = Parameters<Parameters<WidgetNamespace['on']>[1]>[0];

export const chatRoom = (conversationId: number) => `chat:${conversationId}`;

/** Typing is relayed at most this often per socket; clients repeat "true" while typing. */
const TYPING_RELAY_MS = 1000;
/** The per-socket command window (limits.socketPerMinute counts per window), as WindowCounter keeps it. */
const WINDOW_MS = 60_000;
/** How often connected sockets are checked for an expired session (sessions last hours; each command re-checks it anyway). */
const EXPIRY_SWEEP_MS = 10_000;
/** Stands in for the handshake's headers, query and auth once they were checked. */
const NOTHING = Object.freeze({});

/**
 * engine.io answers an upgrade through a stand-in response that holds the IncomingMessage (its
 * headers, raw headers, parser leftovers: ~2 KiB) from a "close" listener on the TCP socket, so for
 * as long as the connection lives (issue 17 §4). This engine middleware remembers each upgrade's
 * stand-in; `release` lets the request go once the socket is connected and its handshake checked.
 */
function upgradeResponses(widget: WidgetNamespace): WeakMap<object, { release(): void }> {
  const responses = new WeakMap<object, { release(): void }>();
  widget.server.engine.use((req: http.IncomingMessage, res: object, next: () => void) => {
    // Only the upgrade's stand-in (engine.io's WebSocketResponse) has `req`; polling gets a real response.
    if (!(res instanceof http.ServerResponse) && 'req' in res && (res as { req: unknown }).req === req) responses.set(req, { release: () => void ((res as { req: unknown }).req = undefined) });
    next();
  });
  return responses;
}

function refused(message: string, data: HandshakeErrorData): Error {
  return Object.assign(new Error(message), { data });
}

export function setUpWidgetNamespace(
  widget: WidgetNamespace,
  options: {
    chat: Chat;
    /** Origins that may open a socket (WIDGET_ORIGINS and Balie's own); '*' allows all. */
    origins: readonly string[];
    trustProxy: boolean | number | string;
    limits: { socketPerMinute: number; ipPerMinute: number };
    /** After an agent closed the chat, its open widgets may still rate it and ask for the transcript this long. */
    closedGraceSeconds: number;
    log: Logger;
    /** Tells agents the citizen is typing (the realtime layer's own relay, not a domain event). */
    relayTyping: (conversationId: number, typing: boolean) => void;
  },
): void {
  const { chat, log } = options;
  const perIp = new WindowCounter(options.limits.ipPerMinute);
  const anyOrigin = options.origins.includes('*');
  /** Per socket only what changes: its command window and when its typing was last relayed. */
  const counters = new WeakMap<WidgetSocket, { commands: number; windowStart: number; lastTyping: number }>();
  const upgrades = upgradeResponses(widget);

  widget.use(async (socket, next) => {
    // Browsers send Origin with every WebSocket handshake; only the gemeente's own sites may connect.
    const origin = socket.handshake.headers.origin;
    if (origin !== undefined && !anyOrigin && !options.origins.includes(origin)) {
      return next(refused('This site may not open a chat connection.', { code: 'forbidden_origin' }));
    }
    const ip = clientAddress(socket.handshake, options.trustProxy);
    if (!perIp.take(ip)) return next(refused('Too many connections; try again in a minute.', { code: 'rate_limited' }));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const session =
      typeof token === 'string'
        ? await chat.sessionFor(token).catch((error: unknown) => {
            log.error({ err: error }, 'session lookup for a widget socket failed');
            return undefined;
          })
        : undefined;
    if (!session) return next(refused('No chat session; start a chat first.', { code: 'unauthorized' }));
    socket.data = { conversationId: session.conversationId, tokenHash: session.tokenHash, expiresAt: session.expiresAt.toISOString(), ip };
    next();
  });

  type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: WidgetErrorCode } };
  const fail = (code: WidgetErrorCode) => ({ ok: false as const, error: { code } });
  /** The session a socket opened with, from its data: rebuilt per command rather than kept per socket. */
  const sessionOf = (socket: WidgetSocket): ChatSession => ({ conversationId: socket.data.conversationId, tokenHash: socket.data.tokenHash, expiresAt: new Date(socket.data.expiresAt) });
  /** The socket's own command window (socketPerMinute, fixed windows from its first command) and the IP's. */
  const allow = (socket: WidgetSocket): boolean => {
    const own = counters.get(socket)!;
    const now = Date.now();
    if (now - own.windowStart >= WINDOW_MS) {
      own.windowStart = now;
      own.commands = 0;
    }
    own.commands += 1;
    return own.commands <= options.limits.socketPerMinute && perIp.take(socket.data.ip);
  };
  /**
   * The session as it is now, checked before each command: an agent may have closed the chat
   * (then only rating, the transcript and removing are left, for a short while) or it ended
   * elsewhere. Answers 'live' or 'closed' to go ahead with, or the code to refuse with.
   */
  const admit = async (socket: WidgetSocket, allowedOnceClosed: boolean): Promise<'live' | 'closed' | WidgetErrorCode> => {
    const state = await chat.sessionState(sessionOf(socket), options.closedGraceSeconds);
    if (state === 'live' || (state === 'closed' && allowedOnceClosed)) return state;
    if (state === 'closed') return 'conversation_closed';
    // After the answer: the socket has nothing left to do.
    setImmediate(() => socket.disconnect(true));
    return 'session_ended';
  };
  const refusal = async (socket: WidgetSocket, allowedOnceClosed: boolean): Promise<WidgetErrorCode | null> => {
    const state = await admit(socket, allowedOnceClosed);
    return state === 'live' || state === 'closed' ? null : state;
  };

  /**
   * The widget's commands, bound once for the namespace rather than as closures on every socket
   * (issue 17 §4: nine listeners and their contexts were a good part of a socket's heap). One
   * `onAny` listener per socket looks the command up here; unknown events are ignored as before.
   */
  const commands = new Map<string, (socket: WidgetSocket, args: unknown[]) => void>();
  function handle<S extends z.ZodType | undefined>(
    name: keyof WidgetClientEvents,
    schema: S,
    run: (socket: WidgetSocket, payload: S extends z.ZodType ? z.infer<S> : undefined) => Promise<Reply<unknown>>,
    invalid?: (error: z.ZodError) => WidgetErrorCode,
  ): void {
    commands.set(name, (socket, args) => answerCommand(name, args, { schema, invalid, log, allow: () => allow(socket) }, (payload) => run(socket, payload)));
  }

  commands.set('presence.ping', (_socket, args) => {
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
  });

  handle('message.send', chatSchemas.sendPayload, async (socket, payload) => {
    // The send's own transaction locks the conversation only through a live session (not ended,
    // not expired: what `admit` calls live), so a live chat needs no check before it — one query
    // less on the path every message takes (issue 17 §4). Only when it finds no live session is
    // the session's state read, for the precise answer.
    const outcome = await chat.send(sessionOf(socket), payload);
    if (outcome.ok) return { ok: true, data: { message: outcome.message } };
    if (outcome.code !== 'session_ended') return fail(outcome.code);
    const refused = await refusal(socket, false);
    if (refused === 'conversation_closed') {
      // A resend of a message stored before the close is answered with it, never refused.
      const earlier = await chat.storedCitizenMessage(sessionOf(socket), payload.clientId);
      return earlier ? { ok: true, data: { message: earlier } } : fail(refused);
    }
    return fail(refused ?? 'session_ended');
  }, (error) => (chatSchemas.isTooLong(error) ? 'message_too_long' : 'validation_failed'));

  handle('messages.fetch', chatSchemas.fetchPayload, async (socket, payload) => {
    const refused = await refusal(socket, false);
    if (refused) return fail(refused);
    return { ok: true, data: await chat.fetch(sessionOf(socket), payload.afterId, payload.limit) };
  });

  for (const state of ['delivered', 'read'] as const) {
    handle(`messages.mark_${state}`, chatSchemas.throughPayload, async (socket, payload) => {
      const refused = await refusal(socket, false);
      if (refused) return fail(refused);
      const through = await chat.citizenReceipt(sessionOf(socket), state, payload.throughId);
      return { ok: true, data: { throughId: through ?? payload.throughId } };
    });
  }

  handle('typing.set', chatSchemas.citizenTypingPayload, async (socket, payload) => {
    const own = counters.get(socket)!;
    const now = Date.now();
    if (payload.typing && now - own.lastTyping < TYPING_RELAY_MS) return { ok: true, data: null };
    const refused = await refusal(socket, false);
    if (refused) return fail(refused);
    own.lastTyping = payload.typing ? now : 0;
    options.relayTyping(socket.data.conversationId, payload.typing);
    return { ok: true, data: null };
  });

  handle('transcript.send', chatSchemas.transcriptPayload, async (socket, payload) => {
    const refused = await refusal(socket, true);
    if (refused) return fail(refused);
    const outcome = await chat.transcript(sessionOf(socket), payload.email, payload.lang);
    return outcome.ok ? { ok: true, data: { queued: true } } : fail(outcome.code);
  });

  handle('rating.submit', chatSchemas.ratingPayload, async (socket, payload) => {
    const refused = await refusal(socket, true);
    if (refused) return fail(refused);
    const outcome = await chat.rate(sessionOf(socket), payload.score, payload.comment);
    return outcome.ok ? { ok: true, data: { score: payload.score } } : fail(outcome.code);
  });

  handle('chat.end', undefined, async (socket) => {
    const state = await admit(socket, true);
    if (state !== 'live' && state !== 'closed') return fail(state);
    if (state === 'closed') {
      // Closed by the agent, its sessions ended already: removing it from the device is the widget's part.
      setImmediate(() => socket.disconnect(true));
      return { ok: true, data: { ended: true } };
    }
    // The chat.ended event disconnects this conversation's sockets everywhere, after this answer.
    await chat.end(sessionOf(socket));
    return { ok: true, data: { ended: true } };
  });

  /** The one listener of every widget socket's events; socket.io calls it with the socket as `this`. */
  function dispatch(this: WidgetSocket, event: string, ...args: unknown[]): void {
    commands.get(event)?.(this, args);
  }

  function disconnected(this: WidgetSocket): void {
    const conversationId = this.data.conversationId;
    // Gone for good only when no widget of this chat is connected anywhere after the grace period.
    chat.widgetGone(conversationId, async () => {
      try {
        return (await widget.in(chatRoom(conversationId)).fetchSockets()).length > 0;
      } catch {
        // Another instance did not answer in time: do not end a chat that may be alive there.
        return true;
      }
    });
  }

  // The session ends at its expiry even while connected: one sweep over this instance's widget
  // sockets instead of a timer each, running only while there are any (it stops on close).
  let expirySweep: NodeJS.Timeout | undefined;
  const sweepExpired = () => {
    const now = new Date().toISOString();
    for (const socket of widget.sockets.values()) {
      if (socket.data.expiresAt <= now) socket.disconnect(true);
    }
    if (widget.sockets.size === 0) {
      clearInterval(expirySweep);
      expirySweep = undefined;
    }
  };

  widget.on('connection', (socket) => {
    // The engine connection keeps its HTTP upgrade request (with its socket and parser state) for
    // its whole life, only for socket.request, which nothing here reads after the handshake: let it
    // go — a few KiB per citizen (issue 17 §4). A later namespace join on this connection would see
    // no headers, and so no cookie: /agent refuses it, and /widget checked its origin already.
    const request = (socket.conn as unknown as { request: object | undefined }).request;
    if (request) upgrades.get(request)?.release();
    (socket.conn as unknown as { request: unknown }).request = undefined;
    // The handshake was checked in the middleware above; only its address and times are kept.
    Object.assign(socket.handshake, { headers: NOTHING, query: NOTHING, auth: NOTHING, url: '' });
    counters.set(socket, { commands: 0, windowStart: Date.now(), lastTyping: 0 });
    const conversationId = socket.data.conversationId;
    void socket.join(chatRoom(conversationId));
    chat.widgetBack(conversationId);
    socket.on('disconnect', disconnected);
    expirySweep ??= setInterval(sweepExpired, EXPIRY_SWEEP_MS).unref();
    socket.onAny(dispatch);

    void chat.state(sessionOf(socket)).then(
      (conversation) => {
        if (conversation) socket.emit('session.ready', { conversation });
        else socket.disconnect(true);
      },
      (error: unknown) => {
        log.error({ err: error }, 'could not load a chat for its socket');
        socket.disconnect(true);
      },
    );
  });
}
