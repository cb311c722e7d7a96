// Large attachments are stored in pieces (issue 12, item 1; migration 0016): a mail over 1 MB read
// from a real Dovecot in partial fetches, its attachments over 256 KiB written as attachment_chunks
// rows, and served back by GET /api/attachments/:id byte for byte with the same headers as a small
// one. A piece that went missing is an error, never a shorter file.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ATTACHMENT_CHUNK_BYTES } from '../../../server/mail/ingest.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { untilDone } from '../../support/wait.ts';
import { deliver, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let cookie: string;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  balie = await startTestBalie(db.url, world.env);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
}, 120_000);
afterAll(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

/** A PNG signature and then noise: an inline image, known by its first bytes. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(300 * 1024)]);
/** Incompressible, several pieces and a short last one. */
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3 * ATTACHMENT_CHUNK_BYTES + 12_345)]);
const SMALL = Buffer.from('klein bestand');

function mailWithAttachments(): string {
  const part = (headers: string[], bytes: Buffer) => [...headers, 'Content-Transfer-Encoding: base64', '', bytes.toString('base64').replace(/.{76}/g, '$&\n'), ''].join('\n');
  return [
    'From: Jan Jansen <jan@example.nl>',
    'To: info@gemeente.test',
    'Subject: Bouwtekening en foto',
    'Message-ID: <bijlagen-in-stukken@example.nl>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="grens"',
    '',
    '--grens',
    'Content-Type: multipart/related; boundary="binnen"',
    '',
    '--binnen',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Zie de foto: <img src="cid:gevel@example.nl" alt="Gevel"></p>',
    '--binnen',
    part(['Content-Type: image/png; name="gevel.png"', 'Content-ID: <gevel@example.nl>', 'Content-Disposition: inline; filename="gevel.png"'], PNG),
    '--binnen--',
    '--grens',
    part(['Content-Type: application/pdf; name="tekening.pdf"', 'Content-Disposition: attachment; filename="tekening.pdf"'], PDF),
    '--grens',
    part(['Content-Type: text/plain; name="klein.txt"', 'Content-Disposition: attachment; filename="klein.txt"'], SMALL),
    '--grens--',
    '',
  ].join('\n');
}

type Stored = { id: number; filename: string; size_bytes: number; chunk_count: number | null; in_row: boolean; chunks: number };

it('stores attachments over 256 KiB in pieces and serves them whole, with the same headers; a missing piece is an error', { timeout: 180_000 }, async () => {
  const raw = mailWithAttachments();
  expect(Buffer.byteLength(raw)).toBeGreaterThan(1024 * 1024); // downloaded in partial fetches (poller.ts STREAM_BYTES)
  await deliver(world.dovecot, raw);
  const stored = await untilDone(
    async () =>
      (
        await db.pool.query<Stored>(
          `SELECT a.id::int, a.filename, a.size_bytes, a.chunk_count, a.content IS NOT NULL AS in_row,
                  (SELECT count(*)::int FROM attachment_chunks c WHERE c.attachment_id = a.id) AS chunks
             FROM attachments a JOIN email_messages e ON e.message_id = a.message_id
            WHERE e.rfc_message_id = 'bijlagen-in-stukken@example.nl' ORDER BY a.filename`,
        )
      ).rows,
    (rows) => rows.length === 3,
  );
  const byName = Object.fromEntries(stored.map((row) => [row.filename, row]));
  expect(byName['gevel.png']).toMatchObject({ size_bytes: PNG.length, chunk_count: 2, in_row: false, chunks: 2 });
  expect(byName['tekening.pdf']).toMatchObject({ size_bytes: PDF.length, chunk_count: 4, in_row: false, chunks: 4 });
  expect(byName['klein.txt']).toMatchObject({ size_bytes: SMALL.length, chunk_count: null, in_row: true, chunks: 0 });

  const download = async (id: number) => {
    const response = await balie.request(`/api/attachments/${id}`, { cookie });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  };
  const pdf = await download(byName['tekening.pdf']!.id);
  expect(pdf.response.status).toBe(200);
  expect(pdf.body.equals(PDF)).toBe(true);
  expect(pdf.response.headers.get('content-length')).toBe(String(PDF.length));
  const png = await download(byName['gevel.png']!.id);
  expect(png.body.equals(PNG)).toBe(true);
  const small = await download(byName['klein.txt']!.id);
  expect(small.body.equals(SMALL)).toBe(true);
  // The same security headers as an attachment kept in one row; the image inline by its bytes.
  const headers = (response: Response) => ({
    type: response.headers.get('content-type'),
    csp: response.headers.get('content-security-policy'),
    nosniff: response.headers.get('x-content-type-options'),
    cache: response.headers.get('cache-control'),
  });
  expect(headers(pdf.response)).toEqual(headers(small.response));
  expect(headers(pdf.response)).toEqual({ type: 'application/octet-stream', csp: "default-src 'none'; sandbox", nosniff: 'nosniff', cache: 'no-store' });
  expect(pdf.response.headers.get('content-disposition')).toMatch(/^attachment; filename="?tekening\.pdf"?$/);
  expect(headers(png.response).type).toBe('image/png');
  expect(png.response.headers.get('content-disposition')).toMatch(/^inline; filename="?gevel\.png"?$/);
  // The checksum stored with the attachment is of the bytes served.
  const sha = await db.pool.query<{ sha256: Buffer }>('SELECT sha256 FROM attachments WHERE id = $1', [byName['tekening.pdf']!.id]);
  expect(createHash('sha256').update(pdf.body).digest().equals(sha.rows[0]!.sha256)).toBe(true);

  // A piece gone (a broken restore, a hand edit): no file that looks whole.
  await db.pool.query('DELETE FROM attachment_chunks WHERE attachment_id = $1 AND seq = 2', [byName['tekening.pdf']!.id]);
  const broken = await balie.request(`/api/attachments/${byName['tekening.pdf']!.id}`, { cookie });
  expect(broken.status).toBe(500);
});
