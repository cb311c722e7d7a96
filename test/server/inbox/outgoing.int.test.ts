// Outgoing mail with attachments and signatures (issue 16.3, 16.6), against a real Dovecot, a real
// SMTP server and PostgreSQL: what reaches the SMTP server is parsed as a citizen's client would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addAgent, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../mail/mail-support.ts';

const PIECE = 256 * 1024;
// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
// Larger than one piece, so that it is uploaded in two and stored as attachment_chunks.
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n% Balie test\n'), Buffer.alloc(PIECE + 1000, 0x41)]);

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let adminCookie: string;
let agentCookie: string;
let agent: { id: number; email: string; password: string };

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  balie = await startTestBalie(db.url, world.env);
  adminCookie = await balie.login(ADMIN.email, ADMIN.password);
  agent = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  agentCookie = await balie.login(agent.email, agent.password);
  const team = await db.pool.query<{ id: number }>("INSERT INTO teams (name) VALUES ('Burgerzaken') RETURNING id::int");
  await db.pool.query('INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2)', [team.rows[0]!.id, agent.id]);
  teamId = team.rows[0]!.id;
});
afterAll(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});
let teamId: number;

/** Uploads a file the way the composer does: 256 KiB pieces, base64 in JSON. */
async function upload(cookie: string, filename: string, bytes: Buffer, inline = false): Promise<Response> {
  const started = await balie.request('/api/uploads', { cookie, body: { filename, size: bytes.byteLength, inline, data: bytes.subarray(0, PIECE).toString('base64') } });
  if (started.status !== 201) return started;
  const { id } = (await started.clone().json()) as { id: number };
  for (let seq = 1; seq * PIECE < bytes.byteLength; seq++) {
    const response = await balie.request(`/api/uploads/${id}/pieces/${seq}`, { cookie, method: 'PUT', body: { data: bytes.subarray(seq * PIECE, (seq + 1) * PIECE).toString('base64') } });
    expect(response.status).toBe(204);
  }
  return started;
}

async function conversationOfMail(messageId: string): Promise<number> {
  const found = await eventually(
    () => db.pool.query<{ id: number }>('SELECT m.conversation_id::int AS id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = $1', [messageId]),
    (result) => result.rowCount === 1,
  );
  return found.rows[0]!.id;
}

describe('signatures', () => {
  it('only an admin sets them', async () => {
    const body = { body: 'Met vriendelijke groet,\n{agent.name}\nTeam {team.name}' };
    expect((await balie.request(`/api/signatures/teams/${teamId}`, { cookie: agentCookie, method: 'PUT', body })).status).toBe(403);
    expect((await balie.request(`/api/signatures/teams/${teamId}`, { cookie: adminCookie, method: 'PUT', body })).status).toBe(204);
    expect((await balie.request('/api/signatures/mailbox', { cookie: adminCookie, method: 'PUT', body: { body: 'Gemeente Test' } })).status).toBe(204);
    const mine = await (await balie.request('/api/signatures/mine', { cookie: agentCookie })).json();
    expect(mine.signature).toBe('Met vriendelijke groet,\nfatima\nTeam Burgerzaken');
    const audit = await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'signature.save'");
    expect(audit.rows[0].n).toBe(2);
  });
});

