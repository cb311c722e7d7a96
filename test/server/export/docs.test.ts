// docs/export.md documents every column of every export, in the export's order, and no other.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATASETS, datasetQuery } from '../../../server/export/datasets.ts';

const docs = readFileSync(new URL('../../../docs/export.md', import.meta.url), 'utf8');

describe('docs/export.md', () => {
  it.each(DATASETS)('names the columns of %s.csv in order', (dataset) => {
    const section = docs.split(`### ${dataset}.csv`)[1]?.split(/\n#{2,3} /)[0];
    expect(section, `a section "### ${dataset}.csv"`).toBeDefined();
    const documented = [...section!.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...datasetQuery(dataset).columns]);
  });
});
