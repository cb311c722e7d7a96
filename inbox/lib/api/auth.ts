// Logging in and out of the inbox, and choosing one's own password.
import { api } from './http.ts';

export interface CurrentAgent {
  id: number;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin' | 'backoffice';
  /** Somebody else chose the password: the inbox shows only "choose a new password" until done. */
  passwordMustChange?: boolean;
}

export async function currentAgent(): Promise<CurrentAgent | null> {
  try {
    return (await api<{ agent: CurrentAgent }>('GET', '/api/auth/me')).agent;
  } catch (error) {
    if ((error as { status?: number }).status === 401) return null;
    throw error;
  }
}

export async function logIn(email: string, password: string): Promise<CurrentAgent> {
  return (await api<{ agent: CurrentAgent }>('POST', '/api/auth/login', { email, password })).agent;
}

/** Changes the agent's own password; the server ends every session and sets a new cookie. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<CurrentAgent> {
  return (await api<{ agent: CurrentAgent }>('POST', '/api/auth/password', { currentPassword, newPassword })).agent;
}

export function logOut(): Promise<void> {
  return api('POST', '/api/auth/logout');
}
