// A strict RFC 4180 reader for the tests: CRLF records, quoted fields with doubled quotes. It
// throws on anything else, so a test reading an export also checks the export's syntax.
export function parseCsv(text: string, delimiter = ','): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStart = true;
  while (i < text.length) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (char === '"') (quoted = false), (i += 1);
      else (field += char), (i += 1);
      continue;
    }
    if (char === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
      i += 1;
    } else if (char === '"') {
      throw new Error(`a quote inside an unquoted field at ${i}`);
    } else if (char === delimiter) {
      record.push(field);
      field = '';
      fieldStart = true;
      i += 1;
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStart = true;
      i += 2;
    } else if (char === '\n' || char === '\r') {
      throw new Error(`a bare line break at ${i} (RFC 4180 ends records with CRLF)`);
    } else {
      field += char;
      fieldStart = false;
      i += 1;
    }
  }
  if (quoted) throw new Error('an unterminated quoted field');
  if (field !== '' || record.length > 0) throw new Error('the last record has no CRLF');
  return records;
}

/** Records as objects by the header's column names. */
export function csvObjects(text: string, delimiter = ','): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text, delimiter);
  if (!header) throw new Error('no header record');
  for (const row of rows) if (row.length !== header.length) throw new Error(`a record of ${row.length} fields under a header of ${header.length}`);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]!])));
}
