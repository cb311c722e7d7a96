// `npm run agents -- add|list|disable|enable|passwd`: manage agent accounts from a shell, e.g. to
// add the first admin on a server or to let an admin back in who forgot their password.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, ConfigError } from '../config.ts';
import { openEmbeddedDatabase } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { recordAudit } from '../audit.ts';
import { createLogger } from '../log.ts';
import { agentPatchSchema, createAgent, listAgents, newAgentSchema, updateAgent, ROLES } from './agents.ts';

const USAGE = `Usage: npm run agents -- <command>

  add <email> --name "<name>" [--role agent|supervisor|admin] [--password <password>]
  list
  disable <email>
  enable <email>
  passwd <email> [--password <password>]

Without --password the password is read from standard input (typed without echo on a terminal).
Uses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (default ./data).`;

class UsageError extends Error {}

async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let input = '';
    for await (const chunk of stdin) input += chunk;
    return input.split(/\r?\n/)[0] ?? '';
  }
  process.stdout.write('Wachtwoord (minstens 12 tekens): ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let password = '';
    const onData = (key: string) => {
      if (key === '\r' || key === '\n' || key === '\u0004') {
        stdin.setRawMode(false);
        stdin.off('data', onData);
        stdin.pause();
        process.stdout.write('\n');
        resolve(password);
      } else if (key === '\u0003') {
        process.exit(130);
      } else if (key === '\u007f') {
        password = password.slice(0, -1);
      } else {
        password += key;
      }
    };
    stdin.on('data', onData);
  });
}

function check<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new UsageError(`${issue.path.join('.') || 'input'}: ${issue.message}`);
}

async function findId(pool: Pool, email: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>('SELECT id FROM agents WHERE email = $1', [email.toLowerCase()]);
  if (!rows[0]) throw new UsageError(`no agent with e-mail address ${email}`);
  return rows[0].id;
}

async function run(pool: Pool, command: string | undefined, args: string[], values: { name?: string; role?: string; password?: string }) {
  const email = args[0];
  switch (command) {
    case 'list': {
      for (const agent of await listAgents(pool)) {
        console.log([agent.email, agent.name, agent.role, agent.disabled ? 'disabled' : 'active'].join('\t'));
      }
      return;
    }
    case 'add': {
      if (!email || !values.name) throw new UsageError('add needs an e-mail address and --name');
      const input = check(newAgentSchema, { email, name: values.name, role: values.role ?? 'agent', password: values.password ?? (await readPassword()) });
      // The operator chose the password: the agent chooses their own at first login.
      const agent = await createAgent(pool, input, { passwordMustChange: true });
      if (agent === 'email_taken') throw new UsageError(`an agent with e-mail address ${input.email} already exists`);
      await recordAudit(pool, { agentId: null, action: 'agent.created', subjectType: 'agent', subjectId: agent.id, details: { role: agent.role, via: 'cli' } });
      console.log(`added ${agent.email} (${agent.role})`);
      return;
    }
    case 'disable':
    case 'enable':
    case 'passwd': {
      if (!email) throw new UsageError(`${command} needs an e-mail address`);
      const id = await findId(pool, email);
      const patch = check(
        agentPatchSchema,
        command === 'passwd' ? { password: values.password ?? (await readPassword()) } : { disabled: command === 'disable' },
      );
      const result = await updateAgent(pool, id, patch);
      if (result === 'last_admin') throw new UsageError('the last active admin cannot be disabled');
      if (result === 'not_found') throw new UsageError(`no agent with e-mail address ${email}`);
      await recordAudit(pool, { agentId: null, action: 'agent.updated', subjectType: 'agent', subjectId: id, details: { via: 'cli', command } });
      console.log(command === 'passwd' ? `password of ${result.email} changed; their sessions have ended` : `${result.email} ${command}d`);
      return;
    }
    default:
      throw new UsageError(USAGE);
  }
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  if (values.role !== undefined && !(ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const config = loadConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  // With Balie running, its embedded server is used as it is; otherwise it runs just for this command.
  const embedded = config.databaseUrl ? undefined : await openEmbeddedDatabase({ dataDir: config.dataDir, log, owner: false });
  const pool = createPool(config.databaseUrl ?? embedded!.url, log, 2);
  try {
    await migrate(pool, log);
    await run(pool, positionals[0], positionals.slice(1), values);
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`agents: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = 1;
});
