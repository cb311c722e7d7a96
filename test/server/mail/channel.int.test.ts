// The e-mail channel end to end against a real Dovecot (IMAP) and a real SMTP server: mail in,
// threading, de-duplication, acknowledgements, replies out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, MAIL_FROM_ADDRESS, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let cookie: string;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  balie = await startTestBalie(db.url, world.env);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

async function conversationOf(messageId: string): Promise<{ id: number; reference: string; status: string }> {
  const row = await eventually(
    () => db.pool.query('SELECT c.id, c.reference, c.status FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id WHERE e.rfc_message_id = $1', [messageId]),
    (result) => result.rowCount === 1,
  );
  return row.rows[0];
}

async function detail(id: number) {
  const response = await balie.request(`/api/conversations/${id}`, { cookie });
  expect(response.status).toBe(200);
  return (await response.json()).conversation;
}

describe('a citizen mails the gemeente', () => {
  let conversation: { id: number; reference: string };

  it('becomes a conversation with a reference, and is acknowledged in Dutch with the promised date', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'eerste@example.nl', subject: 'Paspoort aanvragen', from: 'Jan Jansen <Jan@Example.nl>' }));
    conversation = await conversationOf('eerste@example.nl');
    expect(conversation.reference).toMatch(/^BAL-\d{4}-\d{6}$/);

    const [ack] = await world.smtp.waitFor(1);
    expect(ack!.to).toEqual(['jan@example.nl']);
    expect(ack!.parsed.subject).toContain(conversation.reference);
    expect(ack!.parsed.inReplyTo).toBe('<eerste@example.nl>');
    expect(ack!.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack!.parsed.from?.value[0]?.address).toBe(MAIL_FROM_ADDRESS);
    expect(ack!.parsed.text).toContain(conversation.reference);
    expect(ack!.parsed.text).toMatch(/uiterlijk \w+dag \d{1,2} \w+ \d{4}/);

    const thread = await detail(conversation.id);
    expect(thread.messages[0]).toMatchObject({ direction: 'in', text: expect.stringContaining('paspoort') });
    // Rotterdam's norm: an answer within 5 working days, and the acknowledgement names that date.
    const answer = thread.milestones.find((milestone: { kind: string }) => milestone.kind === 'answer');
    expect(answer).toMatchObject({ normId: 'rotterdam', state: 'open' });
    const promised = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' }).format(new Date(answer.dueAt));
    expect(ack!.parsed.text).toContain(`uiterlijk ${promised}`);
  });

  it('an agent reply goes out threaded, and the delivery state shows it was sent', async () => {
    const before = world.smtp.received.length;
    const response = await balie.request(`/api/conversations/${conversation.id}/messages`, { cookie, body: { text: 'Beste Jan,\n\nU kunt een afspraak maken.', kind: 'answer' } });
    expect(response.status).toBe(201);
    const [, reply] = (await world.smtp.waitFor(before + 1)).slice(before - 1);
    expect(reply!.parsed.subject).toBe(`Re: Paspoort aanvragen [${conversation.reference}]`);
    expect(reply!.parsed.inReplyTo).toBe('<eerste@example.nl>');
    expect(reply!.parsed.references).toContain('<eerste@example.nl>');
    expect(reply!.parsed.text).toContain('U kunt een afspraak maken.');
    expect(reply!.parsed.html).toContain('<p>U kunt een afspraak maken.</p>');
    const thread = await eventually(() => detail(conversation.id), (t) => t.messages.some((m: { delivery: { state: string } | null; replyKind: string }) => m.replyKind === 'answer' && m.delivery?.state === 'sent'));
    expect(thread.milestones.find((m: { kind: string }) => m.kind === 'answer').state).toBe('met');
  });

  it('threads the citizen’s answer by the reference in the subject, and by References when Outlook changed the rest', async () => {
    const ours = (await db.pool.query("SELECT e.rfc_message_id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE m.conversation_id = $1 AND m.reply_kind = 'answer'", [conversation.id])).rows[0].rfc_message_id;
    await deliver(
      world.dovecot,
      citizenMail({ messageId: 'via-referentie@example.nl', subject: `Nog een vraag ${conversation.reference}` }),
      citizenMail({ messageId: 'via-references@example.nl', subject: 'Andere onderwerpregel', headers: { 'In-Reply-To': '<iets-anders@outlook.example>', References: `<eerste@example.nl> <${ours}>` } }),
    );
    expect((await conversationOf('via-referentie@example.nl')).id).toBe(conversation.id);
    expect((await conversationOf('via-references@example.nl')).id).toBe(conversation.id);
    // One acknowledgement per conversation: answers in it are not acknowledged again.
    const acks = await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE conversation_id = $1 AND purpose = 'acknowledgement'", [conversation.id]);
    expect(acks.rows[0].n).toBe(1);
  });

  it('an internal note never leaves', async () => {
    const before = world.smtp.received.length;
    const response = await balie.request(`/api/conversations/${conversation.id}/messages`, { cookie, body: { text: 'Intern: BSN nagevraagd', kind: 'note' } });
    expect(response.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(world.smtp.received.slice(before).map((mail) => mail.parsed.text)).not.toContainEqual(expect.stringContaining('BSN'));
  });

  it('reopens a closed conversation when the citizen writes again', async () => {
    await db.pool.query("UPDATE conversations SET status = 'closed', closed_at = now() WHERE id = $1", [conversation.id]);
    await deliver(world.dovecot, citizenMail({ messageId: 'na-sluiten@example.nl', subject: `Re: Paspoort aanvragen [${conversation.reference}]` }));
    const reopened = await conversationOf('na-sluiten@example.nl');
    expect(reopened).toMatchObject({ id: conversation.id, status: 'open' });
  });
});

