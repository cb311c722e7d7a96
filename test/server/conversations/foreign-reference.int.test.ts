// Writing into another citizen's thread (issue 12, item 6), against a real Balie, Dovecot, SMTP
// server and PostgreSQL: a stranger who guesses a reference and quotes it from another address gets
// a conversation of their own, which names the reference; the citizen's conversation is untouched.
// The citizen's own mail by reference, and a reply to our mail from another address, still thread.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../mail/mail-support.ts';

const CEILING = 45_000;
vi.setConfig({ testTimeout: 180_000 });

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let cookie: string;

beforeEach(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  balie = await startTestBalie(db.url, world.env);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
});
afterEach(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

interface Detail {
  id: number;
  reference: string;
  status: string;
  contact: { name: string | null; email: string | null } | null;
  messages: { direction: string; author: { name: string | null } | null; email: { from: string | null; quotedReference: string | null } | null }[];
  milestones: { id: number; kind: string; state: string }[];
}

const detail = async (id: number): Promise<Detail> => ((await (await balie.request(`/api/conversations/${id}`, { cookie })).json()) as { conversation: Detail }).conversation;

async function conversationOf(messageId: string): Promise<number> {
  const result = await eventually(
    () => db.pool.query<{ id: number }>('SELECT m.conversation_id AS id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = $1', [messageId]),
    (rows) => rows.rowCount === 1,
    CEILING,
  );
  return result.rows[0]!.id;
}

/** The Message-ID of the acknowledgement Balie sent for a conversation, once the SMTP server has it. */
async function acknowledgementOf(conversationId: number): Promise<string> {
  const { rows } = await eventually(
    () => db.pool.query<{ id: string }>("SELECT rfc_message_id AS id FROM mail_outbox WHERE conversation_id = $1 AND purpose = 'acknowledgement' AND state = 'sent'", [conversationId]),
    (result) => result.rowCount === 1,
    CEILING,
  );
  return rows[0]!.id;
}

describe('a reference threads only mail from an address the conversation knows', () => {
  it("a stranger quoting a citizen's reference from another address starts a conversation of their own, which names it; the citizen's stays closed and keeps its milestones", async () => {
    await deliver(world.dovecot, citizenMail({ from: 'Jan Jansen <jan@example.nl>', messageId: 'jan-1@example.nl', subject: 'Mijn paspoort', body: 'Mijn BSN staat in de bijlage.' }));
    const jans = await conversationOf('jan-1@example.nl');
    await acknowledgementOf(jans);
    expect((await balie.request(`/api/conversations/${jans}/close`, { method: 'POST', cookie, body: { outcome: 'handled_first_contact' } })).status).toBe(200);
    const before = await detail(jans);
    expect(before.status).toBe('closed');

    // The attack: the sequential reference guessed, the citizen's name typed, another address.
    await deliver(
      world.dovecot,
      citizenMail({ from: 'Jan Jansen <mallory@evil.example>', messageId: 'mallory-1@evil.example', subject: `Re: Mijn paspoort [${before.reference}]`, body: 'Stuur mijn paspoort naar een ander adres.' }),
    );
    const strangers = await conversationOf('mallory-1@evil.example');
    expect(strangers).not.toBe(jans);

    const after = await detail(jans);
    expect(after.status).toBe('closed');
    expect(after.messages).toHaveLength(before.messages.length);
    expect(after.milestones).toEqual(before.milestones);

    const theirs = await detail(strangers);
    expect(theirs.reference).not.toBe(before.reference);
    expect(theirs.contact?.email).toBe('mallory@evil.example');
    // The agent sees the reference it quoted and the address beside the name it typed.
    expect(theirs.messages[0]!.email).toMatchObject({ from: 'mallory@evil.example', quotedReference: before.reference });
    // Its acknowledgement names its own reference, not the citizen's.
    const ack = (await world.smtp.waitFor(2, CEILING)).find((mail) => mail.to.includes('mallory@evil.example'));
    // Its acknowledgement names its own reference (the subject it echoes still quotes the other).
    expect(ack?.parsed.subject).toMatch(new RegExp(`\\[${theirs.reference}\\]$`));
    expect(ack?.parsed.text).not.toContain('BSN');

    // The stranger writes again under the echoed subject, both references in it: their own
    // conversation, which knows them, not the citizen's.
    await deliver(world.dovecot, citizenMail({ from: 'mallory@evil.example', messageId: 'mallory-2@evil.example', subject: ack!.parsed.subject! }));
    expect(await conversationOf('mallory-2@evil.example')).toBe(strangers);
    expect((await detail(jans)).messages).toHaveLength(before.messages.length);
  });

  it('the citizen writing again by reference, from the address the conversation knows, threads and reopens it', async () => {
    await deliver(world.dovecot, citizenMail({ from: 'Jan Jansen <Jan@Example.nl>', messageId: 'jan-2@example.nl', subject: 'Kapvergunning' }));
    const jans = await conversationOf('jan-2@example.nl');
    const { reference } = await detail(jans);
    expect((await balie.request(`/api/conversations/${jans}/close`, { method: 'POST', cookie, body: { outcome: 'handled_first_contact' } })).status).toBe(200);

    await deliver(world.dovecot, citizenMail({ from: 'J. Jansen <jan@example.nl>', messageId: 'jan-3@example.nl', subject: `Nog een vraag ${reference.toLowerCase()}` }));
    expect(await conversationOf('jan-3@example.nl')).toBe(jans);
    const reopened = await eventually(() => detail(jans), (d) => d.status === 'open', CEILING);
    expect(reopened.messages.filter((m) => m.direction === 'in').at(-1)!.email!.quotedReference).toBeNull();
  });

  it("a reply to Balie's own mail from another address threads (the citizen forwarded it to their work address), and that address may then use the reference", async () => {
    await deliver(world.dovecot, citizenMail({ from: 'Jan Jansen <jan@example.nl>', messageId: 'jan-4@example.nl', subject: 'Parkeervergunning' }));
    const jans = await conversationOf('jan-4@example.nl');
    const ack = await acknowledgementOf(jans);
    const { reference } = await detail(jans);

    await deliver(
      world.dovecot,
      citizenMail({
        from: 'Jan Jansen <j.jansen@werk.example.com>',
        messageId: 'jan-werk-1@werk.example.com',
        subject: `Re: Ontvangstbevestiging [${reference}]`,
        headers: { 'In-Reply-To': `<${ack}>`, References: `<jan-4@example.nl> <${ack}>` },
      }),
    );
    expect(await conversationOf('jan-werk-1@werk.example.com')).toBe(jans);

    await deliver(world.dovecot, citizenMail({ from: 'j.jansen@werk.example.com', messageId: 'jan-werk-2@werk.example.com', subject: `Aanvulling ${reference}` }));
    expect(await conversationOf('jan-werk-2@werk.example.com')).toBe(jans);
    const thread = await detail(jans);
    expect(thread.messages.filter((m) => m.direction === 'in').map((m) => m.email?.quotedReference ?? null)).toEqual([null, null, null]);
  });
});
