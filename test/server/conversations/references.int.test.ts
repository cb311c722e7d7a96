import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversation } from '../../../server/conversations/index.ts';
import { formatReference, referencePattern } from '../../../server/conversations/references.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('reference numbers', () => {
  it('stay unique and sequential under 200 concurrent creations', async () => {
    // A fixed receipt time: the year is Amsterdam's at receipt, and the run may straddle New Year
    // (or run in the hour when UTC and Amsterdam disagree on the year).
    const receivedAt = new Date('2026-06-15T10:00:00+02:00');
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createConversation(db.pool, { channel: i % 2 ? 'chat' : 'email', referencePrefix: 'BAL', receivedAt })),
    );
    const references = created.map((conversation) => conversation.reference);
    expect(new Set(references).size).toBe(200);
    const numbers = references.map((reference) => Number(reference.split('-')[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(references).toContain('BAL-2026-000200');
  });

  it('take the year of Amsterdam at receipt, not of UTC', async () => {
    const newYearsNight = await createConversation(db.pool, { channel: 'email', referencePrefix: 'BAL', receivedAt: new Date('2026-12-31T23:30:00Z') });
    expect(newYearsNight.reference).toBe('BAL-2027-000001');
  });

  it('use the configured prefix and are found in mail subjects', () => {
    expect(formatReference('GEM', 2026, 123)).toBe('GEM-2026-000123');
    const match = 'Re: Uw vraag over afval [GEM-2026-000123]'.match(referencePattern('GEM'));
    expect(match?.[0]).toBe('GEM-2026-000123');
    expect('XGEM-2026-000123'.match(referencePattern('GEM'))).toBeNull();
  });
});
