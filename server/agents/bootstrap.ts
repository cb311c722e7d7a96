// The first admin: created on first start so that somebody can log in and add the others.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { createAgent } from './agents.ts';

export const GENERATED_ADMIN_EMAIL = 'admin@balie.local';
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

// A password in a file or in the environment is known to more than the admin (the operator, a
// deployment's secrets, a shell's history): the admin's first login chooses their own.
const FIRST_LOGIN_CHOOSES = { passwordMustChange: true } as const;

/**
 * When no agent exists yet, creates an admin from ADMIN_EMAIL/ADMIN_PASSWORD. Without those, a
 * newcomer still gets in: an admin `admin@balie.local` with a random password written to
 * DATA_DIR/initial-admin-password (readable by the owner only, never logged, as Jenkins does).
 */
export async function ensureFirstAdmin(pool: Pool, config: Config, log: Logger): Promise<void> {
  // Several instances may start together; the lock makes only one of them create the admin.
  await inTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE agents IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM agents');
    if (rows[0]!.count > 0) return;

    if (config.admin) {
      await createAgent(tx, { email: config.admin.email.toLowerCase(), name: 'Beheerder', role: 'admin', password: config.admin.password }, FIRST_LOGIN_CHOOSES);
      log.info({ email: config.admin.email }, 'created the first admin from ADMIN_EMAIL');
      return;
    }
    const password = randomBytes(12).toString('base64url');
    const file = path.join(config.dataDir, INITIAL_PASSWORD_FILE);
    await fs.mkdir(config.dataDir, { recursive: true });
    await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
    await createAgent(tx, { email: GENERATED_ADMIN_EMAIL, name: 'Beheerder', role: 'admin', password }, FIRST_LOGIN_CHOOSES);
    log.warn(
      { email: GENERATED_ADMIN_EMAIL, passwordFile: file },
      `No agents yet and ADMIN_EMAIL/ADMIN_PASSWORD not set: created admin ${GENERATED_ADMIN_EMAIL} with the password in ${file}. ` +
        'Set ADMIN_EMAIL and ADMIN_PASSWORD on first start to choose them, or change it with `npm run agents -- passwd admin@balie.local`.',
    );
  });
}
