// The inbox's keyboard shortcuts (j/k, Enter, r, e, /, ?). They never fire while the agent types in
// a field, nor with Ctrl/Alt/Meta (those belong to the browser and assistive technology).

export type ShortcutKey = 'j' | 'k' | 'r' | 'e' | '/' | '?';

/** Whether a key press happened while typing, where letters must stay letters. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['button', 'submit', 'reset', 'checkbox', 'radio'].includes(target.type);
  return false;
}

/** Listens on the window; returns the removal. `handle` returns false to let the key through. */
export function installShortcuts(handle: (key: ShortcutKey, event: KeyboardEvent) => boolean): () => void {
  const listener = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented || isTyping(event.target)) return;
    // A modal dialog owns the keyboard; only Escape (native) closes it.
    if (document.querySelector('dialog[open]')) return;
    const key = event.key as ShortcutKey;
    if (!['j', 'k', 'r', 'e', '/', '?'].includes(key)) return;
    if (handle(key, event)) event.preventDefault();
  };
  window.addEventListener('keydown', listener);
  return () => window.removeEventListener('keydown', listener);
}
