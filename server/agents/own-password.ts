// An agent choosing their own password: the way out of a password somebody else set (the first
// admin, an agent an admin added or reset), and later whenever the agent wants to.
import { z } from 'zod';
import { inTransaction, type Pool } from '../db/index.ts';
import { notifySessionsEnded } from './agents.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';

/** POST /api/auth/password. The new password follows the same rule as every other (≥ 12). */
export const passwordChangeSchema = z
  .strictObject({
    currentPassword: z.string().min(1).max(1024),
    newPassword: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
  })
  .refine((body) => body.newPassword !== body.currentPassword, { path: ['newPassword'], message: 'must differ from the current password', params: { code: 'password_unchanged' } });

export type PasswordChange = z.infer<typeof passwordChangeSchema>;

export interface SessionSettings {
  hours: number;
  absoluteHours: number;
  userAgent: string | undefined;
}

/**
 * Checks the current password, stores the new one and clears the must-change flag; then ends
 * every session of the agent (this one included: a session opened with the old password is not
 * carried over — OWASP Session Management, renew the id on a privilege change) and opens a new
 * one, whose token is answered. 'wrong_password' when the current password is not right, or was
 * changed by somebody else meanwhile.
 */
export async function changeOwnPassword(pool: Pool, agentId: number, change: PasswordChange, session: SessionSettings): Promise<{ token: string } | 'wrong_password'> {
  const { rows } = await pool.query<{ passwordHash: string }>('SELECT password_hash AS "passwordHash" FROM agents WHERE id = $1 AND NOT disabled', [agentId]);
  const oldHash = rows[0]?.passwordHash;
  if (!(await verifyPassword(oldHash, change.currentPassword)) || oldHash === undefined) return 'wrong_password';
  const newHash = await hashPassword(change.newPassword);
  return inTransaction(pool, async (tx) => {
    // Compare-and-set: an admin's reset between the check and here wins, and this change fails.
    const updated = await tx.query(
      'UPDATE agents SET password_hash = $2, password_must_change = false, updated_at = now() WHERE id = $1 AND password_hash = $3 AND NOT disabled',
      [agentId, newHash, oldHash],
    );
    if (updated.rowCount === 0) return 'wrong_password' as const;
    await tx.query('DELETE FROM sessions WHERE agent_id = $1', [agentId]);
    // Every instance disconnects the agent's sockets of the ended sessions, as after a reset.
    await notifySessionsEnded(tx, agentId, 'logged_out');
    return { token: await createSession(tx, agentId, session.hours, session.userAgent, session.absoluteHours) };
  });
}
