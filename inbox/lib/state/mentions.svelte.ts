// The @-mention picker of an internal note (issue 16 §4): typing @ and the start of a name offers
// colleagues in a listbox, keyboard-driven as the ARIA combobox pattern describes (arrows move the
// active option, Enter or Tab takes it, Escape closes), focus staying in the text box.
import { team, type TeamMember } from '../api/team.ts';
import { mentionQueryAt, suggestionsFor, withMention } from './mention-query.ts';

export class MentionPicker {
  options = $state.raw<Pick<TeamMember, 'id' | 'name'>[]>([]);
  /** Index of the active option (aria-activedescendant), or -1. */
  active = $state(-1);
  private colleagues: TeamMember[] | undefined;
  private loading: Promise<void> | undefined;
  private at: { start: number; query: string } | null = null;

  constructor(private readonly myId: number) {}

  get open(): boolean {
    return this.options.length > 0;
  }

  /** Call on every input and caret move of the note. */
  async update(text: string, caret: number) {
    this.at = mentionQueryAt(text, caret);
    if (!this.at) return this.close();
    this.loading ??= team().then(
      (members) => void (this.colleagues = members.filter((member) => member.id !== this.myId)),
      () => void (this.colleagues = []),
    );
    await this.loading;
    const at = this.at;
    if (!at) return;
    this.options = suggestionsFor(this.colleagues ?? [], at.query);
    this.active = this.options.length > 0 ? 0 : -1;
  }

  close() {
    this.options = [];
    this.active = -1;
    this.at = null;
  }

  /**
   * The combobox keys while the listbox is open; true when the key was the picker's. `apply`
   * receives the new text and caret of a chosen colleague.
   */
  keydown(event: KeyboardEvent, text: string, apply: (text: string, caret: number) => void): boolean {
    if (!this.open || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return false;
    const count = this.options.length;
    if (event.key === 'ArrowDown') this.active = (this.active + 1) % count;
    else if (event.key === 'ArrowUp') this.active = (this.active - 1 + count) % count;
    else if (event.key === 'Escape') this.close();
    else if (event.key === 'Enter' || event.key === 'Tab') this.choose(this.active, text, apply);
    else return false;
    event.preventDefault();
    return true;
  }

  choose(index: number, text: string, apply: (text: string, caret: number) => void) {
    const colleague = this.options[index];
    const at = this.at;
    if (!colleague || !at) return;
    const next = withMention(text, at, colleague.name);
    this.close();
    apply(next.text, next.caret);
  }
}
