// Turns the HTML of a citizen's mail into inert markup that the agent inbox may render (issue 4, "Parsing").
import sanitizeHtml from 'sanitize-html';

/**
 * Maps a Content-ID (RFC 2392, without "cid:" and brackets) to the URL the inbox loads the image
 * from, e.g. `/api/attachments/42`; null when the part is unknown.
 */
export type CidResolver = (contentId: string) => string | null;

// Formatting a citizen or a mail client uses to make a question readable. Nothing here can run
// code, load anything, submit anything or escape the box the inbox renders it in.
const ALLOWED_TAGS = [
  'a', 'abbr', 'b', 'bdi', 'bdo', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd',
  'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 'rp', 'rt', 'ruby', 's', 'samp', 'small',
  'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt',
  'u', 'ul', 'var', 'wbr',
];

// No `style`, `class` or `id` anywhere: mail CSS could overlay the inbox (position:fixed, a fake
// "log in again" box) or borrow the inbox's own classes, and ids could clobber DOM lookups.
const TABLE_CELL = ['colspan', 'rowspan', 'align', 'valign', 'width', 'height', 'scope', 'headers'];
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': ['title', 'lang', 'dir'],
  a: ['href', 'rel', 'target'],
  img: ['src', 'alt', 'width', 'height'],
  table: ['border', 'cellpadding', 'cellspacing', 'width', 'align', 'summary'],
  td: TABLE_CELL,
  th: TABLE_CELL,
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  ol: ['start', 'type', 'reversed'],
  li: ['value'],
  font: ['color', 'size'],
  p: ['align'],
  div: ['align'],
  blockquote: ['cite'],
  q: ['cite'],
  time: ['datetime'],
};

// Elements whose content is not text a reader should see (code, style sheets, form options, a
// <head>'s title) or that browsers parse as raw text, so their content is dropped with them.
// The default list is replaced, not extended, so it is repeated here (xmp: GHSA-jxwj-j7wr-gfrw).
const NON_TEXT_TAGS = [
  'script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'title', 'head', 'template', 'select',
  'noembed', 'noframes', 'plaintext', 'object', 'applet', 'svg', 'math',
];

/** Links an agent may follow: absolute web and mail addresses only. */
const SAFE_HREF = /^(?:https?:\/\/[^\s/]|mailto:[^\s])/i;
/**
 * Images that load nothing from elsewhere: parts of the mail itself (RFC 2392 cid:) and raster data
 * URLs. SVG is excluded: as a document it can carry script.
 */
const CID_SRC = /^cid:(.+)$/i;
const DATA_IMAGE_SRC = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i;
// sanitize-html 2.18 supports this option; @types/sanitize-html 2.16 does not know it yet.
type Policy = sanitizeHtml.IOptions & { allowedEmptyAttributes?: string[] };