describe('de-duplication', () => {
  it('stores a mail with the same Message-ID once, and identical mail without Message-ID once', async () => {
    const withId = citizenMail({ messageId: 'twee-keer@example.nl', subject: 'Dubbel' });
    const withoutId = citizenMail({ messageId: null, subject: 'Zonder id', body: 'Dezelfde tekst.', from: 'Piet <piet@example.nl>' });
    await deliver(world.dovecot, withId, withId, withoutId, withoutId, citizenMail({ messageId: 'markeer-einde@example.nl' }));
    await conversationOf('markeer-einde@example.nl');
    const counts = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM email_messages WHERE rfc_message_id = 'twee-keer@example.nl') AS with_id,
              (SELECT count(*)::int FROM email_messages WHERE subject = 'Zonder id') AS without_id`,
    );
    expect(counts.rows[0]).toEqual({ with_id: 1, without_id: 1 });
  });
});

describe('acknowledgements', () => {
  it.each([
    ['an auto-reply', { 'Auto-Submitted': 'auto-replied' }, 'afwezig@example.nl', 'auto_reply'],
    ['list mail', { 'List-Id': '<nieuws.example.nl>' }, 'lijst@example.nl', 'list'],
    ['bulk mail', { Precedence: 'bulk' }, 'bulk@example.nl', 'bulk'],
    ['a noreply sender', {}, 'noreply@example.nl', 'system_sender'],
  ])('are never sent to %s', async (_label, headers, sender, reason) => {
    const id = `geen-ack-${sender}`;
    await deliver(world.dovecot, citizenMail({ messageId: id, from: sender, headers }));
    await conversationOf(id);
    const row = await db.pool.query('SELECT ack_skipped FROM email_messages WHERE rfc_message_id = $1', [id]);
    expect(row.rows[0].ack_skipped).toBe(reason);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1", [sender])).rows[0].n).toBe(0);
  });

  it('meet the acknowledgement milestone once the SMTP server accepted them (VNG norm)', async () => {
    const admin = { cookie };
    expect((await balie.request('/api/settings/service', { ...admin, method: 'PUT', body: { activeNormId: 'vng' } })).status).toBe(200);
    try {
      await deliver(world.dovecot, citizenMail({ messageId: 'vng@example.nl', from: 'vng-burger@example.nl' }));
      const conversation = await conversationOf('vng@example.nl');
      const thread = await eventually(() => detail(conversation.id), (t) => t.milestones.some((m: { kind: string; state: string }) => m.kind === 'acknowledgement' && m.state === 'met'));
      const milestone = thread.milestones.find((m: { kind: string }) => m.kind === 'acknowledgement');
      expect(milestone.metBy).toBe('acknowledgement');
      const sent = await db.pool.query("SELECT sent_at FROM mail_outbox WHERE to_address = 'vng-burger@example.nl'");
      expect(new Date(milestone.metAt).getTime()).toBe(sent.rows[0].sent_at.getTime());
    } finally {
      await balie.request('/api/settings/service', { ...admin, method: 'PUT', body: { activeNormId: 'rotterdam' } });
    }
  });

  it('go to a sender at most once an hour', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'uur-1@example.nl', from: 'kees@example.nl', subject: 'Eerste' }), citizenMail({ messageId: 'uur-2@example.nl', from: 'kees@example.nl', subject: 'Tweede' }));
    await conversationOf('uur-2@example.nl');
    const acks = await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = 'kees@example.nl' AND purpose = 'acknowledgement'");
    expect(acks.rows[0].n).toBe(1);
    expect((await db.pool.query("SELECT ack_skipped FROM email_messages WHERE rfc_message_id = 'uur-2@example.nl'")).rows[0].ack_skipped).toBe('recently_acknowledged');
  });

  it('a bounce of our mail is attached to its conversation as a delivery failure', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'stuit@example.nl', from: 'onbekend@example.nl', subject: 'Bouncer' }));
    const conversation = await conversationOf('stuit@example.nl');
    const ack = await eventually(
      () => db.pool.query("SELECT rfc_message_id FROM mail_outbox WHERE to_address = 'onbekend@example.nl' AND state = 'sent'"),
      (result) => result.rowCount === 1,
    );
    const ourId = ack.rows[0].rfc_message_id;
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.nl>',
      `To: ${MAIL_FROM_ADDRESS}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce-1@mx.example.nl>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.nl',
      '',
      'Final-Recipient: rfc822; onbekend@example.nl',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '--b',
      'Content-Type: text/rfc822-headers',
      '',
      `From: ${MAIL_FROM_ADDRESS}`,
      `Message-ID: <${ourId}>`,
      'Subject: Ontvangstbevestiging',
      '--b--',
      '',
    ].join('\n');
    await deliver(world.dovecot, dsn);
    const bounced = await conversationOf('bounce-1@mx.example.nl');
    expect(bounced.id).toBe(conversation.id);
    const toDaemon = await db.pool.query("SELECT count(*)::int AS n FROM mail_outbox WHERE to_address ILIKE 'mailer-daemon@%'");
    expect(toDaemon.rows[0].n).toBe(0);
    const outbox = await db.pool.query('SELECT state, last_error FROM mail_outbox WHERE rfc_message_id = $1', [ourId]);
    expect(outbox.rows[0].state).toBe('failed');
    expect(outbox.rows[0].last_error).toContain('5.1.1');
    const thread = await detail(conversation.id);
    expect(thread.messages.find((m: { email: { messageId: string } | null }) => m.email?.messageId === 'bounce-1@mx.example.nl').kind).toBe('system');
  });
});

