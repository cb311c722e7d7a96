// Finding the @name being typed in a note and putting the chosen colleague's name in its place:
// plain functions, unit-tested without a browser.
import type { TeamMember } from '../api/team.ts';

/** Where an @ before the caret starts a name being typed, and what was typed after it. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(?:^|[^\p{L}\p{N}@])@([\p{L}\p{N}][\p{L}\p{N} .'-]{0,39})?$/u.exec(before);
  if (!match) return null;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Colleagues whose name, or a word of it, starts with the query (case-insensitive); at most `limit`. */
export function suggestionsFor(colleagues: readonly Pick<TeamMember, 'id' | 'name'>[], query: string, limit = 8): Pick<TeamMember, 'id' | 'name'>[] {
  const wanted = query.toLocaleLowerCase('nl').trim();
  return colleagues
    .filter((colleague) => {
      const name = colleague.name.toLocaleLowerCase('nl');
      return name.startsWith(wanted) || name.split(/\s+/).some((word) => word.startsWith(wanted));
    })
    .slice(0, limit);
}

/** The text with the typed `@query` replaced by `@Full Name ` and where the caret goes after it. */
export function withMention(text: string, at: { start: number; query: string }, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const end = at.start + 1 + at.query.length;
  return { text: text.slice(0, at.start) + inserted + text.slice(end).replace(/^ /, ''), caret: at.start + inserted.length };
}
