// Folding the quoted history of a plain-text e-mail: the citizen's new words stay, the rest folds.
import { describe, expect, it } from 'vitest';
import { splitQuotedText } from '../../inbox/lib/quotes.ts';

describe('splitQuotedText', () => {
  it('folds from a Dutch attribution line ("Op … schreef …:") on', () => {
    const text = 'Dank u, dan kom ik dinsdag langs.\n\nOp ma 23 nov 2026 om 10:12 schreef Gemeente Balie <info@gemeente.test>:\n> Beste heer/mevrouw,\n> U kunt een afspraak maken.';
    expect(splitQuotedText(text)).toEqual({
      current: 'Dank u, dan kom ik dinsdag langs.',
      quoted: 'Op ma 23 nov 2026 om 10:12 schreef Gemeente Balie <info@gemeente.test>:\n> Beste heer/mevrouw,\n> U kunt een afspraak maken.',
    });
  });

  it('folds an English attribution and a trailing block of "> " lines', () => {
    expect(splitQuotedText('Thanks!\nOn Mon, 23 Nov 2026 at 10:12, Balie wrote:\n> Hello').current).toBe('Thanks!');
    expect(splitQuotedText('Zie hieronder.\n\n> eerder bericht\n> tweede regel\n').quoted).toBe('> eerder bericht\n> tweede regel\n');
  });

  it('leaves a mail without history, or with only history, whole', () => {
    expect(splitQuotedText('Mijn container is niet geleegd.')).toEqual({ current: 'Mijn container is niet geleegd.', quoted: null });
    const onlyQuote = '> alleen een citaat\n> verder niets';
    expect(splitQuotedText(onlyQuote)).toEqual({ current: onlyQuote, quoted: null });
  });

  it('keeps a "> " line in the middle of the new text, where it is not history', () => {
    const text = 'U schreef:\n> de lamp is kapot\nDat klopt niet, de lamp brandt.';
    expect(splitQuotedText(text)).toEqual({ current: text, quoted: null });
  });
});
