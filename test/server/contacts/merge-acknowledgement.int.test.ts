// A merge and the acknowledgements still in the outbox (issue 16.5, domain.md "met only when
// received"), with a real SMTP server and Balie's own sender. The absorbed conversation's queued
// acknowledgement meets the kept conversation's acknowledgement when it goes to the kept
// conversation's citizen; addressed to another citizen it still goes out, and meets nothing of
// the kept one's — that citizen's promise stays owed, as the agent sees.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import type { SmtpSink } from '../../support/smtp-sink.ts';
import { waitUntil } from '../chat/chat-support.ts';
import { startMailWorld, type MailWorld } from '../mail/mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let smtp: SmtpSink;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  smtp = world.smtp;
  // Down while the questions arrive and merge: their acknowledgements wait in the outbox.
  await smtp.down();
  balie = await startTestBalie(db.url, {
    ...world.env,
    // VNG promises an acknowledgement within 2 working days.
    NORM: 'vng',
    // Retried within a second once the server is back.
    OUTBOX_RETRY_MAX_DELAY_SECONDS: '1',
    PUBLIC_SUBMIT_LIMIT: '10000',
  });
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await Promise.all([db?.drop(), world?.close()]);
});

const ask = async (email: string, text: string) => {
  const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email, text, lang: 'nl' } });
  expect(response.status).toBe(201);
  const { reference, acknowledgement } = (await response.json()) as { reference: string; acknowledgement: string };
  const { id } = (await db.pool.query<{ id: number }>('SELECT id::int FROM conversations WHERE reference = $1', [reference])).rows[0]!;
  return { id, acknowledgement };
};
const acknowledgementOf = async (conversationId: number) =>
  (await db.pool.query<{ state: string; met_by: string | null }>(`SELECT state, met_by FROM milestones WHERE conversation_id = $1 AND kind = 'acknowledgement' AND state <> 'not_applicable'`, [conversationId])).rows;
const merge = async (keptId: number, absorbedId: number) => expect((await balie.request(`/api/conversations/${keptId}/merge`, { cookie: admin, body: { absorbedId } })).status).toBe(200);

describe('merging a conversation whose acknowledgement is still queued', () => {
  it('meets the kept acknowledgement when the mail goes to the kept citizen, and nothing when it goes to another', async () => {
    // Anna asks twice within the hour: her second question's acknowledgement is held back (one per
    // address per hour), so that question still owes her one.
    expect((await ask('anna@example.nl', 'Mijn container is niet geleegd')).acknowledgement).toBe('queued');
    const annaAgain = await ask('anna@example.nl', 'De container staat er nog steeds');
    expect(annaAgain.acknowledgement).toBe('skipped');
    // Piet asks about the same container; his acknowledgement waits in the outbox.
    const piet = await ask('piet@example.nl', 'De container van de buren is niet geleegd');
    expect(piet.acknowledgement).toBe('queued');
    // Bram: the same story with one citizen — his acknowledged first question merged into his second.
    const bramFirst = await ask('bram@example.nl', 'Wanneer wordt het grofvuil opgehaald?');
    const bramAgain = await ask('bram@example.nl', 'Nogmaals: het grofvuil');
    expect([bramFirst.acknowledgement, bramAgain.acknowledgement]).toEqual(['queued', 'skipped']);

    await merge(annaAgain.id, piet.id);
    await merge(bramAgain.id, bramFirst.id);
    await smtp.up();
    await smtp.waitFor(3, 30_000);
    await waitUntil(async () => (await db.pool.query(`SELECT 1 FROM mail_outbox WHERE state <> 'sent'`)).rowCount === 0, 30_000, 'every mail delivered');
    expect(smtp.received.flatMap((mail) => mail.to).sort()).toEqual(['anna@example.nl', 'bram@example.nl', 'piet@example.nl']);

    // Piet's acknowledgement reached Piet, not Anna: the one Anna is owed is still open.
    expect(await acknowledgementOf(annaAgain.id)).toEqual([{ state: 'open', met_by: null }]);
    // Bram's reached Bram, whose question it now is: met.
    expect(await acknowledgementOf(bramAgain.id)).toEqual([{ state: 'met', met_by: 'acknowledgement' }]);
  });
});
