// Rate limits for sockets: fixed one-minute windows per key, in this instance's memory. Several
// instances each count their own connections, which is what matters for protecting each one.

export class WindowCounter {
  readonly #limit: number;
  readonly #windowMs: number;
  #counts = new Map<string, number>();
  #windowStart = Date.now();

  constructor(limit: number, windowMs = 60_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one event for `key`; false when the key is over its limit in this window. */
  take(key: string): boolean {
    const now = Date.now();
    // One window for all keys: clearing the map at its end keeps memory bounded without timers.
    if (now - this.#windowStart >= this.#windowMs) {
      this.#counts = new Map();
      this.#windowStart = now;
    }
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, count);
    return count <= this.#limit;
  }
}

/**
 * The client's address. Behind a proxy (TRUST_PROXY) the proxy's X-Forwarded-For names it: with a
 * hop count, the entry that many hops from the right; with `true`, the leftmost; otherwise the
 * socket's own address.
 */
export function clientAddress(handshake: { address: string; headers: Record<string, string | string[] | undefined> }, trustProxy: boolean | number | string): string {
  if (trustProxy === false) return handshake.address;
  const header = handshake.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((part) => part.trim()).filter(Boolean);
  if (hops.length === 0) return handshake.address;
  if (trustProxy === true) return hops[0]!;
  if (typeof trustProxy === 'number') return [...hops, handshake.address][Math.max(0, hops.length - trustProxy)] ?? handshake.address;
  return hops[hops.length - 1]!;
}

/** Why a new engine connection was refused. */
export type ConnectionRefusal = 'per_address' | 'per_agent' | 'instance_full';

export interface ConnectionCeilings {
  /** Concurrent connections of one client address that carry no valid agent session. */
  perAddress: number;
  /** Concurrent connections of one logged-in agent, from wherever they come. */
  perAgent: number;
  /** Concurrent connections of this instance in all; anonymous ones may use three quarters of it. */
  total: number;
}

/** A connection counted before its handshake completes; confirmed when it opens, released when it closes. */
export interface Reservation {
  /** The handshake became a connection: it counts until `release`, not only until the timeout. */
  confirm(): void;
  release(): void;
}

/** A reservation whose handshake never completes (a failed upgrade) frees its place after this. */
const UNCONFIRMED_MS = 10_000;

/**
 * Counts the engine connections of this instance — per client address for anonymous ones, per
 * agent for logged-in ones, and in all — before the handshake completes, so one address cannot
 * hold the file descriptors that HTTP, logins and PostgreSQL need (issue 12 §2). Anonymous
 * connections stop at three quarters of the total: agents can still connect when citizens (or an
 * attacker spread over many addresses) have filled the rest.
 */
export class ConnectionLimiter {
  readonly #ceilings: ConnectionCeilings;
  readonly #byKey = new Map<string, number>();
  #total = 0;
  #anonymous = 0;

  constructor(ceilings: ConnectionCeilings) {
    this.#ceilings = ceilings;
  }

  get total(): number {
    return this.#total;
  }

  /** Takes a place for a connection from `address`, or for `agentId` when it carries their valid session. */
  reserve(who: { address: string; agentId?: number | undefined }): Reservation | ConnectionRefusal {
    const agent = who.agentId !== undefined;
    const key = agent ? `agent:${who.agentId}` : `address:${who.address}`;
    if (this.#total >= this.#ceilings.total) return 'instance_full';
    if (!agent && this.#anonymous >= Math.floor(this.#ceilings.total * 0.75)) return 'instance_full';
    const count = this.#byKey.get(key) ?? 0;
    if (count >= (agent ? this.#ceilings.perAgent : this.#ceilings.perAddress)) return agent ? 'per_agent' : 'per_address';
    this.#byKey.set(key, count + 1);
    this.#total += 1;
    if (!agent) this.#anonymous += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timeout);
      const left = (this.#byKey.get(key) ?? 1) - 1;
      if (left > 0) this.#byKey.set(key, left);
      else this.#byKey.delete(key);
      this.#total -= 1;
      if (!agent) this.#anonymous -= 1;
    };
    const timeout = setTimeout(release, UNCONFIRMED_MS);
    timeout.unref();
    return { confirm: () => clearTimeout(timeout), release };
  }
}