describe('what agents get from a mail', () => {
  it('hostile HTML is inert, and attachments are for logged-in agents only', async () => {
    const mail = [
      'From: Mallory <mallory@example.nl>',
      `To: ${MAIL_FROM_ADDRESS}`,
      'Subject: =?ISO-8859-1?Q?Caf=E9_aanvraag?=',
      'Message-ID: <vijandig@example.nl>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p onclick="steal()">Hallo<script>alert(1)</script><a href="javascript:alert(2)">klik</a><img src="https://tracker.example/p.gif" alt="pixel"><iframe src="https://evil.example"></iframe></p>',
      '--m',
      'Content-Type: application/pdf; name="brief.pdf"',
      'Content-Disposition: attachment; filename="brief.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 brief').toString('base64'),
      '--m--',
      '',
    ].join('\n');
    await deliver(world.dovecot, mail);
    const conversation = await conversationOf('vijandig@example.nl');
    const thread = await detail(conversation.id);
    expect(thread.subject).toBe('Café aanvraag');
    const message = thread.messages[0];
    expect(message.html).toContain('Hallo');
    for (const hostile of ['<script', 'onclick', 'javascript:', '<iframe', 'tracker.example']) expect(message.html).not.toContain(hostile);
    const [attachment] = message.attachments;
    expect(attachment).toMatchObject({ filename: 'brief.pdf', contentType: 'application/pdf' });
    const download = await balie.request(`/api/attachments/${attachment.id}`, { cookie });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('%PDF-1.4 brief');
    expect((await balie.request(`/api/attachments/${attachment.id}`)).status).toBe(401);
  });

  it('nothing a citizen wrote can inject a header into our mail', async () => {
    const before = world.smtp.received.length;
    await deliver(world.dovecot, citizenMail({ messageId: 'injectie@example.nl', from: '"Eve =?UTF-8?B?DQpCY2M6IGV2aWxAZXhhbXBsZS5ubA==?=" <eve@example.nl>', subject: '=?UTF-8?B?SGFsbG8NCkJjYzogZXZpbEBleGFtcGxlLm5s?=' }));
    const conversation = await conversationOf('injectie@example.nl');
    const ack = (await eventually(async () => world.smtp.received.slice(before).find((mail) => mail.to.includes('eve@example.nl')), (found) => found !== undefined))!;
    expect(ack.to).toEqual(['eve@example.nl']);
    expect(ack.parsed.headers.has('bcc')).toBe(false);
    const [head, body] = ack.raw.toString().split('\r\n\r\n', 2);
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head).toMatch(/^Subject: Re: Hallo Bcc: evil@example\.nl \[BAL-/m);
    expect(body).not.toMatch(/^Bcc:/im);
    expect(conversation.reference).toBeTruthy();
  });
});

