// The agents CLI as an operator uses it, against a real database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { ROOT } from '../../support/process.ts';
import { agentSocket, closeSockets, next, readyCitizen, record, sleep, startChat, startChatBalie } from '../chat/chat-support.ts';

const exec = promisify(execFile);
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

function agents(args: string[], input?: string) {
  const child = exec(process.execPath, ['--import', 'tsx', 'server/agents/cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: db.url },
  });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run agents', () => {
  it('adds, lists, disables and re-enables agents; the password comes from stdin', async () => {
    const added = await agents(['add', 'Noor@Gemeente.test', '--name', 'Noor de Vries', '--role', 'supervisor'], 'a secret for noor\n');
    expect(added).toMatchObject({ code: 0, stdout: 'added noor@gemeente.test (supervisor)\n' });
    const hash = (await db.pool.query("SELECT password_hash FROM agents WHERE email = 'noor@gemeente.test'")).rows[0].password_hash;
    expect(hash).toMatch(/^\$argon2id\$/);
    // The operator chose it: Noor chooses her own at the first login (first-password.int.test.ts).
    const mustChange = async () => (await db.pool.query("SELECT password_must_change AS flag FROM agents WHERE email = 'noor@gemeente.test'")).rows[0].flag;
    expect(await mustChange()).toBe(true);
    await db.pool.query("UPDATE agents SET password_must_change = false WHERE email = 'noor@gemeente.test'");

    expect((await agents(['list'])).stdout).toContain('noor@gemeente.test\tNoor de Vries\tsupervisor\tactive');
    expect((await agents(['disable', 'noor@gemeente.test'])).code).toBe(0);
    expect((await agents(['list'])).stdout).toContain('supervisor\tdisabled');
    expect((await agents(['enable', 'noor@gemeente.test'])).code).toBe(0);
    expect((await agents(['passwd', 'noor@gemeente.test', '--password', 'another secret!'])).stdout).toContain('password of noor@gemeente.test changed');
    expect(await mustChange()).toBe(true);
  });

  it('says what is wrong and exits non-zero', async () => {
    const short = await agents(['add', 'kort@gemeente.test', '--name', 'Kort', '--password', 'kort']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: must be at least 12 characters/);
    const unknown = await agents(['disable', 'niemand@gemeente.test']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no agent with e-mail address niemand@gemeente.test');
    expect((await agents(['add', 'x@gemeente.test', '--name', 'X', '--role', 'god', '--password', 'long enough pw'])).stderr).toContain('--role must be one of');
  });
});

// Issue 12 §8: the CLI is another process; it reaches the running Balie through PostgreSQL NOTIFY.
describe('npm run agents -- disable, while Balie runs', () => {
  it('disconnects the agent’s live socket within seconds: their typing no longer reaches the citizen', async () => {
    // The periodic re-check is an hour away: only the notice can do this in time.
    const balie = await startChatBalie(db.url, { AGENT_SESSION_CHECK_SECONDS: '3600' });
    try {
      const fatima = await addAgent(db.pool, 'agent', 'fatima.cli@gemeente.test');
      const colleague = await addAgent(db.pool, 'agent', 'collega.cli@gemeente.test');
      const socket = await agentSocket(balie, await balie.login(fatima.email, fatima.password));
      // A colleague stays online, so that chat stays open for the citizen.
      await agentSocket(balie, await balie.login(colleague.email, colleague.password));
      const chat = await startChat(balie);
      const { socket: citizen } = await readyCitizen(balie, chat.token);
      await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: await balie.login(fatima.email, fatima.password) });

      const typing = next<{ typing: boolean }>(citizen, 'agent.typing');
      socket.emit('typing.set', { conversationId: chat.conversationId, typing: true });
      await expect(typing).resolves.toMatchObject({ typing: true });

      const ended = next<{ reason: string }>(socket, 'session.ended', 30_000);
      const gone = next<string>(socket, 'disconnect', 30_000);
      const started = Date.now();
      expect(await agents(['disable', fatima.email])).toMatchObject({ code: 0 });
      await expect(ended).resolves.toEqual({ reason: 'disabled' });
      await expect(gone).resolves.toBe('io server disconnect');
      // "Within seconds": the notice, not the hourly check (the CLI's own start-up included).
      expect(Date.now() - started).toBeLessThan(30_000);

      // Her typing reaches nobody: the socket is gone and cannot come back.
      const seen = record(citizen, 'agent.typing');
      socket.connect();
      const refused = await new Promise<string | undefined>((resolve) => socket.once('connect_error', (error) => resolve((error as Error & { data?: { code?: string } }).data?.code)));
      expect(refused).toBe('unauthorized');
      socket.emit('typing.set', { conversationId: chat.conversationId, typing: true });
      await sleep(500);
      expect(seen).toEqual([]);
    } finally {
      closeSockets();
      await balie.stop();
    }
  });
});
