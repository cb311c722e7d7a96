// The composer's calls: uploading attachments in pieces, a new mail to a citizen, signatures.
import type { Upload } from '../../../server/inbox/outgoing-uploads.ts';
import type { Signature } from '../../../server/signatures/store.ts';
import { api } from './http.ts';

export type { Signature, Upload };

/** The server's piece size (server/inbox/outgoing-uploads.ts UPLOAD_PIECE_BYTES). */
export const UPLOAD_PIECE_BYTES = 256 * 1024;


function base64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode with 256 K arguments would overflow the stack.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/**
 * Uploads a file as the server wants it: the first piece decides its type (415 when refused),
 * the rest follow one request each, every one under the API's 1 MB JSON limit.
 */
export async function uploadFile(file: File, inline = false): Promise<Upload> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const upload = await api<Upload>('POST', '/api/uploads', { filename: file.name || 'bijlage', size: bytes.length, inline, data: base64(bytes.subarray(0, UPLOAD_PIECE_BYTES)) });
  for (let seq = 1; seq * UPLOAD_PIECE_BYTES < bytes.length; seq++) {
    await api('PUT', `/api/uploads/${upload.id}/pieces/${seq}`, { data: base64(bytes.subarray(seq * UPLOAD_PIECE_BYTES, (seq + 1) * UPLOAD_PIECE_BYTES)) });
  }
  return { ...upload, complete: true };
}

export function removeUpload(id: number) {
  return api<void>('DELETE', `/api/uploads/${id}`);
}

export function sendNewMail(input: { to: string; name?: string; subject: string; text: string; attachments: number[] }) {
  return api<{ conversationId: number; reference: string; messageId: number }>('POST', '/api/outgoing-mail', input);
}

export function mySignature() {
  return api<{ signature: string | null }>('GET', '/api/signatures/mine');
}

export function listSignatures() {
  return api<{ items: Signature[]; variables: string[] }>('GET', '/api/signatures');
}

export function saveSignature(teamId: number | null, body: string) {
  return api<void>('PUT', teamId === null ? '/api/signatures/mailbox' : `/api/signatures/teams/${teamId}`, { body });
}

export function deleteSignature(teamId: number | null) {
  return api<void>('DELETE', teamId === null ? '/api/signatures/mailbox' : `/api/signatures/teams/${teamId}`);
}