function policy(resolveCid: CidResolver | null): Policy {
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedClasses: {},
    allowedStyles: {},
    nonTextTags: NON_TEXT_TAGS,
    disallowedTagsMode: 'discard',
    // Second line of defence behind the transforms below, which already drop anything not allow-listed.
    allowedSchemes: ['http', 'https', 'mailto'],
    // Resolved cid: images may point at the inbox's own attachment URLs (relative, or absolute https).
    allowedSchemesByTag: { img: resolveCid === null ? ['cid', 'data'] : ['cid', 'data', 'https', 'http'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedEmptyAttributes: ['alt'],
    enforceHtmlBoundary: false,
    parseStyleAttributes: false,
    transformTags: {
      a: (_tag, attribs) => {
        // htmlparser2 has already decoded entities, so "java&#x09;script:" arrives as
        // "java\tscript:": an allow-list on the decoded value cannot be tricked by encoding.
        const href = (attribs.href ?? '').trim();
        const out: sanitizeHtml.Attributes = {};
        if (attribs.title !== undefined) out.title = attribs.title;
        if (SAFE_HREF.test(href)) {
          out.href = href;
          // The inbox must not be reachable from the opened page (noopener), must not tell the
          // site where the agent came from (noreferrer), and must not lend it ranking (nofollow).
          out.rel = 'noopener noreferrer nofollow';
          out.target = '_blank';
        }
        return { tagName: 'a', attribs: out };
      },
      img: (_tag, attribs) => {
        const src = (attribs.src ?? '').trim();
        const alt = attribs.alt ?? '';
        const keep = (url: string): sanitizeHtml.Tag => {
          const out: sanitizeHtml.Attributes = { src: url, alt };
          if (attribs.width !== undefined) out.width = attribs.width;
          if (attribs.height !== undefined) out.height = attribs.height;
          if (attribs.title !== undefined) out.title = attribs.title;
          return { tagName: 'img', attribs: out };
        };
        const cid = CID_SRC.exec(src);
        if (cid) {
          if (resolveCid === null) return keep(src);
          const url = resolveCid(contentIdOf(cid[1]!));
          if (url !== null) return keep(url);
        } else if (DATA_IMAGE_SRC.test(src)) {
          return keep(src.replace(/\s+/g, ''));
        }
        // Remote images are tracking pixels as often as logos: loading one tells the sender that
        // and when an agent opened the mail, and from where. Only the alt text is kept, in a span:
        // renaming the void <img> to a disallowed tag trips sanitize-html into a stray end tag.
        return { tagName: 'span', attribs: {}, text: alt };
      },
    },
  };
}

/** A cid: URL's Content-ID; RFC 2392 §2 URL-encodes it ("%40" for "@"). */
function contentIdOf(urlPart: string): string {
  let id = urlPart.trim();
  try {
    id = decodeURIComponent(id);
  } catch {
    // A stray "%" is taken literally: the id is only looked up, never trusted.
  }
  return id.replace(/^<|>$/g, '');
}

/**
 * Sanitises mail HTML with a strict allow-list: formatting, tables, lists, http(s)/mailto links that
 * open in a new tab, and images only from the mail itself (cid:) or raster data: URLs. Remote images
 * are replaced by their alt text. `cid:` sources stay for {@link rewriteCidImages}.
 */
export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, policy(null)).trim();
}

/**
 * Points `cid:` images at URLs the inbox can load (e.g. `/api/attachments/:id`). Sanitises again
 * on the way, so it is safe on any input; a cid the resolver does not know becomes its alt text.
 * Call it on the stored output of {@link sanitizeMailHtml} when serving: it is not idempotent
 * (a second pass drops the already rewritten images). The resolver must answer only for parts of
 * the same mail, or a sender could show another mail's attachment by guessing its Content-ID.
 */
export function rewriteCidImages(html: string, resolve: CidResolver): string {
  return sanitizeHtml(html, policy(resolve)).trim();
}

/** Content-IDs (without brackets, URL-decoded) that the HTML shows as `cid:` images. */
export function referencedContentIds(html: string): Set<string> {
  const ids = new Set<string>();
  sanitizeHtml(html, {
    ...policy((id) => {
      ids.add(id);
      return null;
    }),
  });
  return ids;
}

// Elements after which plain text continues after a blank line (paragraphs) or on a new line.
const PARAGRAPH_END = /<\/(?:p|h[1-6]|ul|ol|dl|table|blockquote|pre|figure)>/gi;
const LINE_END = /<\/(?:div|li|tr|dt|dd|caption|figcaption)>|<br\s*\/?>|<hr\s*\/?>/gi;

/**
 * Plain text of sanitised HTML, for mail that has no text/plain part. Works on sanitiser output
 * only, so it sees none of the hostile markup and no tracker URLs.
 */
export function textFromSanitizedHtml(safeHtml: string): string {
  const marked = safeHtml.replace(/<li(?=[\s>])[^>]*>/gi, '$&• ').replace(/<\/t[dh]>/gi, '$&\t').replace(PARAGRAPH_END, '$&\n\n').replace(LINE_END, '$&\n');
  const stripped = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {}, nonTextTags: NON_TEXT_TAGS });
  // sanitize-html escapes exactly these four in text.
  const decoded = stripped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return decoded
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
