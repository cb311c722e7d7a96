// Waiting in tests on a machine whose speed is unknown (CI shares its two cores with other work):
// wait as long as the work makes progress, fail as soon as it stalls.

export interface ProgressOptions {
  /** Fail when the measured value has not changed for this long. */
  stallMs?: number;
  /** An outer bound, for work that could progress forever without finishing. */
  maxMs?: number;
  /** Polling interval. */
  everyMs?: number;
}

/**
 * Polls `measure` until `done` holds. Unlike a fixed deadline, the clock restarts whenever the
 * value changes: 500 mails that take 20 s on an idle machine and 90 s on a loaded one both pass,
 * while an ingest that stopped fails after `stallMs` with the last value in the message.
 */
export async function untilDone<T>(measure: () => Promise<T>, done: (value: T) => boolean, options: ProgressOptions = {}): Promise<T> {
  const { stallMs = 30_000, maxMs = 600_000, everyMs = 100 } = options;
  const started = Date.now();
  let value = await measure();
  let lastSeen = JSON.stringify(value);
  let lastChange = Date.now();
  while (!done(value)) {
    const now = Date.now();
    if (now - lastChange > stallMs) throw new Error(`no progress for ${stallMs} ms; last value: ${lastSeen}`);
    if (now - started > maxMs) throw new Error(`not done after ${maxMs} ms; last value: ${lastSeen}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await measure();
    const seen = JSON.stringify(value);
    if (seen !== lastSeen) {
      lastSeen = seen;
      lastChange = Date.now();
    }
  }
  return value;
}
