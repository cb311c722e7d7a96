// The citizens' namespace /widget: a socket opens with its chat session token and can only ever
// reach that session's conversation — its room, and commands whose payloads name no conversation.
import type { Chat, ChatSession } from '../chat/index.ts';
import { chatSchemas } from '../chat/index.ts';
import type { Logger } from '../log.ts';
import { command } from './commands.ts';
import type { HandshakeErrorData, WidgetErrorCode } from './events.ts';
import { clientAddress, WindowCounter } from './limits.ts';
import type { WidgetNamespace } from './server.ts';

export const chatRoom = (conversationId: number) => `chat:${conversationId}`;

/** Typing is relayed at most this often per socket; clients repeat "true" while typing. */
const TYPING_RELAY_MS = 1000;

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

  widget.on('connection', (socket) => {
    const session: ChatSession = { conversationId: socket.data.conversationId, tokenHash: socket.data.tokenHash, expiresAt: new Date(socket.data.expiresAt) };
    // The engine connection keeps its HTTP upgrade request (with its socket and parser state) for
    // its whole life, only for socket.request, which nothing here reads after the handshake: let it
    // go — a few KiB per citizen (issue 17 §4). A later namespace join on this connection would see
    // no headers, and so no cookie: /agent refuses it, and /widget checked its origin already.
    (socket.conn as unknown as { request: unknown }).request = undefined;
    void socket.join(chatRoom(session.conversationId));
    chat.widgetBack(session.conversationId);
    socket.on('disconnect', () => {
      // Gone for good only when no widget of this chat is connected anywhere after the grace period.
      chat.widgetGone(session.conversationId, async () => {
        try {
          return (await widget.in(chatRoom(session.conversationId)).fetchSockets()).length > 0;
        } catch {
          // Another instance did not answer in time: do not end a chat that may be alive there.
          return true;
        }
      });
    });
    // The session ends at its expiry even while connected.
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(session.expiresAt.getTime() - Date.now(), 2 ** 31 - 1));
    expiry.unref();
    socket.on('disconnect', () => clearTimeout(expiry));

    const perSocket = new WindowCounter(options.limits.socketPerMinute);
    const allow = () => perSocket.take('') && perIp.take(socket.data.ip);
    const base = { allow, log };
    type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: WidgetErrorCode } };
    const fail = (code: WidgetErrorCode) => ({ ok: false as const, error: { code } });
    /**
     * The session as it is now, checked before each command: an agent may have closed the chat
     * (then only rating, the transcript and removing are left, for a short while) or it ended
     * elsewhere. Answers 'live' or 'closed' to go ahead with, or the code to refuse with.
     */
    const admit = async (allowedOnceClosed: boolean): Promise<'live' | 'closed' | WidgetErrorCode> => {
      const state = await chat.sessionState(session, options.closedGraceSeconds);
      if (state === 'live' || (state === 'closed' && allowedOnceClosed)) return state;
      if (state === 'closed') return 'conversation_closed';
      // After the answer: the socket has nothing left to do.
      setImmediate(() => socket.disconnect(true));
      return 'session_ended';
    };
    const refusal = async (allowedOnceClosed: boolean): Promise<WidgetErrorCode | null> => {
      const state = await admit(allowedOnceClosed);
      return state === 'live' || state === 'closed' ? null : state;
    };

    socket.on('presence.ping', (ack) => {
      if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
    });

    command(socket, 'message.send', { ...base, schema: chatSchemas.sendPayload, invalid: (error) => (chatSchemas.isTooLong(error) ? 'message_too_long' : 'validation_failed') }, async (payload): Promise<Reply<unknown>> => {
      const refused = await refusal(false);
      if (refused === 'conversation_closed') {
        // A resend of a message stored before the close is answered with it, never refused.
        const earlier = await chat.storedCitizenMessage(session, payload.clientId);
        return earlier ? { ok: true, data: { message: earlier } } : fail(refused);
      }
      if (refused) return fail(refused);
      const outcome = await chat.send(session, payload);
      return outcome.ok ? { ok: true, data: { message: outcome.message } } : fail(outcome.code);
    });

    command(socket, 'messages.fetch', { ...base, schema: chatSchemas.fetchPayload }, async (payload): Promise<Reply<unknown>> => {
      const refused = await refusal(false);
      if (refused) return fail(refused);
      return { ok: true, data: await chat.fetch(session, payload.afterId, payload.limit) };
    });

    for (const state of ['delivered', 'read'] as const) {
      command(socket, `messages.mark_${state}`, { ...base, schema: chatSchemas.throughPayload }, async (payload): Promise<Reply<unknown>> => {
        const refused = await refusal(false);
        if (refused) return fail(refused);
        const through = await chat.citizenReceipt(session, state, payload.throughId);
        return { ok: true, data: { throughId: through ?? payload.throughId } };
      });
    }

    let lastTyping = 0;
    command(socket, 'typing.set', { ...base, schema: chatSchemas.citizenTypingPayload }, async (payload): Promise<Reply<null>> => {
      const now = Date.now();
      if (payload.typing && now - lastTyping < TYPING_RELAY_MS) return { ok: true, data: null };
      const refused = await refusal(false);
      if (refused) return fail(refused);
      lastTyping = payload.typing ? now : 0;
      options.relayTyping(session.conversationId, payload.typing);
      return { ok: true, data: null };
    });

    command(socket, 'transcript.send', { ...base, schema: chatSchemas.transcriptPayload }, async (payload): Promise<Reply<unknown>> => {
      const refused = await refusal(true);
      if (refused) return fail(refused);
      const outcome = await chat.transcript(session, payload.email, payload.lang);
      return outcome.ok ? { ok: true, data: { queued: true } } : fail(outcome.code);
    });

    command(socket, 'rating.submit', { ...base, schema: chatSchemas.ratingPayload }, async (payload): Promise<Reply<unknown>> => {
      const refused = await refusal(true);
      if (refused) return fail(refused);
      const outcome = await chat.rate(session, payload.score, payload.comment);
      return outcome.ok ? { ok: true, data: { score: payload.score } } : fail(outcome.code);
    });

    command(socket, 'chat.end', { ...base, schema: undefined }, async (): Promise<Reply<unknown>> => {
      const state = await admit(true);
      if (state !== 'live' && state !== 'closed') return fail(state);
      if (state === 'closed') {
        // Closed by the agent, its sessions ended already: removing it from the device is the widget's part.
        setImmediate(() => socket.disconnect(true));
        return { ok: true, data: { ended: true } };
      }
      // The chat.ended event disconnects this conversation's sockets everywhere, after this answer.
      await chat.end(session);
      return { ok: true, data: { ended: true } };
    });

    void chat.state(session).then(
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
