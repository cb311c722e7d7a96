import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../server/mail/parse.ts';
import { MAX_THREAD_IDS, threadHints } from '../../../server/mail/threading.ts';

const hints = (subject: string, inReplyTo: string[] = [], references: string[] = []) => threadHints({ subject, inReplyTo, references }, 'BAL');

describe('threadHints: references in the subject', () => {
  it.each([
    ['Re: Paspoort [BAL-2026-000123]', ['BAL-2026-000123']],
    ['BAL-2026-000123', ['BAL-2026-000123']],
    ['Vraag (bal-2026-000123) en BAL-2025-004567', ['BAL-2026-000123', 'BAL-2025-004567']],
    ['Twee keer BAL-2026-000123 BAL-2026-000123', ['BAL-2026-000123']],
    ['Zeven cijfers BAL-2026-1234567', ['BAL-2026-1234567']],
    ['Te kort BAL-2026-12345', []],
    ['Ingeplakt XBAL-2026-000123 of BAL-2026-000123X', []],
    ['Geen kenmerk', []],
  ])('%s', (subject, expected) => {
    expect(hints(subject).references).toEqual(expected);
  });

  it('uses the configured prefix, also one with regex characters', () => {
    expect(threadHints({ subject: 'Re: x [GEM.V-2026-000001] BALX2026-000001', inReplyTo: [], references: [] }, 'GEM.V').references).toEqual(['GEM.V-2026-000001']);
  });
});

describe('threadHints: message ids', () => {
  it('In-Reply-To first, then References newest first, without duplicates', () => {
    expect(hints('x', ['c@x'], ['a@x', 'b@x', 'c@x']).messageIds).toEqual(['c@x', 'b@x', 'a@x']);
  });

  it('an In-Reply-To an Outlook user changed still leaves the whole References chain to look up', async () => {
    const mail = await parseMail(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'references-several.eml')), { maxBytes: 1_000_000 });
    expect(threadHints(mail, 'BAL')).toEqual({
      references: [],
      messageIds: [
        'outlook-changed@mail.example.nl',
        'reply-41-2@gemeente-voorbeeld.nl',
        'CAF3a9+Zq1@mail.example.nl',
        'reply-41-1@gemeente-voorbeeld.nl',
        'first@mail.example.nl',
      ],
    });
  });

  it('a mail with one reference id', async () => {
    const mail = await parseMail(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'plain.eml')), { maxBytes: 1_000_000 });
    expect(threadHints(mail, 'BAL').messageIds).toEqual(['ack-1.BAL-2026-000041@gemeente-voorbeeld.nl']);
  });

  it(`a huge chain is cut to ${MAX_THREAD_IDS} ids: the newest, and the thread root`, () => {
    const chain = Array.from({ length: 200 }, (_, i) => `m${i}@x`);
    const { messageIds } = hints('x', [], chain);
    expect(messageIds).toHaveLength(MAX_THREAD_IDS);
    expect(messageIds[0]).toBe('m199@x');
    expect(messageIds[MAX_THREAD_IDS - 2]).toBe(`m${199 - (MAX_THREAD_IDS - 2)}@x`);
    expect(messageIds.at(-1)).toBe('m0@x');
  });
});
