// What an attachment's bytes are, as far as the inbox may show it inline: the raster image types
// browsers render without running anything. The declared type and the file name are the sender's
// word and decide nothing (issue 12.3).

export interface InlineImage {
  type: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  extension: string;
}

const startsWith = (bytes: Buffer, signature: number[], offset = 0) => signature.every((byte, index) => bytes[offset + index] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** The image type by its magic number (WHATWG MIME Sniffing §6.1), or undefined: never SVG. */
export function sniffImage(bytes: Buffer): InlineImage | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { type: 'image/png', extension: '.png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { type: 'image/jpeg', extension: '.jpg' };
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return { type: 'image/gif', extension: '.gif' };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBPVP'), 8)) return { type: 'image/webp', extension: '.webp' };
  return undefined;
}

const IMAGE_EXTENSIONS: Record<InlineImage['type'], RegExp> = {
  'image/png': /\.png$/i,
  'image/jpeg': /\.jpe?g$/i,
  'image/gif': /\.gif$/i,
  'image/webp': /\.webp$/i,
};

/**
 * The name to save the file under: the sender's, without path or control characters, and for an
 * inline image ending in its real extension (a PNG named inloggen.html is saved as
 * inloggen.html.png, so that opening the saved file shows an image, not a page).
 */
export function downloadName(filename: string, image: InlineImage | undefined): string {
  const base = filename.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[\\/]/, '').trim().slice(0, 200) || 'bijlage';
  return image && !IMAGE_EXTENSIONS[image.type].test(base) ? `${base}${image.extension}` : base;
}
