// Logging in and out of the inbox.
import { api } from './http.ts';

export interface CurrentAgent {
  id: number;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin' | 'backoffice';
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

export function logOut(): Promise<void> {
  return api('POST', '/api/auth/logout');
}
