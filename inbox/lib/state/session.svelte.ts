// Who is logged in to this inbox tab.
import { changePassword, currentAgent, logIn, logOut, type CurrentAgent } from '../api/auth.ts';
import { tick } from 'svelte';
import { clearAllDrafts } from './drafts.ts';

export class Session {
  agent = $state<CurrentAgent | null>(null);
  /** False until we know whether the cookie still holds a session. */
  checked = $state(false);

  async restore() {
    try {
      this.agent = await currentAgent();
    } catch {
      this.agent = null;
    } finally {
      this.checked = true;
    }
  }

  async logIn(email: string, password: string) {
    this.agent = await logIn(email, password);
  }

  /** The agent's own new password; the answer clears passwordMustChange and the inbox opens. */
  async changePassword(currentPassword: string, newPassword: string) {
    this.agent = await changePassword(currentPassword, newPassword);
  }

  async logOut() {
    await logOut().catch(() => {});
    this.agent = null;
    // Unsent replies do not outlive the session on a shared workstation (issue 16.3) — cleared
    // once the inbox is gone, so that no open reply form writes its draft back.
    await tick();
    clearAllDrafts();
  }
}
