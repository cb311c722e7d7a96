// When nobody can chat (issue 5 §5): the question left with an e-mail address becomes an e-mail
// conversation with the norm's milestones and acknowledgement; and after a chat, the transcript.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { eventually, MAIL_FROM_ADDRESS, startMailWorld, type MailWorld } from '../mail/mail-support.ts';
import { agentSocket, closeSockets, next, readyCitizen, startChat, startChatBalie } from './chat-support.ts';

afterEach(() => closeSockets());

const ask = (balie: TestBalie, body: Record<string, unknown>) => balie.request('/api/public/questions', { body });

describe('without an e-mail channel', () => {
  let db: TestDatabase;
  let balie: TestBalie;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Outside chat hours: exactly when the widget offers the question form.
    balie = await startChatBalie(db.url, { CHAT_HOURS: 'never' });
    admin = await balie.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await balie?.stop();
    await db?.drop();
  });

  it('creates an e-mail conversation with milestones, tells the promised date, once per client id', async () => {
    const agent = await agentSocket(balie, admin);
    const created = next<{ channel: string; reference: string }>(agent, 'conversation.created');
    const clientId = randomUUID();
    const body = { clientId, email: 'Jan@Example.NL', name: 'Jan Jansen', text: 'Wanneer kan ik mijn rijbewijs ophalen?' };
    const first = await ask(balie, body);
    expect(first.status).toBe(201);
    const answer = await first.json();
    expect(answer).toMatchObject({ reference: expect.stringMatching(/^BAL-\d{4}-\d{6}$/), acknowledgement: 'not_configured' });
    // VNG's norm promises an acknowledgement within 2 working days, and no answer date.
    expect(answer.promise).toEqual({ kind: 'acknowledgement', dueAt: expect.stringMatching(/T17:00:00\.000\+0[12]:00$/) });
    await expect(created).resolves.toEqual({ conversationId: expect.any(Number), reference: answer.reference, channel: 'email' });

    const again = await ask(balie, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(answer);
    const { rows } = await db.pool.query('SELECT id, channel, status FROM conversations WHERE reference = $1', [answer.reference]);
    expect(rows).toEqual([{ id: expect.any(Number), channel: 'email', status: 'new' }]);
    const thread = (await (await balie.request(`/api/conversations/${rows[0].id}`, { cookie: admin })).json()).conversation;
    expect(thread.contact).toMatchObject({ name: 'Jan Jansen', email: 'jan@example.nl' });
    expect(thread.messages).toHaveLength(1);
    expect(thread.messages[0]).toMatchObject({ direction: 'in', text: 'Wanneer kan ik mijn rijbewijs ophalen?', email: { from: 'jan@example.nl' } });
    expect(thread.milestones).toEqual([expect.objectContaining({ kind: 'acknowledgement', normId: 'vng', state: 'open', dueAt: answer.promise.dueAt })]);
  });

  it('refuses a bad address, an empty or over-long question', async () => {
    for (const body of [
      { clientId: randomUUID(), email: 'geen-adres', text: 'Vraag' },
      { clientId: randomUUID(), email: 'jan@example.nl', text: '  ' },
      { clientId: randomUUID(), email: 'jan@example.nl', text: 'x'.repeat(5001) },
      { clientId: randomUUID(), email: 'jan@example.nl', text: 'Vraag', conversationId: 1 },
    ]) {
      const response = await ask(balie, body);
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('validation_failed');
    }
  });

  it('a transcript needs the e-mail channel: a clear code', async () => {
    await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { chatHours: 'always' } });
    await agentSocket(balie, admin);
    const chat = await startChat(balie);
    const { socket } = await readyCitizen(balie, chat.token);
    expect(await socket.emitWithAck('transcript.send', { email: 'jan@example.nl' })).toEqual({ ok: false, error: { code: 'mail_not_configured' } });
    expect(await socket.emitWithAck('transcript.send', { email: 'geen adres' })).toEqual({ ok: false, error: { code: 'validation_failed' } });
  });
});

