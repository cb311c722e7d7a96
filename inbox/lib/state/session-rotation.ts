// The agent's own password change while the inbox is open. The server ends every session of the
// agent, this one too, and sets a new cookie: this tab's live connection moves to the new session
// instead of going back to the login page, and so do other tabs of this browser (same cookie).
import { changePassword, currentAgent } from '../api/auth.ts';
import type { AgentSocket } from '../api/socket.ts';

export class SessionRotation {
  /** True from the request until the socket is up again on the new session. */
  #rotating = false;

  constructor(private readonly socket: () => AgentSocket | undefined) {}

  /** Changes the password (errors are the server's, for the form), then reconnects on the new cookie. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    this.#rotating = true;
    try {
      await changePassword(currentPassword, newPassword);
    } catch (error) {
      this.#rotating = false;
      throw error;
    }
    const socket = this.socket();
    if (!socket) {
      this.#rotating = false;
      return;
    }
    socket.once('connect', () => (this.#rotating = false));
    socket.disconnect();
    socket.connect();
  }

  /**
   * On `session.ended`: whether the tab stays, because the browser holds a session still (its own
   * password change, here or in another tab) — then the socket reconnects on it. Logged out,
   * disabled, reset or expired: false, and the tab goes back to the login page.
   */
  async survives(): Promise<boolean> {
    if (this.#rotating) return true;
    const agent = await heldSession();
    if (!agent || agent.passwordMustChange) return false;
    const socket = this.socket();
    if (socket?.connected) socket.once('disconnect', () => socket.connect());
    else socket?.connect();
    return true;
  }
}

/**
 * The session this browser holds now, or null. A password change in another tab ends the old
 * sessions before its answer (with the new cookie) has reached the browser, so a first "no session"
 * may only mean the cookie is on its way: ask again a few times (about 2.5 s in all) before a tab
 * gives up and goes back to the login page.
 */
async function heldSession() {
  for (const wait of [0, 250, 750, 1500]) {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const agent = await currentAgent().catch(() => null);
    if (agent) return agent;
  }
  return null;
}
