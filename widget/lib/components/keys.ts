// Keyboard habits of chat boxes: Enter sends, Shift+Enter starts a new line.

/** Submits the form on Enter (not while composing with an IME, not with Shift). */
export function sendsOnEnter(event: KeyboardEvent, form: HTMLFormElement | undefined): void {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  form?.requestSubmit();
}
