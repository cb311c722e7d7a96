// The attachments an outgoing mail carries (issue 16.3), read back from `attachments` (small ones
// from attachments.content, larger ones piece by piece from attachment_chunks) as nodemailer wants them.
import type { Db } from '../db/index.ts';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** Set for an inline image: the HTML part shows it as cid:… (RFC 2392). */
  cid?: string;
  contentDisposition: 'attachment' | 'inline';
}

/** The attachments of the out message `messageId`, in the order they were attached. */
export async function attachmentsOfMessage(db: Db, messageId: number): Promise<MailAttachment[]> {
  const { rows } = await db.query<{ id: number; filename: string | null; contentType: string; contentId: string | null; content: Buffer | null; chunkCount: number | null }>(
    `SELECT a.id, a.filename, a.content_type AS "contentType", a.content_id AS "contentId", a.content, a.chunk_count AS "chunkCount"
       FROM attachments a JOIN messages m ON m.id = a.message_id
      WHERE a.message_id = $1 AND m.direction = 'out' ORDER BY a.id`,
    [messageId],
  );
  const attachments: MailAttachment[] = [];
  for (const row of rows) {
    let content = row.content;
    if (!content) {
      const pieces: Buffer[] = [];
      for (let seq = 0; seq < (row.chunkCount ?? 0); seq++) {
        const piece = await db.query<{ bytes: Buffer }>('SELECT bytes FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2', [row.id, seq]);
        // A missing piece must fail the attempt, never send a short file.
        if (!piece.rows[0]) throw new Error(`attachment ${row.id}: piece ${seq} is missing`);
        pieces.push(piece.rows[0].bytes);
      }
      content = Buffer.concat(pieces);
    }
    attachments.push({
      filename: row.filename ?? `bijlage-${row.id}`,
      content,
      contentType: row.contentType,
      ...(row.contentId ? { cid: row.contentId } : {}),
      contentDisposition: row.contentId ? 'inline' : 'attachment',
    });
  }
  return attachments;
}
