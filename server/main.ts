// Entry point of `npm start`: read the configuration, start Balie, stop it cleanly on a signal.
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';

function fail(message: string): never {
  // One plain line on stderr: the operator reads it in a terminal or a systemd journal.
  process.stderr.write(`balie: ${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  throw error;
}

const log = createLogger(config.logLevel);
// Loaded only once the configuration is known to be good: a bad variable is reported at once,
// without waiting for the whole server (and its dependencies) to load.
const { startBalie } = await import('./balie.ts');
const { DatabaseUnavailableError } = await import('./db/index.ts');
let balie;
// Set once Balie runs: the embedded database died for good, so stop and exit non-zero.
let onDatabaseLost: () => void = () => process.exit(1);
try {
  balie = await startBalie(config, log, { onDatabaseLost: () => onDatabaseLost() });
} catch (error) {
  if (error instanceof DatabaseUnavailableError) fail(error.message);
  const err = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') fail(`PORT ${config.port} is already in use on ${config.host}`);
  if (err.code === 'EACCES') fail(`not allowed to listen on ${config.host}:${config.port} (PORT or HOST)`);
  log.fatal({ err: error }, 'Balie could not start');
  fail(`could not start: ${err.message}`);
}

const running = balie;
// The address to open (issue 16.8): PUBLIC_URL, not the listening address — pages opened at another
// address are sent there, since live connections are only accepted from PUBLIC_URL's origin.
log.info({ inbox: config.publicUrl.href, demo: new URL('/demo', config.publicUrl).href, listening: running.url }, `open the inbox at ${config.publicUrl.href}`);
let stopping = false;

/** Stops Balie once, then exits with `code`; a stop that hangs is cut off after 8 s. */
function shutdown(code: 0 | 1): void {
  if (stopping) return;
  stopping = true;
  // A shutdown that hangs (a stuck client) must not keep the process alive forever.
  setTimeout(() => {
    log.error('shutdown took longer than 8 s; exiting');
    process.exit(1);
  }, 8_000).unref();
  running.stop().then(
    () => process.exit(code),
    (error: unknown) => {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    },
  );
}

onDatabaseLost = () => shutdown(1);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    log.info({ signal }, 'shutting down');
    shutdown(0);
  });
}
