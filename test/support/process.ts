// Runs Balie as operators do — a separate process started from the command line — for tests of
// start-up, shutdown and crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BalieProcess {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `server/main.ts` (what `npm start` runs) or, with `npm: true`, `npm start` itself. */
export function spawnBalie(env: Record<string, string>, options: { npm?: boolean } = {}): BalieProcess {
  // One process, as `npm start` runs it: signals reach Balie itself, and kill -9 kills Balie.
  const command = options.npm ? 'npm' : process.execPath;
  const args = options.npm ? ['start', '--silent'] : ['--import', 'tsx', 'server/main.ts'];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can stop everything it started (npm, sh, node, postgres).
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => stdout + stderr, stderr: () => stderr, exited };
}

/** Polls /healthz until it answers 200; throws with the process output after `ms`. */
export async function waitForHealthy(port: number, balie: BalieProcess, ms = 60_000): Promise<number> {
  const started = Date.now();
  let exited = false;
  void balie.exited.then(() => (exited = true));
  while (Date.now() - started < ms && !exited) {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (response?.status === 200) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Balie did not become healthy in ${ms} ms${exited ? ' (it exited)' : ''}:\n${balie.output()}`);
}

/**
 * Sends `signal` to Balie's process, or with `group` to every process it started — npm and the
 * shell in front of it, and the embedded PostgreSQL behind it (a power cut, for SIGKILL).
 */
export async function stopBalie(balie: BalieProcess, signal: NodeJS.Signals = 'SIGTERM', options: { group?: boolean } = {}) {
  if (options.group) process.kill(-balie.child.pid!, signal);
  else balie.child.kill(signal);
  return balie.exited;
}
