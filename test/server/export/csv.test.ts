// The CSV encoder: RFC 4180 quoting, the formula-injection guard, the BOM and the header.
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { CsvEncoder, csvField, guardFormula } from '../../../server/export/csv.ts';
import { parseCsv } from './csv-support.ts';

describe('csvField', () => {
  it('quotes a field with the delimiter, a quote or a line break, and doubles its quotes (RFC 4180 §2.6–2.7)', () => {
    expect(csvField('plain', ',')).toBe('plain');
    expect(csvField('a,b', ',')).toBe('"a,b"');
    expect(csvField('a;b', ',')).toBe('a;b');
    expect(csvField('a;b', ';')).toBe('"a;b"');
    expect(csvField('zei "ja"', ',')).toBe('"zei ""ja"""');
    expect(csvField('regel 1\r\nregel 2', ',')).toBe('"regel 1\r\nregel 2"');
    expect(csvField('regel\n', ',')).toBe('"regel\n"');
    expect(csvField(null, ',')).toBe('');
    expect(csvField(42, ',')).toBe('42');
    expect(csvField(true, ',')).toBe('true');
  });

  it('makes a cell that a spreadsheet would run as a formula text (OWASP CSV injection)', () => {
    for (const formula of ['=HYPERLINK("https://evil.example","klik")', '+1+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1']) {
      expect(guardFormula(formula), JSON.stringify(formula)).toBe(`'${formula}`);
    }
    // Numbers stay numbers: a phone number in E.164, a negative amount.
    expect(guardFormula('+31612345678')).toBe('+31612345678');
    expect(guardFormula('-12.5')).toBe('-12.5');
    expect(guardFormula('Jan = Piet')).toBe('Jan = Piet');
    // Guarded first, then quoted: the quote goes around the prefixed text.
    expect(csvField('=1,2', ',')).toBe(`"'=1,2"`);
  });
});

describe('CsvEncoder', () => {
  const encode = async (rows: unknown[][], bom: boolean, delimiter: ',' | ';' = ',') =>
    (await buffer(Readable.from(rows).pipe(new CsvEncoder(['id', 'naam'], { bom, delimiter })))).toString('utf8');

  it('writes the header and CRLF records, with a UTF-8 BOM only when asked', async () => {
    const text = await encode([[1, 'Zoë'], [2, 'Ærø, "DK"']], false);
    expect(text).toBe('id,naam\r\n1,Zoë\r\n2,"Ærø, ""DK"""\r\n');
    expect(parseCsv(text)).toEqual([['id', 'naam'], ['1', 'Zoë'], ['2', 'Ærø, "DK"']]);
    const withBom = await encode([[1, 'Zoë']], true, ';');
    expect([...Buffer.from(withBom, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(withBom.slice(1)).toBe('id;naam\r\n1;Zoë\r\n');
  });

  it('writes the header of an empty export', async () => {
    expect(await encode([], false)).toBe('id,naam\r\n');
  });
});
