// Splits an e-mail into what the citizen wrote now and the quoted history below it, so the
// thread shows the new words and folds "Op … schreef …" and the quoted mail behind a toggle.

/** Attribution lines mail clients put above a quote (Dutch and English, Outlook's header block). */
const ATTRIBUTION = /^\s*(Op\s.{3,200}?\sschreef\s.{0,200}?:|On\s.{3,200}?\swrote:|-{2,}\s*(Oorspronkelijk bericht|Original Message)\s*-{2,}|(Van|From):\s.+)\s*$/im;

export interface SplitText {
  current: string;
  quoted: string | null;
}

/** Plain text: everything from the first attribution line or the first "> " block on is history. */
export function splitQuotedText(text: string): SplitText {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line, index) => ATTRIBUTION.test(line) || (line.startsWith('>') && lines.slice(index).every((rest) => rest.startsWith('>') || rest.trim() === '')));
  if (start <= 0) return { current: text, quoted: null };
  const current = lines.slice(0, start).join('\n').trimEnd();
  if (!current.trim()) return { current: text, quoted: null };
  return { current, quoted: lines.slice(start).join('\n') };
}

export interface SplitHtml {
  current: string;
  /** The whole mail, when a part of it was folded away; null when nothing was quoted. */
  full: string | null;
}

/**
 * HTML (already sanitised by the server): removes the first blockquote, Gmail's quote container or
 * attribution paragraph and everything after it. Parsed with DOMParser, which runs
 * no scripts and loads nothing.
 */
export function splitQuotedHtml(html: string, parser: DOMParser = new DOMParser()): SplitHtml {
  const doc = parser.parseFromString(html, 'text/html');
  const marker = findQuoteStart(doc.body);
  if (!marker) return { current: html, full: null };
  // Remove the marker and everything after it, at its own level and at every level up to <body>.
  for (let node: ChildNode | null = marker; node && node !== doc.body; node = node.parentNode as ChildNode | null) {
    let next: ChildNode | null = node.nextSibling;
    while (next) {
      const after: ChildNode | null = next.nextSibling;
      next.remove();
      next = after;
    }
  }
  marker.remove();
  if (!doc.body.textContent?.trim()) return { current: html, full: null };
  return { current: doc.body.innerHTML, full: html };
}

function findQuoteStart(body: HTMLElement): ChildNode | null {
  const quote = body.querySelector('blockquote, .gmail_quote, #appendonsend, #divRplyFwdMsg');
  const candidates: ChildNode[] = quote ? [quote] : [];
  const walker = body.ownerDocument.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (ATTRIBUTION.test(text.textContent ?? '')) {
      candidates.push(text.parentElement && text.parentElement !== body ? text.parentElement : (text as ChildNode));
      break;
    }
  }
  // The earliest in document order.
  return candidates.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0] ?? null;
}
