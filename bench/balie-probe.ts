// Loaded into Balie by bench/widget-sockets.bench.ts with BENCH_PROBE=1 (NODE_OPTIONS=--import):
// where Balie's own time goes while citizens chat, so that a latency tail can be traced to its
// cause rather than guessed. Once a second it appends one JSON line to BALIE_PROBE_FILE:
//   - the event loop's delay (perf_hooks monitorEventLoopDelay): max and p99 in that second;
//   - garbage collection pauses (count, total and longest, by kind);
//   - every PostgreSQL query's time from call to answer, by its first words (count, total, max),
//     and the time spent waiting for a pooled connection.
// Plain erasable TypeScript, run by Node itself before tsx loads Balie.
import fs from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import pg from 'pg';

const file = process.env.BALIE_PROBE_FILE;
if (file) {
  type Stat = { n: number; total: number; max: number };
  const add = (into: Record<string, Stat>, key: string, ms: number) => {
    const stat = (into[key] ??= { n: 0, total: 0, max: 0 });
    stat.n++;
    stat.total += ms;
    stat.max = Math.max(stat.max, ms);
  };
  let queries: Record<string, Stat> = {};
  let gc: Record<string, Stat> = {};
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      add(gc, ({ 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak' } as Record<number, string>)[kind ?? 0] ?? String(kind), entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  // Every query goes through Client.prototype.query (pool.query checks a client out and calls it).
  const label = (config: unknown) => {
    const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text ?? '?';
    return text.replace(/\s+/g, ' ').trim().slice(0, 70);
  };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const key = label(args[0]);
    const done = (failed: boolean) => add(queries, failed ? `failed: ${key}` : key, performance.now() - started);
    // pool.query passes a callback (and gets no promise back); inTransaction's clients get a promise.
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, ...rest: unknown[]) => {
        done(!!error);
        return (callback as (...a: unknown[]) => unknown)(error, ...rest);
      };
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(() => done(false), () => done(true));
    return result;
  } as never;
  // pool.query checks its client out with a callback, inTransaction with a promise: time both.
  const connect = pg.Pool.prototype.connect as (...args: unknown[]) => unknown;
  pg.Pool.prototype.connect = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const waited = () => add(queries, '(waiting for a pooled connection)', performance.now() - started);
    const callback = args[0];
    if (typeof callback === 'function') {
      return connect.call(this, (...answer: unknown[]) => {
        waited();
        return (callback as (...a: unknown[]) => unknown)(...answer);
      });
    }
    const result = connect.apply(this, args) as Promise<unknown>;
    result.then(waited, () => undefined);
    return result;
  } as never;

  setInterval(() => {
    const line = { at: performance.timeOrigin + performance.now(), loopMaxMs: delay.max / 1e6, loopP99Ms: delay.percentile(99) / 1e6, gc, queries };
    delay.reset();
    gc = {};
    queries = {};
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  }, 1000).unref();
}
