// Balie as a newcomer and an operator meet it: started from the command line, stopped by signal,
// killed, restarted on the same data directory.
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../support/process.ts';

/** What the process said on stderr, without npm's own noise about the machine's npmrc. */
function problemLines(balie: BalieProcess): string[] {
  return balie
    .stderr()
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('npm warn'));
}

describe('refusing to start', () => {
  it('PORT=abc exits non-zero within seconds with one line naming PORT', async () => {
    const started = Date.now();
    const balie = spawnBalie({ PORT: 'abc' });
    const { code } = await balie.exited;
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const lines = problemLines(balie);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).toMatch(/abc/);
  });

  it('an unreachable DATABASE_URL exits non-zero within seconds with one line naming it', async () => {
    const closedPort = await freePort();
    const started = Date.now();
    const balie = spawnBalie({ DATABASE_URL: `postgres://balie:geheim@127.0.0.1:${closedPort}/balie`, PORT: String(await freePort()) });
    const { code } = await balie.exited;
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = problemLines(balie);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot reach PostgreSQL at 127.0.0.1:${closedPort}`);
    expect(lines[0]).not.toContain('geheim');
  });
});

describe('running on its own embedded PostgreSQL', () => {
  let dataDir: string;
  let port: number;
  const env = () => ({ DATA_DIR: dataDir, PORT: String(port) });

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-start-'));
    port = await freePort();
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  let cookie = '';

  it('`npm start` with no configuration serves health, the inbox, the widget and the demo', async () => {
    const balie = spawnBalie(env(), { npm: true });
    try {
      expect(await waitForHealthy(port, balie)).toBeLessThan(60_000);
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ status: 'ok' });

      const inbox = await fetch(`${base}/`);
      expect(inbox.headers.get('content-type')).toMatch(/text\/html/);
      expect(inbox.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await inbox.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);

      const widget = await fetch(`${base}/widget.js`);
      expect(widget.headers.get('content-type')).toMatch(/javascript/);
      expect(await widget.text()).toContain('attachShadow');

      const demo = await (await fetch(`${base}/demo`)).text();
      expect(demo).toContain(`<script src="http://localhost:${port}/widget.js" async></script>`);

      // No ADMIN_EMAIL/ADMIN_PASSWORD: the first admin's password waits in a file only the owner reads.
      const passwordFile = path.join(dataDir, 'initial-admin-password');
      expect((await fs.stat(passwordFile)).mode & 0o077).toBe(0);
      const password = readFileSync(passwordFile, 'utf8').trim();
      expect(balie.output()).not.toContain(password);
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@balie.local', password }),
      });
      expect(login.status).toBe(200);
      cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    } finally {
      // npm's shell does not pass SIGTERM on; a service manager signals the whole group too.
      await stopBalie(balie, 'SIGTERM', { group: true });
      await waitUntilStopped(path.join(dataDir, 'postgres', 'postmaster.pid'));
    }
  });

  it('stops cleanly on SIGTERM, database included, and a second start keeps agents and sessions', async () => {
    const first = spawnBalie(env());
    await waitForHealthy(port, first);
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);
    expect((await stopBalie(first)).code).toBe(0);
    expect(existsSync(pidFile)).toBe(false);

    const second = spawnBalie(env());
    try {
      await waitForHealthy(port, second);
      const me = await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { cookie } });
      expect(me.status).toBe(200);
      expect((await me.json()).agent.email).toBe('admin@balie.local');
    } finally {
      expect((await stopBalie(second)).code).toBe(0);
    }
  });

  it('a second Balie on the same DATA_DIR refuses to start and leaves the first one running', async () => {
    const first = spawnBalie(env());
    try {
      await waitForHealthy(port, first);
      const second = spawnBalie({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      const { code } = await second.exited;
      expect(code).not.toBe(0);
      const lines = problemLines(second);
      expect(lines.at(-1)).toMatch(/another Balie \(pid \d+\) is running on DATA_DIR/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    } finally {
      expect((await stopBalie(first)).code).toBe(0);
    }
  });

  it('after kill -9 of Balie alone it adopts its still-running database and loses nothing', async () => {
    const crashed = spawnBalie(env());
    await waitForHealthy(port, crashed);
    await stopBalie(crashed, 'SIGKILL');

    const again = spawnBalie(env());
    try {
      await waitForHealthy(port, again);
      expect((await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    } finally {
      expect((await stopBalie(again)).code, again.output()).toBe(0);
    }
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('after kill -9 of Balie and its database together it starts again and loses nothing', async () => {
    const crashed = spawnBalie(env());
    await waitForHealthy(port, crashed);
    await stopBalie(crashed, 'SIGKILL', { group: true });
    // PostgreSQL recovers from its write-ahead log; the stale postmaster.pid is its own to clear.
    const again = spawnBalie(env());
    try {
      await waitForHealthy(port, again);
      expect((await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    } finally {
      expect((await stopBalie(again)).code, again.output()).toBe(0);
    }
  });
});

async function waitUntilStopped(pidFile: string) {
  for (let waited = 0; existsSync(pidFile) && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
