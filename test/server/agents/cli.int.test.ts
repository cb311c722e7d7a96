// The agents CLI as an operator uses it, against a real database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { ROOT } from '../../support/process.ts';

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

    expect((await agents(['list'])).stdout).toContain('noor@gemeente.test\tNoor de Vries\tsupervisor\tactive');
    expect((await agents(['disable', 'noor@gemeente.test'])).code).toBe(0);
    expect((await agents(['list'])).stdout).toContain('supervisor\tdisabled');
    expect((await agents(['enable', 'noor@gemeente.test'])).code).toBe(0);
    expect((await agents(['passwd', 'noor@gemeente.test', '--password', 'another secret!'])).stdout).toContain('password of noor@gemeente.test changed');
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
