// The citizen's photo or PDF from the widget (issue 16.7) against a real Balie: a PNG reaches the
// agents' inbox as a message with its attachment, served inline under nosniff and a sandbox CSP;
// an HTML page named .png, a PNG whose header lies, a file over the limit and the hourly limit
// per chat are refused.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, startChat, startChatBalie } from './chat-support.ts';
import { png } from './upload-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let agent: Awaited<ReturnType<typeof agentSocket>>;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, { CHAT_UPLOAD_MAX_BYTES: String(64 * 1024), CHAT_UPLOADS_PER_CHAT_HOUR: '3' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  // An agent online throughout, so that chat is available.
  agent = await agentSocket(balie, admin, { keep: true });
});
afterEach(() => closeSockets());
afterAll(async () => {
  agent?.disconnect();
  await balie?.stop();
  await db?.drop();
});

const upload = (token: string, bytes: Buffer, name: string, type = 'image/png', clientId = randomUUID()) =>
  fetch(`${balie.url}/api/public/chats/uploads?clientId=${clientId}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: new Uint8Array(bytes),
  });
const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('uploads from the widget', () => {
  it('a PNG photo reaches the inbox as the citizen’s message, shown inline under the attachment rules', async () => {
    const chat = await startChat(balie);
    const created = next<{ conversationId: number; messageId: number }>(agent, 'message.created', 5_000, (event) => event.conversationId === chat.conversationId);
    const photo = png(40, 30);
    const clientId = randomUUID();
    const response = await upload(chat.token, photo, 'lantaarnpaal.png', 'image/png', clientId);
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toMatchObject({ message: { from: 'citizen', text: 'lantaarnpaal.png', clientId }, attachment: { contentType: 'image/png', size: photo.length } });
    expect((await created).messageId).toBe(body.message.id);
    // A retry of the same upload is answered with the stored message, not a second one.
    const retry = await upload(chat.token, photo, 'lantaarnpaal.png', 'image/png', clientId);
    expect(retry.status).toBe(200);
    expect((await retry.json()).message.id).toBe(body.message.id);

    const detail = await (await balie.request(`/api/conversations/${chat.conversationId}`, { cookie: admin })).json();
    const message = detail.conversation.messages.find((m: { id: number }) => m.id === body.message.id);
    expect(message.attachments).toEqual([{ id: body.attachment.id, filename: 'lantaarnpaal.png', contentType: 'image/png', size: photo.length, inline: false }]);
    const served = await balie.request(`/api/attachments/${body.attachment.id}`, { cookie: admin });
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(served.headers.get('content-disposition')).toMatch(/^inline/);
    expect(Buffer.from(await served.arrayBuffer()).equals(photo)).toBe(true);
  });

  it('a PDF is accepted; an HTML page named .png, a lying PNG header, a file too large are refused', async () => {
    const chat = await startChat(balie);
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
    const accepted = await upload(chat.token, pdf, 'brief.pdf', 'application/pdf');
    expect(accepted.status).toBe(201);
    expect((await accepted.json()).attachment.contentType).toBe('application/pdf');

    const html = await upload(chat.token, Buffer.from('<!doctype html><script>alert(1)</script>'), 'foto.png');
    expect(html.status).toBe(415);
    expect(await codeOf(html)).toBe('attachment_type_refused');
    // A PNG signature whose header claims 100,000 × 100,000 pixels: a decompression bomb.
    const bomb = await upload(chat.token, png(4, 4, { width: 100_000, height: 100_000 }), 'foto.png');
    expect(bomb.status).toBe(415);
    const tooLarge = await upload(chat.token, Buffer.concat([png(4, 4), Buffer.alloc(70 * 1024)]), 'groot.png');
    expect(tooLarge.status).toBe(413);
    expect(await codeOf(tooLarge)).toBe('attachment_too_large');
    const count = await db.pool.query(`SELECT count(*)::int AS n FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = $1`, [chat.conversationId]);
    expect(count.rows[0].n).toBe(1);
    // Without the chat's token nothing is stored.
    expect((await upload('not-a-token-of-any-chat', png(4, 4), 'x.png')).status).toBe(401);
  });

  it('a chat may send so many files an hour', async () => {
    const chat = await startChat(balie);
    for (let i = 0; i < 3; i++) expect((await upload(chat.token, png(4, 4), `foto-${i}.png`)).status).toBe(201);
    const refused = await upload(chat.token, png(4, 4), 'foto-4.png');
    expect(refused.status).toBe(429);
    expect(await codeOf(refused)).toBe('rate_limited');
  });

  it('refuses an upload a page of another site made the browser send, before reading it', async () => {
    const response = await fetch(`${balie.url}/api/public/chats/uploads?clientId=${randomUUID()}&name=foto.png`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', authorization: 'Bearer anything', 'content-type': 'image/png' },
      body: new Uint8Array(png(4, 4)),
    });
    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe('cross_origin_refused');
  });

  it('answers the widget’s preflight with the Authorization header allowed', async () => {
    const response = await fetch(`${balie.url}/api/public/chats/uploads`, {
      method: 'OPTIONS',
      headers: { origin: new URL(balie.url).origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });
});
