// The Socket.IO PostgreSQL adapter, with one change: a broadcast reaches this instance's own
// sockets at once, and travels to the other instances through NOTIFY beside that.
//
// The cluster adapter (socket.io-adapter 2.5) awaits the NOTIFY before it delivers a broadcast
// locally. Every broadcast of Balie (a citizen's message to the KCC room, its echo to the chat
// room, each live list patch, each deadline alert) goes through the adapter's small pool, whose one
// free connection runs them one after another, each a transaction of its own. With 2,000 citizens
// chatting that is ~270 NOTIFYs a second, and a citizen's message reached the agent on this very
// instance only after the NOTIFYs queued before it (issue 17 §4: waits of up to 46 ms for the
// adapter's connection, a NOTIFY up to 23 ms, in bench:widget-sockets with BENCH_PROBE=1).
// Other instances still get every broadcast, in the order it was sent (one connection, FIFO).
import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import { Adapter, MessageType, type BroadcastOptions, type ClusterAdapter } from 'socket.io-adapter';

type AdapterOptions = NonNullable<Parameters<typeof createAdapter>[1]>;
type Namespace = Parameters<ReturnType<typeof createAdapter>>[0];

/** The adapter's own broadcast step, which socket.io-adapter keeps protected. */
type Publishing = { publishAndReturnOffset(message: { type: MessageType.BROADCAST; data: { packet: unknown; opts: unknown } }): Promise<string> };

export function createLocalFirstAdapter(pool: pg.Pool, options: AdapterOptions & { errorHandler: (error: Error) => void }): (nsp: Namespace) => ClusterAdapter {
  const create = createAdapter(pool, options);
  // socket.io calls it with `new`: a function (not an arrow) whose returned object is the adapter.
  return function localFirstAdapter(nsp: Namespace): ClusterAdapter {
    const adapter = create(nsp) as unknown as ClusterAdapter;
    adapter.broadcast = (packet: unknown, opts: BroadcastOptions): Promise<void> => {
      if (!opts.flags?.local) {
        // Serialised here, before the local delivery below touches the packet; the query runs later.
        const message = { type: MessageType.BROADCAST, data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags } } } as const;
        (adapter as unknown as Publishing).publishAndReturnOffset(message).catch((error: unknown) => options.errorHandler(error as Error));
      }
      // The in-memory adapter's delivery to this instance's sockets (what the cluster adapter runs after its await).
      Adapter.prototype.broadcast.call(adapter, packet, opts);
      return Promise.resolve();
    };
    return adapter;
  };
}