describe('with the e-mail channel (Dovecot and an SMTP server)', () => {
  let world: MailWorld;
  let db: TestDatabase;
  let balie: TestBalie;
  let admin: string;

  beforeAll(async () => {
    world = await startMailWorld();
    db = await createTestDatabase();
    // Rotterdam's norm (the mail world's): an answer within 5 working days.
    balie = await startChatBalie(db.url, world.env);
    admin = await balie.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await balie?.stop();
    await db?.drop();
    await world?.close();
  });

  it('queues the acknowledgement, which arrives with the reference and the promised answer date', async () => {
    const before = world.smtp.received.length;
    const response = await ask(balie, { clientId: randomUUID(), email: 'eva@example.nl', name: 'Eva de Boer', text: 'Mijn container is niet geleegd.' });
    expect(response.status).toBe(201);
    const answer = await response.json();
    expect(answer).toMatchObject({ acknowledgement: 'queued', promise: { kind: 'answer' } });
    const mail = (await eventually(async () => world.smtp.received.slice(before).find((m) => m.to.includes('eva@example.nl')), (found) => found !== undefined))!;
    expect(mail.parsed.from?.value[0]?.address).toBe(MAIL_FROM_ADDRESS);
    expect(mail.parsed.subject).toContain(answer.reference);
    // Issue 12.5: the typed name never reaches the salutation (anyone can type any name and address).
    expect(mail.parsed.text).toContain('Beste heer of mevrouw,');
    expect(mail.parsed.text).not.toContain('Eva de Boer');
    const promised = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' }).format(new Date(answer.promise.dueAt));
    expect(mail.parsed.text).toContain(`U ontvangt uiterlijk ${promised}`);
    // The promise is the conversation's answer milestone (Rotterdam has no acknowledgement term).
    const milestones = await db.pool.query<{ kind: string; due_at: Date }>(
      'SELECT m.kind, m.due_at FROM milestones m JOIN conversations c ON c.id = m.conversation_id WHERE c.reference = $1',
      [answer.reference],
    );
    expect(milestones.rows.map((row) => [row.kind, row.due_at.getTime()])).toEqual([['answer', Date.parse(answer.promise.dueAt)]]);
    // A second question from the same address within the hour is stored, but not acknowledged again
    // (the form cannot be used to flood someone's mailbox).
    const second = await ask(balie, { clientId: randomUUID(), email: 'eva@example.nl', text: 'En de papiercontainer ook niet.' });
    expect(await second.json()).toMatchObject({ acknowledgement: 'skipped', promise: { kind: 'answer' } });
  });

  it('mails the transcript: both sides, no internal notes; at most three per conversation', async () => {
    await agentSocket(balie, admin);
    const chat = await startChat(balie, 'Kan ik mijn verhuizing online doorgeven?');
    const { socket } = await readyCitizen(balie, chat.token);
    await balie.request(`/api/conversations/${chat.conversationId}/messages`, { cookie: admin, body: { text: 'Dat kan via MijnGemeente.' } });
    await balie.request(`/api/conversations/${chat.conversationId}/messages`, { cookie: admin, body: { text: 'Interne notitie: verhuist naar Zwolle', kind: 'note' } });
    const before = world.smtp.received.length;
    expect(await socket.emitWithAck('transcript.send', { email: 'piet@example.nl' })).toEqual({ ok: true, data: { queued: true } });
    const mail = (await eventually(async () => world.smtp.received.slice(before).find((m) => m.to.includes('piet@example.nl')), (found) => found !== undefined))!;
    expect(mail.parsed.subject).toBe(`Gespreksverslag van uw chat [${chat.conversation.reference}]`);
    expect(mail.parsed.text).toContain('U: Kan ik mijn verhuizing online doorgeven?');
    expect(mail.parsed.text).toMatch(/\w+: Dat kan via MijnGemeente\./);
    expect(mail.parsed.text).not.toContain('Interne notitie');
    const { rows } = await db.pool.query("SELECT purpose FROM mail_outbox WHERE conversation_id = $1", [chat.conversationId]);
    expect(rows).toEqual([{ purpose: 'transcript' }]);
    expect((await socket.emitWithAck('transcript.send', { email: 'piet@example.nl', lang: 'en' })).ok).toBe(true);
    expect((await socket.emitWithAck('transcript.send', { email: 'piet@example.nl' })).ok).toBe(true);
    expect(await socket.emitWithAck('transcript.send', { email: 'piet@example.nl' })).toEqual({ ok: false, error: { code: 'too_many_transcripts' } });
  });
});
