// Attachments on their way into outgoing mail (issue 16.3): uploaded by the agent in pieces,
// checked by their bytes, and moved into `attachments` (stored as incoming mail's are: small
// ones in attachments.content, larger ones as attachment_chunks) in the transaction that queues
// the mail. Uploads that were never sent are removed after a day.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { ATTACHMENT_CHUNK_BYTES } from '../mail/ingest.ts';
import { outgoingFilename, sniffOutgoing, type OutgoingKind } from './outgoing-types.ts';

/** The size of every piece but the last: attachment_chunks' piece size, so pieces move as they are. */
export const UPLOAD_PIECE_BYTES = ATTACHMENT_CHUNK_BYTES;
/** Attachments one mail may carry. */
export const MAX_ATTACHMENTS_PER_MAIL = 10;

export interface UploadLimits {
  /** One file at most (OUTGOING_ATTACHMENT_MAX_BYTES). */
  maxBytes: number;
  /** All of one agent's uploads not yet sent together (OUTGOING_ATTACHMENT_MAX_PENDING_BYTES). */
  maxPendingBytes: number;
  /** The kinds allowed (OUTGOING_ATTACHMENT_TYPES). */
  kinds: readonly OutgoingKind[];
}

export interface Upload {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  /** All pieces are there: it can be sent. */
  complete: boolean;
}

export type UploadRefusal = 'attachment_type_refused' | 'attachment_too_large' | 'upload_piece_invalid';

const pieceCount = (size: number) => Math.ceil(size / UPLOAD_PIECE_BYTES);
const expectedPieceBytes = (size: number, seq: number) => Math.min(UPLOAD_PIECE_BYTES, size - seq * UPLOAD_PIECE_BYTES);

/**
 * Starts an upload with its first piece, which decides its type. An inline upload must be an
 * image; anything else becomes an ordinary attachment.
 */
export async function startUpload(
  tx: Db,
  input: { agentId: number; filename: string; size: number; inline: boolean; first: Buffer },
  limits: UploadLimits,
): Promise<{ ok: true; upload: Upload } | { ok: false; code: UploadRefusal }> {
  if (input.size > limits.maxBytes) return { ok: false, code: 'attachment_too_large' };
  if (input.first.byteLength !== expectedPieceBytes(input.size, 0)) return { ok: false, code: 'upload_piece_invalid' };
  const filename = outgoingFilename(input.filename);
  const type = sniffOutgoing(input.first, filename);
  if (!type || !limits.kinds.includes(type.kind)) return { ok: false, code: 'attachment_type_refused' };
  // Forgotten uploads go first, so that they count against nobody.
  await tx.query("DELETE FROM outgoing_uploads WHERE agent_id = $1 AND created_at < now() - interval '1 day'", [input.agentId]);
  const pending = await tx.query<{ bytes: number }>('SELECT coalesce(sum(size_bytes), 0)::bigint AS bytes FROM outgoing_uploads WHERE agent_id = $1', [input.agentId]);
  if (Number(pending.rows[0]!.bytes) + input.size > limits.maxPendingBytes) return { ok: false, code: 'attachment_too_large' };
  const inline = input.inline && type.image;
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO outgoing_uploads (agent_id, filename, content_type, size_bytes, piece_count, inline) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [input.agentId, filename, type.contentType, input.size, pieceCount(input.size), inline],
  );
  const id = rows[0]!.id;
  await tx.query('INSERT INTO outgoing_upload_pieces (upload_id, seq, bytes) VALUES ($1, 0, $2)', [id, input.first]);
  return { ok: true, upload: { id, filename, contentType: type.contentType, size: input.size, inline, complete: pieceCount(input.size) === 1 } };
}

