// The exit status belongs to Balie and to the test runner, not to a dependency's exit hook:
// a failing test run exits non-zero, and a process that loaded the embedded PostgreSQL keeps the
// status it chose — whether it stopped the database itself or left it running.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.ts';

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('the exit status survives the embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-exit-'));
    // As root the database runs as `postgres`, which must reach the data directory.
    await fs.chmod(dir, 0o755);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a failing test makes `vitest run <file>` exit non-zero', { timeout: 180_000 }, async () => {
    const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
    const { code, output } = await run(process.execPath, [vitest, 'run', 'test/ci/failing-probe.int.test.ts'], { BALIE_FAILING_PROBE: '1', CI: 'true' });
    // The run really ran the probe and saw it fail — not "no test files found", which also exits 1.
    expect(stripAnsi(output)).toMatch(/Tests\s+1 failed/);
    expect(code).toBe(1);
  });

  // A script in Balie's shoes: starts the embedded server, then stops it and sets its status — or
  // exits at once without stopping it, as a fatal error path would.
  const script = (dataDir: string, stop: boolean, status: number) => `
    import { openEmbeddedDatabase } from './server/db/embedded.ts';
    import { createLogger } from './server/log.ts';
    const db = await openEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)}, log: createLogger('silent') });
    ${stop ? `await db.stop();\n    process.exitCode = ${status};` : `process.exit(${status});`}
  `;

  async function postmasterPid(dataDir: string): Promise<number | undefined> {
    const lock = await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
    return lock ? Number(lock.split('\n')[0]) : undefined;
  }

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  it('a process that stopped its database exits with its own status', { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, 'stopped');
    const { code, output } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(dataDir, true, 3)]);
    expect(code, output).toBe(3);
    expect(await postmasterPid(dataDir)).toBeUndefined();
  });

  it('a process that calls process.exit without stopping its database keeps its status, and the database shuts down', { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, 'left');
    const { code, output } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(dataDir, false, 4)]);
    expect(code, output).toBe(4);
    // The exit asked PostgreSQL for a fast shutdown; it finishes on its own shortly after.
    const pid = await postmasterPid(dataDir);
    for (let waited = 0; pid !== undefined && alive(pid) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(pid === undefined || !alive(pid)).toBe(true);
  });
});
