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
