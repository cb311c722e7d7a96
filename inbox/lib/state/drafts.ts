// Unsent replies kept in the browser per agent and conversation (issue 16.3), so that a reload or
// a detour to another conversation loses nothing. Cleared on send, and all of them on logout: a
// shared KCC workstation must not show the next person what the last one was writing.
const PREFIX = 'balie.draft.';

export interface Draft {
  text: string;
  kind: string;
}

const keyOf = (agentId: number, conversationId: number) => `${PREFIX}${agentId}.${conversationId}`;

export function loadDraft(agentId: number, conversationId: number): Draft | null {
  try {
    const value = JSON.parse(localStorage.getItem(keyOf(agentId, conversationId)) ?? 'null') as Partial<Draft> | null;
    return value && typeof value.text === 'string' && typeof value.kind === 'string' ? { text: value.text, kind: value.kind } : null;
  } catch {
    return null;
  }
}

/** Saves the draft; an empty text removes it. */
export function saveDraft(agentId: number, conversationId: number, draft: Draft): void {
  try {
    if (draft.text.trim() === '') localStorage.removeItem(keyOf(agentId, conversationId));
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