describe('who gets the answer', () => {
  it('a contact form (From: noreply, Reply-To: the citizen) is acknowledged and answered at the citizen', async () => {
    const before = world.smtp.received.length;
    await deliver(world.dovecot, citizenMail({ messageId: 'formulier@example.nl', from: 'Website Gemeente <noreply@gemeente.test>', subject: 'Contactformulier: parkeervergunning', headers: { 'Reply-To': 'Fatma Yilmaz <fatma@example.nl>' } }));
    const conversation = await conversationOf('formulier@example.nl');
    const ack = await eventually(async () => world.smtp.received.slice(before).find((mail) => mail.to.includes('fatma@example.nl')), (found) => found !== undefined);
    expect(ack!.parsed.text).toContain('Fatma Yilmaz');
    expect((await detail(conversation.id)).contact).toMatchObject({ email: 'fatma@example.nl', name: 'Fatma Yilmaz' });
  });

  it('someone quoting another citizen’s reference does not receive the replies', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'eigenaar@example.nl', from: 'Eigenaar <eigenaar@example.nl>', subject: 'Mijn aanvraag' }));
    const conversation = await conversationOf('eigenaar@example.nl');
    await deliver(world.dovecot, citizenMail({ messageId: 'indringer@example.nl', from: 'indringer@example.nl', subject: `Re: ${conversation.reference}` }));
    // Since issue 12, item 6 the quoted reference does not even let the mail into the thread: an
    // address the conversation does not know starts a conversation of its own.
    expect((await conversationOf('indringer@example.nl')).id).not.toBe(conversation.id);
    const before = world.smtp.received.length;
    expect((await balie.request(`/api/conversations/${conversation.id}/messages`, { cookie, body: { text: 'Uw vergunning is verleend.' } })).status).toBe(201);
    const reply = await eventually(async () => world.smtp.received.slice(before).find((mail) => /vergunning is verleend/.test(mail.parsed.text ?? '')), (found) => found !== undefined);
    expect(reply!.to).toEqual(['eigenaar@example.nl']);
  });
});

describe('what arrives decoded', () => {
  it.each([
    ['alternative.eml', 'multipart/alternative'],
    ['html-only.eml', 'HTML only'],
    ['latin1-qp.eml', 'ISO-8859-1 quoted-printable'],
    ['windows-1252.eml', 'Windows-1252'],
  ])('%s (%s) through a real IMAP server', async (fixture) => {
    const raw = (await import('node:fs')).readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8');
    const parsed = await (await import('mailparser')).simpleParser(raw);
    await deliver(world.dovecot, raw);
    const conversation = await conversationOf(parsed.messageId!.replace(/[<>]/g, ''));
    const thread = await detail(conversation.id);
    const message = thread.messages.find((m: { direction: string }) => m.direction === 'in');
    expect(message.text.trim().length).toBeGreaterThan(0);
    expect(message.text).not.toMatch(/=[0-9A-F]{2}|\uFFFD/);
    expect(thread.subject).toBe(parsed.subject);
  });

  it('a mail with NUL characters is stored, without them', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'nul@example.nl', subject: 'Met nul', body: 'Voor\u0000na' }));
    const conversation = await conversationOf('nul@example.nl');
    const text: string = (await detail(conversation.id)).messages[0].text;
    expect(text).toMatch(/^Voor.?na/);
    expect(text).not.toContain('\u0000');
  });
});

describe('the conversation list', () => {
  it('pages with a cursor without repeats and filters by channel', async () => {
    const first = await (await balie.request('/api/conversations?channel=email&limit=3', { cookie })).json();
    expect(first.items).toHaveLength(3);
    const second = await (await balie.request(`/api/conversations?channel=email&limit=3&cursor=${first.nextCursor}`, { cookie })).json();
    const ids = [...first.items, ...second.items].map((item: { id: number }) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(first.items[0]).toMatchObject({ channel: 'email', reference: expect.stringMatching(/^BAL-/) });
    expect((await balie.request('/api/conversations?cursor=rommel', { cookie })).status).toBe(400);
    expect((await balie.request('/api/conversations')).status).toBe(401);
  });
});
