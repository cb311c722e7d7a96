// @mentions (issue 16 §4): what the server reads as naming a colleague, and the picker's text handling.
import { describe, expect, it } from 'vitest';
import { mentionQueryAt, suggestionsFor, withMention } from '../../inbox/lib/state/mention-query.ts';
import { mentionedIn } from '../../server/inbox/mentions.ts';

const team = [
  { id: 1, name: 'Ann' },
  { id: 2, name: 'Anna de Vries' },
  { id: 3, name: 'Jan Bakker' },
];

describe('mentionedIn', () => {
  it('finds full names after @, the longest first, case-insensitive', () => {
    expect(mentionedIn('@anna de vries en @Jan Bakker, kijken jullie mee?', team).map((c) => c.id)).toEqual([2, 3]);
    expect(mentionedIn('Vraag @Ann.', team).map((c) => c.id)).toEqual([1]);
  });

  it('does not read a longer word or an e-mail address as a mention', () => {
    expect(mentionedIn('@Annabel weet het', team)).toEqual([]);
    expect(mentionedIn('mail jan@Jan Bakker.nl', team)).toEqual([]);
  });
});

describe('the picker’s text', () => {
  it('finds the name being typed before the caret', () => {
    expect(mentionQueryAt('Graag @Jan B', 12)).toEqual({ start: 6, query: 'Jan B' });
    expect(mentionQueryAt('Graag @', 7)).toEqual({ start: 6, query: '' });
    expect(mentionQueryAt('mail a@b', 8)).toBeNull();
  });

  it('offers colleagues by the start of any word of their name', () => {
    expect(suggestionsFor(team, 'ba').map((c) => c.id)).toEqual([3]);
    expect(suggestionsFor(team, 'an').map((c) => c.id)).toEqual([1, 2]);
  });

  it('replaces the typed part with the full name and a space', () => {
    expect(withMention('Graag @ja kijken', { start: 6, query: 'ja' }, 'Jan Bakker')).toEqual({ text: 'Graag @Jan Bakker kijken', caret: 18 });
  });
});
