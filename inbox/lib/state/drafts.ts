// Unsent replies kept in the browser per agent and conversation (issue 16.3), so that a reload or
// a detour to another conversation loses nothing. Cleared on send, and all of them on logout: a
// shared KCC workstation must not show the next person what the last one was writing.
import type { Upload } from '../api/composer.ts';

const PREFIX = 'balie.draft.';

export interface Draft {
  text: string;
  kind: string;
  /** Attachments already uploaded (the server keeps them a day). */
  uploads: Upload[];
}

const keyOf = (agentId: number, conversationId: number) => `${PREFIX}${agentId}.${conversationId}`;

export function loadDraft(agentId: number, conversationId: number): Draft | null {
  try {
    const value = JSON.parse(localStorage.getItem(keyOf(agentId, conversationId)) ?? 'null') as Partial<Draft> | null;
    if (!value || typeof value.text !== 'string' || typeof value.kind !== 'string') return null;
    const uploads = Array.isArray(value.uploads) ? value.uploads.filter((upload) => Number.isInteger(upload?.id) && typeof upload?.filename === 'string') : [];
    return { text: value.text, kind: value.kind, uploads };
  } catch {
    return null;
  }
}

/** Saves the draft; one without text or attachments is removed. */
export function saveDraft(agentId: number, conversationId: number, draft: Draft): void {
  try {
    if (draft.text.trim() === '' && draft.uploads.length === 0) localStorage.removeItem(keyOf(agentId, conversationId));
    else localStorage.setItem(keyOf(agentId, conversationId), JSON.stringify(draft));
  } catch {
    // A full or disabled storage loses the draft, never the reply itself.
  }
}

export function clearDraft(agentId: number, conversationId: number): void {
  localStorage.removeItem(keyOf(agentId, conversationId));
}

/** Removes every draft on this device (logout). */
export function clearAllDrafts(): void {
  for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
}
