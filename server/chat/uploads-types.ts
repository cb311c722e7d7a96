// What a citizen may send from the widget (issue 16.7), decided by the file's bytes: a photo (PNG,
// JPEG, GIF, WebP) whose header decodes to sane dimensions, or a PDF. The name and the declared
// type are the sender's word and decide nothing — an HTML page named foto.png is refused.
import { sniffImage, type InlineImage } from '../inbox/attachment-types.ts';

export type UploadType = { kind: 'image'; contentType: InlineImage['type']; width: number; height: number } | { kind: 'pdf'; contentType: 'application/pdf' };
export type UploadRefusal = 'attachment_type_refused' | 'image_invalid';

/** Wider or taller than any phone camera takes; more pixels than this is a decompression bomb. */
const MAX_SIDE = 20_000;
const MAX_PIXELS = 100_000_000;

/** The upload's type, or why it is refused: an unknown type, or an image whose header does not hold up. */
export function uploadType(bytes: Buffer): { ok: true; type: UploadType } | { ok: false; code: UploadRefusal } {
  const image = sniffImage(bytes);
  if (image) {
    const size = imageSize(bytes, image.type);
    if (!size || !sane(size.width, size.height) || !complete(bytes, image.type)) return { ok: false, code: 'image_invalid' };
    return { ok: true, type: { kind: 'image', contentType: image.type, ...size } };
  }
  // ISO 32000-1 §7.5.2 header, and §7.5.5: the file ends with %%EOF (possibly followed by a line end).
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-' && bytes.subarray(-1024).toString('latin1').includes('%%EOF')) {
    return { ok: true, type: { kind: 'pdf', contentType: 'application/pdf' } };
  }
  return { ok: false, code: 'attachment_type_refused' };
}

const sane = (width: number, height: number) => width >= 1 && height >= 1 && width <= MAX_SIDE && height <= MAX_SIDE && width * height <= MAX_PIXELS;

/** Width and height from the image's own header, or undefined when the header is not there. */
export function imageSize(bytes: Buffer, type: InlineImage['type']): { width: number; height: number } | undefined {
  switch (type) {
    case 'image/png':
      // PNG §5.3/§11.2.2: the first chunk is IHDR, length 13: width, height as 4-byte big-endian.
      if (bytes.length < 33 || bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    case 'image/gif':
      // GIF89a: the logical screen descriptor follows the signature, little-endian.
      if (bytes.length < 10) return undefined;
      return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
    case 'image/webp':
      return webpSize(bytes);
    case 'image/jpeg':
      return jpegSize(bytes);
  }
}

/** ITU T.81 Annex B: walk the markers to the first start-of-frame (SOF0–SOF15, not DHT/JPG/DAC). */
function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** RIFF WebP: lossy (VP8), lossless (VP8L) or extended (VP8X) header. */
function webpSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && bytes[20] === 0x2f) {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  return undefined;
}

/** The image ends where its format says it ends (PNG's IEND chunk, JPEG's EOI): not cut off. */
function complete(bytes: Buffer, type: InlineImage['type']): boolean {
  if (type === 'image/png') return bytes.subarray(-12, -4).toString('latin1').endsWith('IEND');
  if (type === 'image/jpeg') return bytes.subarray(-2).equals(Buffer.from([0xff, 0xd9]));
  return true;
}
