// Issue 12 §2, as found: with `ulimit -n 1024`, sockets from one address took every file descriptor
// and nobody could log in or connect. Here Balie runs as a separate process under a small
// descriptor limit, an attacker opens far more engine connections than it has descriptors for,
// from one address and then from many, and an agent still logs in and connects meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Manager } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, sessionCookie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, ROOT } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';

const SOCKETS_MAX = 60;
const PER_ADDRESS = 20;
/** What the attacker tries: far past the descriptors left over. */
const ATTEMPTS = 400;

let db: TestDatabase;
let child: ChildProcess;
let output = '';
let url: string;
const engines: Manager[] = [];

/** Open descriptors of the Balie process. */
const descriptors = () => readdirSync(`/proc/${child.pid}/fd`).length;

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    PORT: String(port),
    PUBLIC_URL: url,
    ADMIN_EMAIL: 'beheer@gemeente.test',
    ADMIN_PASSWORD: 'correct horse battery',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: '1',
    SOCKETS_PER_ADDRESS: String(PER_ADDRESS),
    SOCKETS_MAX: String(SOCKETS_MAX),
  };
  // Balie at rest holds some 40–60 descriptors (node, tsx, its PostgreSQL connections): 200 leaves
  // room for the allowed sockets and the logins, not for the attack.
  child = spawn('prlimit', ['--nofile=200:200', '--', process.execPath, '--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await untilDone(
    async () => (await fetch(`${url}/healthz`).then((response) => response.status, () => 0)),
    (status) => status === 200,
    { stallMs: 60_000 },
  ).catch((error: unknown) => {
    throw new Error(`Balie did not start: ${String(error)}\n${output}`);
  });
}, 90_000);
afterAll(async () => {
  for (const manager of engines.splice(0)) manager.engine?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await db?.drop();
});

/** A bare engine connection from `address`; true when the handshake let it in. */
function engine(address: string): Promise<boolean> {
  const manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false, timeout: 10_000, extraHeaders: { 'x-forwarded-for': address } });
  engines.push(manager);
  return new Promise((resolve) => manager.open((error) => resolve(!error)));
}

describe('file descriptors under a connection flood', () => {
  it('keep enough for logins and agents while one address, then many, try to take them all', async () => {
    const agent = await addAgent(db.pool, 'agent', 'kcc@gemeente.test');
    const atRest = descriptors();
    expect(atRest).toBeLessThan(120);

    // One address: stopped at its own ceiling.
    const fromOne = await Promise.all(Array.from({ length: PER_ADDRESS * 3 }, () => engine('198.51.100.66')));
    expect(fromOne.filter(Boolean).length).toBe(PER_ADDRESS);

    // Many addresses, in waves: the instance keeps a quarter of SOCKETS_MAX for agents.
    let admitted = PER_ADDRESS;
    for (let wave = 0; wave * 50 < ATTEMPTS; wave++) {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => engine(`203.0.113.${(wave * 50 + i) % 250}`)));
      admitted += results.filter(Boolean).length;
    }
    expect(admitted).toBe(Math.floor(SOCKETS_MAX * 0.75));

    // Meanwhile an agent logs in and connects.
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ email: agent.email, password: agent.password }),
    });
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login);
    const inbox = new Manager(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie, origin: url } }).socket('/agent');
    const ready = await new Promise<boolean>((resolve) => {
      inbox.once('session.ready', () => resolve(true));
      inbox.once('connect_error', () => resolve(false));
    });
    inbox.disconnect();
    expect(ready).toBe(true);
    expect(descriptors()).toBeLessThan(200);
    expect(child.exitCode).toBeNull();
  }, 120_000);
});
