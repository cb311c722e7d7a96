// Ctrl+Enter (Cmd+Enter on a Mac) sends the form a text box is in, as in Outlook, Teams and
// Zendesk (issue 16.3). Not while an input method is composing a character.
export function sendOnCtrlEnter(event: KeyboardEvent): void {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
  event.preventDefault();
  (event.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
}
