// The citizen's live connection: namespace /widget, opened with the chat session's token.
// socket.io-client (~13 KiB gzipped) is not in widget.js: it is loaded the first time a chat
// needs a socket, so a visitor who only looks, or leaves a question, never downloads it
// (issue 5 §2). The build emits it as /widget/socket.io-<hash>.js and puts its name here.
import type { io as connect, Socket } from 'socket.io-client';
import type { WidgetClientEvents, WidgetServerEvents } from '../../../server/realtime/events.ts';

export type WidgetSocket = Socket<WidgetServerEvents, WidgetClientEvents>;

/** Replaced by the build (vite.config.ts) with the hashed file name of socket.io-client's ES build. */
const SOCKET_IO_FILE: string = '__BALIE_SOCKET_IO_FILE__';

/** Loads socket.io-client (the browser caches the module by its URL) and opens the socket. */
export async function connectWidgetSocket(base: string, token: string): Promise<WidgetSocket> {
  const { io } = (await import(/* @vite-ignore */ `${base}/widget/${SOCKET_IO_FILE}`)) as { io: typeof connect };
  return io(base + '/widget', {
    auth: { token },
    transports: ['websocket', 'polling'],
    withCredentials: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
}
