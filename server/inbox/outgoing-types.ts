// What an agent may attach to outgoing mail, decided by the file's first bytes (as
// attachment-types.ts decides what the inbox shows inline): a name ending in .png says nothing —
// an HTML page named foto.png is refused, because the citizen's mail client would open it as one.
import { sniffImage } from './attachment-types.ts';

/** The kinds OUTGOING_ATTACHMENT_TYPES can list. */
export const OUTGOING_KINDS = ['pdf', 'png', 'jpeg', 'gif', 'webp', 'docx', 'xlsx', 'odt', 'ods'] as const;
export type OutgoingKind = (typeof OUTGOING_KINDS)[number];

export interface OutgoingType {
  kind: OutgoingKind;
  contentType: string;
  /** An image a mail client shows in the text (cid:). */
  image: boolean;
}

const startsWith = (bytes: Buffer, text: string) => bytes.subarray(0, text.length).equals(Buffer.from(text, 'latin1'));

// Office documents are ZIP archives (OOXML: ECMA-376 part 2; ODF: OASIS 1.2 part 3): the bytes say
// "ZIP", the name says which document. A ZIP under another name is refused — it may hold anything.
const ZIP_DOCUMENTS: Record<string, { kind: OutgoingKind; contentType: string }> = {
  '.docx': { kind: 'docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  '.xlsx': { kind: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  '.odt': { kind: 'odt', contentType: 'application/vnd.oasis.opendocument.text' },
  '.ods': { kind: 'ods', contentType: 'application/vnd.oasis.opendocument.spreadsheet' },
};

/**
 * The type of an outgoing attachment from its first bytes (the first piece is enough), or
 * undefined when it is none Balie sends: HTML, SVG, scripts, executables and unknown data are.
 */
export function sniffOutgoing(firstBytes: Buffer, filename: string): OutgoingType | undefined {
  const image = sniffImage(firstBytes);
  if (image) return { kind: image.type.slice('image/'.length) as OutgoingKind, contentType: image.type, image: true };
  // ISO 32000-1 §7.5.2: a PDF starts with its header; a BOM or white space first is not accepted.
  if (startsWith(firstBytes, '%PDF-')) return { kind: 'pdf', contentType: 'application/pdf', image: false };
  if (startsWith(firstBytes, 'PK\u0003\u0004')) {
    const extension = /\.[a-z]+$/i.exec(filename)?.[0]?.toLowerCase();
    const document = extension ? ZIP_DOCUMENTS[extension] : undefined;
    if (document) return { ...document, image: false };
  }
  return undefined;
}

/** A file name safe to put in a MIME header and a download: no path, no control characters. */
export function outgoingFilename(filename: string): string {
  return (
    filename
      .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/^.*[\\/]/, '')
      .trim()
      .slice(0, 200) || 'bijlage'
  );
}
