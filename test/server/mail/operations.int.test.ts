// Running the e-mail channel: misconfiguration, several instances, large mail, tussenberichten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
});
afterAll(async () => {
  await world?.close();
  await db?.drop();
});

// The operator's view: anonymous callers see the status only (issue 12.11).
const health = (balie: TestBalie) => balie.health();

describe('configuration', () => {
  it('without IMAP settings Balie runs without the e-mail channel and says so', async () => {
    // The first start seeds the service settings: Rotterdam, whose norm allows a tussenbericht.
    const balie = await startTestBalie(db.url, { NORM: 'rotterdam' });
    try {
      const response = await balie.request('/healthz');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      expect((await balie.health()).checks.email).toBe('disabled');
    } finally {
      await balie.stop();
    }
  });

  it('with a wrong IMAP password it keeps running and reports why in /healthz', async () => {
    const balie = await startTestBalie(db.url, { ...world.env, IMAP_PASSWORD: 'wrong' });
    try {
      const report = await eventually(() => health(balie), (body) => body.checks.email === 'error');
      expect(report.status).toBe('ok');
      expect(report.details.email.error).toMatch(/login refused|authentication/i);
      expect((await balie.request('/api/auth/login', { body: ADMIN })).status).toBe(200);
    } finally {
      await balie.stop();
    }
  });
});

describe('several instances', () => {
  it('exactly one reads the mailbox; when it stops another takes over', { timeout: 60_000 }, async () => {
    const first = await startTestBalie(db.url, world.env);
    await eventually(() => health(first), (body) => body.checks.email === 'connected');
    const second = await startTestBalie(db.url, world.env);
    try {
      await eventually(() => health(second), (body) => body.checks.email === 'standby');
      await first.stop();
      await eventually(() => health(second), (body) => body.checks.email === 'connected', 20_000);
      await deliver(world.dovecot, citizenMail({ messageId: 'overgenomen@example.nl' }));
      await eventually(() => db.pool.query("SELECT 1 FROM email_messages WHERE rfc_message_id = 'overgenomen@example.nl'"), (r) => r.rowCount === 1);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

describe('mail and replies', () => {
  let balie: TestBalie;
  let cookie: string;
  beforeAll(async () => {
    balie = await startTestBalie(db.url, { ...world.env, MAIL_MAX_BYTES: '20000' });
    cookie = await balie.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => balie?.stop());

  async function conversationIdOf(messageId: string): Promise<number> {
    const result = await eventually(
      () => db.pool.query('SELECT m.conversation_id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = $1', [messageId]),
      (r) => r.rowCount === 1,
    );
    return result.rows[0].conversation_id;
  }

  it('a mail larger than MAIL_MAX_BYTES is kept as a stub with a visible reason', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'groot@example.nl', subject: 'Grote bijlage', body: 'x'.repeat(30_000) }));
    const id = await conversationIdOf('groot@example.nl');
    const { conversation } = await (await balie.request(`/api/conversations/${id}`, { cookie })).json();
    expect(conversation.subject).toBe('Grote bijlage');
    expect(conversation.messages[0].email.stubReason).toMatch(/^too_large:\d+$/);
    expect(conversation.messages[0].text.length).toBeLessThan(30_000);
  });

  it('a tussenbericht opens the complex answer with the stated term, names its date, and meets the answer once delivered', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'complex@example.nl', subject: 'Meervoudige klacht' }));
    const id = await conversationIdOf('complex@example.nl');
    const response = await balie.request(`/api/conversations/${id}/messages`, {
      cookie,
      body: { text: 'Uw vraag wordt behandeld door Burgerzaken.', kind: 'interim', term: { unit: 'weeks', amount: 3 } },
    });
    expect(response.status).toBe(201);
    // The confirmation names the new date; the mail the citizen gets states it in words.
    const { promise } = await response.json();
    expect(promise).toMatchObject({ kind: 'complexAnswer', dueAt: expect.stringMatching(/T17:00:00\.000\+0[12]:00$/) });
    const date = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' }).format(new Date(promise.dueAt));
    const mails = await eventually(async () => [...world.smtp.received], (all) => all.some((mail) => mail.parsed.text?.includes('Burgerzaken')), 30_000);
    const interim = mails.find((mail) => mail.parsed.text?.includes('Burgerzaken'));
    expect(interim!.parsed.text).toContain(`U ontvangt uiterlijk ${date} een inhoudelijk antwoord.`);
    // Met only when received: once the SMTP server accepted it.
    const { conversation } = await eventually(
      async () => (await balie.request(`/api/conversations/${id}`, { cookie })).json(),
      (body) => body.conversation.milestones.some((m: { kind: string; state: string }) => m.kind === 'answer' && m.state === 'met'),
      30_000,
    );
    const byKind = Object.fromEntries(conversation.milestones.map((m: { kind: string }) => [m.kind, m]));
    expect(byKind.answer).toMatchObject({ state: 'met', metBy: 'interim' });
    expect(byKind.complexAnswer).toMatchObject({ state: 'open', termStated: true, term: { unit: 'weeks', amount: 3 }, dueAt: promise.dueAt });
    expect(conversation.messages.at(-1)).toMatchObject({ replyKind: 'interim', direction: 'out', text: expect.stringContaining(date) });
  });

  it('refuses what cannot be sent with a clear code', async () => {
    const id = await conversationIdOf('complex@example.nl');
    const empty = await balie.request(`/api/conversations/${id}/messages`, { cookie, body: { text: '   ' } });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.fields[0].field).toBe('text');
    const again = await balie.request(`/api/conversations/${id}/messages`, { cookie, body: { text: 'Nog een tussenbericht', kind: 'interim' } });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('no_open_answer');
    expect((await balie.request('/api/conversations/999999/messages', { cookie, body: { text: 'Hallo' } })).status).toBe(404);
  });
});
