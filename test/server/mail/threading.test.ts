import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../server/mail/parse.ts';
import { chooseThread, MAX_THREAD_IDS, threadHints } from '../../../server/mail/threading.ts';

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

describe('chooseThread: who may write into a conversation (issue 12, item 6)', () => {
  const named = (id: number, reference: string, senderKnown: boolean) => ({ id, reference, senderKnown });
  const refs = (...references: string[]) => ({ references });

  it("a reference from the conversation's own contact (or an address that wrote in it) threads there", () => {
    expect(chooseThread(refs('BAL-2026-000004'), { byReference: [named(4, 'BAL-2026-000004', true)] })).toEqual({
      conversationId: 4,
      via: 'reference',
      quotedReference: null,
    });
  });

  it('a reference from a stranger starts a new conversation that records the reference it quoted', () => {
    expect(chooseThread(refs('BAL-2026-000004'), { byReference: [named(4, 'BAL-2026-000004', false)] })).toEqual({
      conversationId: undefined,
      via: 'new',
      quotedReference: 'BAL-2026-000004',
    });
  });

  it('a reference that names no conversation is still recorded on the new one (a typo the agent can look up)', () => {
    expect(chooseThread(refs('BAL-2026-999999'), { byReference: [] })).toMatchObject({ conversationId: undefined, quotedReference: 'BAL-2026-999999' });
  });

  it("a Message-ID of the thread threads whoever sends it (the citizen's forward to a work address), and says which reference it did not follow", () => {
    expect(chooseThread(refs(), { byReference: [], byMessageId: 4 })).toEqual({ conversationId: 4, via: 'message_id', quotedReference: null });
    expect(chooseThread(refs('BAL-2026-000004'), { byReference: [named(4, 'BAL-2026-000004', false)], byMessageId: 4 })).toEqual({
      conversationId: 4,
      via: 'message_id',
      quotedReference: null,
    });
    expect(chooseThread(refs('BAL-2026-000009'), { byReference: [named(9, 'BAL-2026-000009', false)], byMessageId: 4 })).toEqual({
      conversationId: 4,
      via: 'message_id',
      quotedReference: 'BAL-2026-000009',
    });
  });

  it('a known reference wins over a Message-ID, and the first known of several references wins', () => {
    expect(chooseThread(refs('BAL-2026-000009'), { byReference: [named(9, 'BAL-2026-000009', true)], byMessageId: 4 })).toMatchObject({ conversationId: 9, via: 'reference' });
    expect(
      chooseThread(refs('BAL-2026-000001', 'BAL-2026-000002'), { byReference: [named(1, 'BAL-2026-000001', false), named(2, 'BAL-2026-000002', true)] }),
    ).toEqual({ conversationId: 2, via: 'reference', quotedReference: 'BAL-2026-000001' });
  });

  it('a bounce goes to the conversation of the mail it returns', () => {
    expect(chooseThread(refs('BAL-2026-000004'), { bounceOf: 7, byReference: [named(4, 'BAL-2026-000004', true)], byMessageId: 4 })).toMatchObject({
      conversationId: 7,
      via: 'bounce',
    });
  });
});