describe('a reply with attachments', () => {
  it('reaches the SMTP server as one multipart mail: text, HTML with the inline image, the attachment, the signature, threaded', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'vraag-bijlage@example.nl', subject: 'Formulier', from: 'Jan Jansen <jan@example.nl>' }));
    const conversationId = await conversationOfMail('vraag-bijlage@example.nl');
    await world.smtp.waitFor(1); // the acknowledgement
    const before = world.smtp.received.length;

    const pdf = await upload(agentCookie, 'aanvraagformulier.pdf', PDF);
    expect(pdf.status).toBe(201);
    const png = await upload(agentCookie, 'kaart.png', PNG, true);
    expect(png.status).toBe(201);
    const ids = [((await pdf.json()) as { id: number }).id, ((await png.json()) as { id: number }).id];

    const sent = await balie.request(`/api/conversations/${conversationId}/messages`, { cookie: agentCookie, body: { text: 'Beste Jan,\n\nHierbij het formulier.', kind: 'answer', attachments: ids } });
    expect(sent.status).toBe(201);

    const mail = (await world.smtp.waitFor(before + 1))[before]!.parsed;
    expect(mail.inReplyTo).toBe('<vraag-bijlage@example.nl>');
    expect([mail.references].flat()).toContain('<vraag-bijlage@example.nl>');
    expect(mail.text).toContain('Hierbij het formulier.');
    expect(mail.text).toContain('-- \nMet vriendelijke groet,\nfatima\nTeam Burgerzaken');
    expect(mail.html).toContain('Team Burgerzaken');
    const [attachedPdf, inlinePng] = [mail.attachments.find((a) => a.filename === 'aanvraagformulier.pdf'), mail.attachments.find((a) => a.filename === 'kaart.png')];
    expect(attachedPdf?.contentType).toBe('application/pdf');
    expect(attachedPdf?.content.equals(PDF)).toBe(true);
    expect(inlinePng?.contentType).toBe('image/png');
    expect(inlinePng?.contentDisposition).toBe('inline');
    // mailparser resolves the HTML's cid: to the related part it names (RFC 2392): it shows in the text.
    expect(inlinePng?.related).toBe(true);
    expect(mail.html).toContain(`<img src="data:image/png;base64,${PNG.toString('base64')}"`);

    // Stored like incoming attachments: the large one in pieces, and the uploads are gone.
    const stored = await db.pool.query('SELECT a.filename, a.chunk_count AS "chunkCount", a.size_bytes AS size FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = $1 AND m.direction = $2 ORDER BY a.id', [conversationId, 'out']);
    expect(stored.rows).toEqual([
      { filename: 'aanvraagformulier.pdf', chunkCount: 2, size: PDF.byteLength },
      { filename: 'kaart.png', chunkCount: null, size: PNG.byteLength },
    ]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM outgoing_uploads')).rows[0].n).toBe(0);
  });

  it('refuses an upload named .png that is HTML, by its bytes', async () => {
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
    const response = await upload(agentCookie, 'foto.png', html);
    expect(response.status).toBe(415);
    expect((await response.json()).error.code).toBe('attachment_type_refused');
  });

  it('refuses an upload another site makes the browser send', async () => {
    const response = await balie.request('/api/uploads', {
      cookie: agentCookie,
      headers: { 'sec-fetch-site': 'same-site', origin: 'https://www.gemeente.test' },
      body: { filename: 'kaart.png', size: PNG.byteLength, data: PNG.toString('base64') },
    });
    expect(response.status).toBe(403);
  });

  it('refuses a file over the size limit before any piece is stored', async () => {
    const response = await balie.request('/api/uploads', { cookie: agentCookie, body: { filename: 'groot.pdf', size: 11 * 1024 * 1024, data: PDF.subarray(0, PIECE).toString('base64') } });
    expect(response.status).toBe(413);
  });
});

describe('a new e-mail to a citizen', () => {
  it('opens a conversation without milestones, and the citizen’s reply threads into it', async () => {
    const before = world.smtp.received.length;
    const pdf = (await (await upload(agentCookie, 'folder.pdf', PDF.subarray(0, 2000))).json()) as { id: number };
    const response = await balie.request('/api/outgoing-mail', {
      cookie: agentCookie,
      body: { to: 'Piet@Example.nl', name: 'Piet de Vries', subject: 'Ons telefoongesprek', text: 'Beste Piet,\n\nZoals besproken.', attachments: [pdf.id] },
    });
    expect(response.status).toBe(201);
    const { conversationId, reference } = (await response.json()) as { conversationId: number; reference: string };

    const detail = (await (await balie.request(`/api/conversations/${conversationId}`, { cookie: agentCookie })).json()).conversation;
    expect(detail.milestones).toEqual([]);
    expect(detail).toMatchObject({ channel: 'email', status: 'open', assignee: { id: agent.id } });

    const mail = (await world.smtp.waitFor(before + 1))[before]!;
    expect(mail.to).toEqual(['piet@example.nl']);
    expect(mail.parsed.subject).toBe(`Ons telefoongesprek [${reference}]`);
    expect(mail.parsed.text).toContain('Team Burgerzaken');
    expect(mail.parsed.attachments.map((attachment) => attachment.filename)).toEqual(['folder.pdf']);
    const ourId = mail.parsed.messageId!.replace(/[<>]/g, '');

    await deliver(
      world.dovecot,
      citizenMail({ from: 'Piet de Vries <piet@example.nl>', subject: `Re: Ons telefoongesprek`, messageId: 'antwoord-piet@example.nl', headers: { 'In-Reply-To': `<${ourId}>`, References: `<${ourId}>` } }),
    );
    expect(await conversationOfMail('antwoord-piet@example.nl')).toBe(conversationId);
    const audit = await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'conversation.outgoing_mail' AND subject_id = $1", [String(conversationId)]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('refuses another agent’s upload', async () => {
    const pdf = (await (await upload(adminCookie, 'van-een-ander.pdf', PDF.subarray(0, 2000))).json()) as { id: number };
    const response = await balie.request('/api/outgoing-mail', { cookie: agentCookie, body: { to: 'piet@example.nl', subject: 'x', text: 'y', attachments: [pdf.id] } });
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('upload_not_found');
    expect((await db.pool.query("SELECT count(*)::int AS n FROM conversations WHERE subject = 'x'")).rows[0].n).toBe(0);
  });

  it('refuses an address that is not one plain address', async () => {
    const response = await balie.request('/api/outgoing-mail', { cookie: agentCookie, body: { to: 'a@b.nl, c@d.nl', subject: 'x', text: 'y' } });
    expect(response.status).toBe(400);
  });
});
