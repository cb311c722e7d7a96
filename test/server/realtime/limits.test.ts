// The connection ceilings' arithmetic (issue 12 §2): per address, per agent, per instance with a
// quarter kept for agents, and places freed by handshakes that never complete.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionLimiter, type Reservation } from '../../../server/realtime/limits.ts';

afterEach(() => vi.useRealTimers());

const taken = (value: Reservation | string): value is Reservation => typeof value !== 'string';

describe('ConnectionLimiter', () => {
  it('counts anonymous connections per address and agents per agent', () => {
    const limiter = new ConnectionLimiter({ perAddress: 2, perAgent: 1, total: 100 });
    expect(taken(limiter.reserve({ address: 'a' }))).toBe(true);
    expect(taken(limiter.reserve({ address: 'a' }))).toBe(true);
    expect(limiter.reserve({ address: 'a' })).toBe('per_address');
    expect(taken(limiter.reserve({ address: 'b' }))).toBe(true);
    // An agent behind address a is not counted with a's anonymous connections.
    expect(taken(limiter.reserve({ address: 'a', agentId: 7 }))).toBe(true);
    expect(limiter.reserve({ address: 'c', agentId: 7 })).toBe('per_agent');
  });

  it('keeps a quarter of the total for agents', () => {
    const limiter = new ConnectionLimiter({ perAddress: 100, perAgent: 100, total: 8 });
    for (let i = 0; i < 6; i++) expect(taken(limiter.reserve({ address: `x${i}` }))).toBe(true);
    expect(limiter.reserve({ address: 'fresh' })).toBe('instance_full');
    expect(taken(limiter.reserve({ address: 'fresh', agentId: 1 }))).toBe(true);
    expect(taken(limiter.reserve({ address: 'fresh', agentId: 2 }))).toBe(true);
    expect(limiter.reserve({ address: 'fresh', agentId: 3 })).toBe('instance_full');
    expect(limiter.total).toBe(8);
  });

  it('frees a place when released (once), and after a while when the handshake never completed', () => {
    vi.useFakeTimers();
    const limiter = new ConnectionLimiter({ perAddress: 1, perAgent: 1, total: 10 });
    const first = limiter.reserve({ address: 'a' });
    if (!taken(first)) throw new Error('refused');
    first.release();
    first.release();
    expect(limiter.total).toBe(0);
    const confirmed = limiter.reserve({ address: 'a' });
    if (!taken(confirmed)) throw new Error('refused');
    confirmed.confirm();
    vi.advanceTimersByTime(60_000);
    // A confirmed connection counts until it closes.
    expect(limiter.reserve({ address: 'a' })).toBe('per_address');
    confirmed.release();
    const abandoned = limiter.reserve({ address: 'a' });
    expect(taken(abandoned)).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(limiter.total).toBe(0);
    expect(taken(limiter.reserve({ address: 'a' }))).toBe(true);
  });
});
