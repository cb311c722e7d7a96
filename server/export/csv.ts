// CSV as RFC 4180 writes it (CRLF, quoted fields, quotes doubled), with the OWASP guard against
// formula injection, as a Transform from rows (arrays) to text — pure, no database.
import { Transform, type TransformCallback } from 'node:stream';

export type CsvDelimiter = ',' | ';';
export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** `,` (RFC 4180) or `;` (Excel with Dutch regional settings, whose list separator it is). */
  delimiter: CsvDelimiter;
  /** Start with a UTF-8 byte order mark: Excel otherwise reads UTF-8 as Windows-1252 ("Ã©"). */
  bom: boolean;
}

// OWASP "CSV Injection": a cell starting with = + - @ (or tab, CR) is run as a formula by
// spreadsheet programs; a leading ' makes it text. A plain number (-3, +31612345678) cannot be
// a formula, and prefixing it would break it for the BI tools that read the file.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:\.\d+)?$/;

/** A cell's text, guarded against formula injection. */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

const NEEDS_QUOTES: Record<CsvDelimiter, RegExp> = { ',': /[",\r\n]/, ';': /[";\r\n]/ };

/** One field: guarded, and quoted (RFC 4180 §2.6–2.7) when it holds the delimiter, a quote or a line break. */
export function csvField(value: CsvValue, delimiter: CsvDelimiter): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = guardFormula(value);
  return NEEDS_QUOTES[delimiter].test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record with its CRLF (RFC 4180 §2.1). */
export function csvRecord(values: readonly CsvValue[], delimiter: CsvDelimiter): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += delimiter;
    line += csvField(values[i], delimiter);
  }
  return line + '\r\n';
}

// Rows are gathered into pieces of about this size before they are passed on: one write per
// row would cost more than the encoding itself, and a piece this small keeps memory flat.
const PIECE_CHARS = 64 * 1024;

/**
 * Rows in (arrays in column order), CSV text out: the BOM if asked for and the header record
 * before the first row (or at the end of an empty export), so nothing is written before the
 * query has produced its first row — a query that fails at once can still be answered with an error.
 */
export class CsvEncoder extends Transform {
  #started = false;
  #piece = '';
  #rows = 0;

  constructor(
    private readonly columns: readonly string[],
    private readonly options: CsvOptions,
  ) {
    // Row objects in, text out; a few rows of look-ahead on the way in, the piece on the way out.
    super({ writableObjectMode: true, writableHighWaterMark: 64, readableHighWaterMark: PIECE_CHARS });
  }

  /** Rows encoded so far. */
  get rows(): number {
    return this.#rows;
  }

  #start() {
    if (this.#started) return;
    this.#started = true;
    this.#piece = (this.options.bom ? '\uFEFF' : '') + csvRecord(this.columns, this.options.delimiter);
  }

  override _transform(row: readonly CsvValue[], _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#start();
    this.#piece += csvRecord(row, this.options.delimiter);
    this.#rows += 1;
    if (this.#piece.length >= PIECE_CHARS) {
      const piece = this.#piece;
      this.#piece = '';
      callback(null, piece);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#start();
    callback(null, this.#piece);
  }
}
