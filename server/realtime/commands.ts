// One way to answer socket commands: rate limit, validate (zod), run, acknowledge with
// { ok: true, data } | { ok: false, error: { code } }; a bad payload or a failure never crashes.
import type { z } from 'zod';
import type { Logger } from '../log.ts';
import type { Ack } from './events.ts';

type Listener = (...args: unknown[]) => void;

export interface CommandOptions<S extends z.ZodType | undefined, C extends string> {
  /** Validates the payload (the first argument); commands without a payload pass undefined. */
  schema: S;
  /** False when the sender is over a rate limit. */
  allow: () => boolean;
  /** The code for a payload that failed validation (default validation_failed). */
  invalid?: (error: z.ZodError) => C;
  log: Logger;
}

/**
 * Registers `name` on the socket. The acknowledgement is the last argument when it is a function;
 * a client that sends none still gets its command done, just not answered.
 */
export function command<S extends z.ZodType | undefined, T, C extends string>(
  socket: { on(event: string, listener: Listener): unknown },
  name: string,
  options: CommandOptions<S, C>,
  run: (payload: S extends z.ZodType ? z.infer<S> : undefined) => Promise<Ack<T, C>>,
): void {
  socket.on(name, (...args: unknown[]) => answerCommand(name, args, options, run));
}

/**
 * Answers one command as `command` does, for a listener shared by many sockets: `args` as the
 * client sent them (the acknowledgement last, when it is a function).
 */
export function answerCommand<S extends z.ZodType | undefined, T, C extends string>(
  name: string,
  args: unknown[],
  options: CommandOptions<S, C>,
  run: (payload: S extends z.ZodType ? z.infer<S> : undefined) => Promise<Ack<T, C>>,
): void {
  const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: Ack<T, C | 'validation_failed' | 'rate_limited' | 'internal'>) => void) : undefined;
  const reply = (value: Ack<T, C | 'validation_failed' | 'rate_limited' | 'internal'>) => {
    try {
      ack?.(value);
    } catch {
      // A client's broken callback is its own business.
    }
  };
  if (!options.allow()) return reply({ ok: false, error: { code: 'rate_limited' } });
  let payload: unknown;
  if (options.schema) {
    const parsed = options.schema.safeParse(args[0]);
    if (!parsed.success) return reply({ ok: false, error: { code: options.invalid?.(parsed.error) ?? 'validation_failed' } });
    payload = parsed.data;
  }
  run(payload as S extends z.ZodType ? z.infer<S> : undefined).then(reply, (error: unknown) => {
    options.log.error({ err: error, command: name }, 'socket command failed');
    reply({ ok: false, error: { code: 'internal' } });
  });
}