/** Stores piece `seq` (1, 2, …) of the agent's own upload; a piece sent twice replaces itself. */
export async function addUploadPiece(db: Db, input: { agentId: number; uploadId: number; seq: number; bytes: Buffer }): Promise<'ok' | 'not_found' | 'upload_piece_invalid'> {
  const { rows } = await db.query<{ size: number; pieces: number }>(
    'SELECT size_bytes AS size, piece_count AS pieces FROM outgoing_uploads WHERE id = $1 AND agent_id = $2',
    [input.uploadId, input.agentId],
  );
  const upload = rows[0];
  if (!upload) return 'not_found';
  if (input.seq < 1 || input.seq >= upload.pieces || input.bytes.byteLength !== expectedPieceBytes(upload.size, input.seq)) return 'upload_piece_invalid';
  await db.query(
    'INSERT INTO outgoing_upload_pieces (upload_id, seq, bytes) VALUES ($1, $2, $3) ON CONFLICT (upload_id, seq) DO UPDATE SET bytes = EXCLUDED.bytes',
    [input.uploadId, input.seq, input.bytes],
  );
  return 'ok';
}

/** Removes the agent's own upload (the chip's remove button); false when there was none. */
export async function deleteUpload(db: Db, agentId: number, uploadId: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM outgoing_uploads WHERE id = $1 AND agent_id = $2', [uploadId, agentId]);
  return (rowCount ?? 0) > 0;
}

export interface SentAttachment {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  /** For an inline image: the Content-ID the HTML part refers to (cid:…), without brackets. */
  contentId: string | null;
}

/**
 * Moves the agent's complete uploads into attachments of `messageId`, in the caller's
 * transaction, in the order given. The bytes are copied inside PostgreSQL; nothing passes
 * through Balie again. Refused as a whole when one is missing (another agent's, removed, expired)
 * or not yet complete.
 */
export async function attachUploads(
  tx: Db,
  input: { agentId: number; uploadIds: readonly number[]; messageId: number; domain: string },
): Promise<{ ok: true; attachments: SentAttachment[] } | { ok: false; code: 'upload_not_found' | 'upload_incomplete' }> {
  const attachments: SentAttachment[] = [];
  for (const uploadId of new Set(input.uploadIds)) {
    const { rows } = await tx.query<{ filename: string; contentType: string; size: number; pieces: number; inline: boolean; stored: number }>(
      `SELECT u.filename, u.content_type AS "contentType", u.size_bytes AS size, u.piece_count AS pieces, u.inline,
              (SELECT count(*)::int FROM outgoing_upload_pieces p WHERE p.upload_id = u.id) AS stored
         FROM outgoing_uploads u WHERE u.id = $1 AND u.agent_id = $2 FOR UPDATE`,
      [uploadId, input.agentId],
    );
    const upload = rows[0];
    if (!upload) return { ok: false, code: 'upload_not_found' };
    if (upload.stored !== upload.pieces) return { ok: false, code: 'upload_incomplete' };
    const contentId = upload.inline ? `${randomBytes(12).toString('hex')}@${input.domain}` : null;
    const chunked = upload.pieces > 1;
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO attachments (message_id, filename, content_type, size_bytes, sha256, content_id, content, chunk_count)
       SELECT $1, $2, $3, $4, sha256(string_agg(p.bytes, ''::bytea ORDER BY p.seq)),
              $5, CASE WHEN $6 THEN NULL ELSE (array_agg(p.bytes))[1] END, CASE WHEN $6 THEN $7::int END
         FROM outgoing_upload_pieces p WHERE p.upload_id = $8
       RETURNING id`,
      [input.messageId, upload.filename, upload.contentType, upload.size, contentId, chunked, upload.pieces, uploadId],
    );
    const id = inserted.rows[0]!.id;
    if (chunked) {
      await tx.query('INSERT INTO attachment_chunks (attachment_id, seq, bytes) SELECT $1, seq, bytes FROM outgoing_upload_pieces WHERE upload_id = $2', [id, uploadId]);
    }
    await tx.query('DELETE FROM outgoing_uploads WHERE id = $1', [uploadId]);
    attachments.push({ id, filename: upload.filename, contentType: upload.contentType, size: upload.size, contentId });
  }
  return { ok: true, attachments };
}
