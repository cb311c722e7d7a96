// Issue 12.5: the widget's transcript and the offline question let anyone make Balie mail any
// address from the gemeente's real From. Automatic mail per address (and in all) is limited, counted
// in PostgreSQL, and what the visitor typed never reads as the gemeente's own words.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendTranscript } from '../../../server/chat/transcript.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { eventually, MAIL_FROM_ADDRESS, startMailWorld, type MailWorld } from '../mail/mail-support.ts';
import { agentSocket, closeSockets, readyCitizen, startChat, startChatBalie } from './chat-support.ts';

afterEach(() => closeSockets());

let world: MailWorld;
let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  world = await startMailWorld();
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, world.env);
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
  await world?.close();
});

const PHISH = 'Uw DigiD is geblokkeerd, bel 0900-1234 of ga naar https://phish.example/login';
const mailsTo = (address: string) => world.smtp.received.filter((mail) => mail.to.includes(address));

/** A chat with an agent's answer in it, as a citizen's widget holds it. */
async function answeredChat(citizenText: string) {
  await agentSocket(balie, admin);
  const chat = await startChat(balie, citizenText);
  const { socket } = await readyCitizen(balie, chat.token);
  expect((await balie.request(`/api/conversations/${chat.conversationId}/messages`, { cookie: admin, body: { text: 'Daar helpen wij u graag mee.' } })).status).toBe(201);
  return { chat, socket };
}

describe('the acknowledgement of an offline question', () => {
  it('carries neither the name nor the question the visitor typed, and no name in To', async () => {
    const victim = 'buurvrouw@example.nl';
    const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: victim, name: PHISH, text: `Belangrijk: ${PHISH}` } });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ acknowledgement: 'queued' });
    const [mail] = await eventually(async () => mailsTo(victim), (mails) => mails.length === 1);
    expect(mail!.parsed.from?.value[0]?.address).toBe(MAIL_FROM_ADDRESS);
    expect(mail!.parsed.to && !Array.isArray(mail!.parsed.to) ? mail!.parsed.to.value : []).toEqual([{ address: victim, name: '' }]);
    const text = mail!.parsed.text ?? '';
    expect(text.startsWith('Beste heer of mevrouw,')).toBe(true);
    for (const part of [text, String(mail!.parsed.html), mail!.parsed.subject ?? '', mail!.raw.toString()]) {
      expect(part).not.toMatch(/DigiD|0900|phish\.example/);
    }
    // The question itself is kept for the agents, in full.
    const stored = await db.pool.query("SELECT body_text FROM messages WHERE direction = 'in' AND body_text LIKE 'Belangrijk:%'");
    expect(stored.rows).toEqual([{ body_text: `Belangrijk: ${PHISH}` }]);
  });
});

describe('the transcript', () => {
  it('says who asked for it and quotes the visitor’s lines as theirs; a typed “agent line” stays inside the quote', async () => {
    const fake = `Hallo\n[2 dec. 2026 10:00] Medewerker: ${PHISH}`;
    const { socket } = await answeredChat(fake);
    const victim = 'ontvanger@example.nl';
    expect(await socket.emitWithAck('transcript.send', { email: victim })).toEqual({ ok: true, data: { queued: true } });
    const [mail] = await eventually(async () => mailsTo(victim), (mails) => mails.length === 1);
    const text = mail!.parsed.text ?? '';
    // First the warning, before any line of the chat.
    const warning = text.indexOf('U (of iemand die uw e-mailadres invulde) vroeg');
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(text.indexOf('U: Hallo'));
    expect(text).toContain('Wat na "U:" staat, heeft de persoon die chatte zelf getypt. Het komt niet van de gemeente.');
    // No line starts like an agent's line with the visitor's text: it is indented as a quote.
    expect(text).not.toMatch(/^\[[^\]]*\] Medewerker: Uw DigiD/m);
    expect(text).toMatch(/^ {4}> \[2 dec\. 2026 10:00\] Medewerker: Uw DigiD/m);
    // In HTML, the visitor's words are a quotation.
    const html = String(mail!.parsed.html);
    expect(html).toMatch(/<strong>U<\/strong>: <blockquote>Hallo<br>\[2 dec\. 2026 10:00\] Medewerker: Uw DigiD/);
    expect(html).not.toMatch(/<a /);
  });

  it('at most five automatic mails to one address a day, across chats and the question form', { timeout: 60_000 }, async () => {
    const victim = 'doelwit@example.nl';
    const first = await answeredChat('Vraag een');
    const second = await answeredChat('Vraag twee');
    const outcomes: unknown[] = [];
    for (const { socket } of [first, first, first, second, second, second]) outcomes.push(await socket.emitWithAck('transcript.send', { email: victim }));
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill({ ok: true, data: { queued: true } }));
    expect(outcomes[5]).toEqual({ ok: false, error: { code: 'too_many_transcripts' } });
    // Another address is not affected by this one's limit.
    expect(await second.socket.emitWithAck('transcript.send', { email: 'iemand-anders@example.nl' })).toEqual({ ok: true, data: { queued: true } });
    // The question form is counted too: the question is kept, its acknowledgement is not sent.
    const asked = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: victim, name: 'Eva', text: 'Nog een vraag' } });
    expect(await asked.json()).toMatchObject({ acknowledgement: 'skipped' });

    await eventually(async () => mailsTo('iemand-anders@example.nl'), (mails) => mails.length === 1);
    await eventually(async () => mailsTo(victim), (mails) => mails.length === 5);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(mailsTo(victim)).toHaveLength(5);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1", [victim]);
    expect(rows[0].n).toBe(5);
  });

  it('a limit on all automatic mail together holds across the whole database', async () => {
    const { chat } = await answeredChat('Vraag vier');
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE purpose IN ('acknowledgement', 'transcript') AND created_at > now() - interval '1 hour'");
    const limits = { perRecipientPerDay: 100, perHour: rows[0].n + 1 };
    const from = { name: 'Gemeente Test', address: MAIL_FROM_ADDRESS };
    const send = (email: string) => sendTranscript(db.pool, { conversationId: chat.conversationId, email, lang: 'nl', from, limits });
    // Two requests at once for the last place: one gets it.
    const outcomes = await Promise.all([send('een@example.nl'), send('twee@example.nl')]);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([{ ok: false, code: 'too_many_transcripts' }]);
  });
});
