import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../server/mail/parse.ts';
import { rewriteCidImages, sanitizeMailHtml, textFromSanitizedHtml } from '../../../server/mail/sanitize.ts';

const LINK = 'rel="noopener noreferrer nofollow" target="_blank"';

describe('sanitizeMailHtml: hostile markup becomes inert', () => {
  it.each([
    ['script element', '<p>a</p><script>alert(1)</script>', '<p>a</p>'],
    ['onerror on an image', '<img src="cid:x@y" onerror="alert(1)" alt="a">', '<img src="cid:x@y" alt="a" />'],
    ['event handler on formatting', '<b onclick="alert(1)" onmouseover="x()">vet</b>', '<b>vet</b>'],
    ['javascript: link', '<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['leading space before javascript:', '<a href=" javascript:alert(1)">x</a>', '<a>x</a>'],
    ['tab entity inside the scheme', '<a href="java&#x09;script:alert(1)">x</a>', '<a>x</a>'],
    ['newline entity inside the scheme', '<a href="java&#10;script:alert(1)">x</a>', '<a>x</a>'],
    ['scheme spelled with decimal entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>', '<a>x</a>'],
    ['mixed-case scheme', '<a href="JaVaScRiPt:alert(1)">x</a>', '<a>x</a>'],
    ['vbscript:', '<a href="vbscript:msgbox(1)">x</a>', '<a>x</a>'],
    ['data:text/html link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', '<a>x</a>'],
    ['relative link (would hit the inbox origin)', '<a href="/api/admin">x</a>', '<a>x</a>'],
    ['protocol-relative link', '<a href="//evil.example/">x</a>', '<a>x</a>'],
    ['iframe', '<iframe src="https://evil.example/"></iframe><p>b</p>', '<p>b</p>'],
    ['object and embed', '<object data="x.swf"><param name="a" value="b">fallback</object><embed src="x.swf">', ''],
    ['form with inputs', '<form action="https://evil.example/"><input name="pw" type="password"><button>Inloggen</button></form>', 'Inloggen'],
    ['style element', '<style>body{display:none}</style><p>c</p>', '<p>c</p>'],
    ['style, class and id attributes', '<p style="position:fixed" class="btn" id="app">d</p>', '<p>d</p>'],
    ['svg with script', '<svg onload="alert(1)"><script>alert(2)</script><text>t</text></svg><p>e</p>', '<p>e</p>'],
    ['meta, base and link', '<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/x.css"><p>f</p>', '<p>f</p>'],
    ['noscript mutation trick', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', ''],
    ['textarea mutation trick', '<textarea><img src=x onerror=alert(1)></textarea>', ''],
  ])('%s', (_case, input, expected) => {
    expect(sanitizeMailHtml(input)).toBe(expected);
  });

  it('remote images are removed but keep their alt text (no tracking pixels)', () => {
    expect(sanitizeMailHtml('<p>Logo: <img src="https://tracker.example/p.gif?u=1" alt="Bakkerij Jansen"></p>')).toBe('<p>Logo: <span>Bakkerij Jansen</span></p>');
    expect(sanitizeMailHtml('<p>x<img src="http://tracker.example/p.gif"></p>')).toBe('<p>x<span></span></p>');
    expect(sanitizeMailHtml('<img src="//tracker.example/p.gif" alt="a">')).toBe('<span>a</span>');
  });

  it('data: images only as PNG, JPEG, GIF or WebP; SVG data is dropped', () => {
    expect(sanitizeMailHtml('<img src="data:image/png;base64,iVBORw0KGgo=" alt="p">')).toBe('<img src="data:image/png;base64,iVBORw0KGgo=" alt="p" />');
    expect(sanitizeMailHtml('<img src="data:image/jpeg;base64,/9j/4AAQ" alt="j">')).toBe('<img src="data:image/jpeg;base64,/9j/4AAQ" alt="j" />');
    expect(sanitizeMailHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="s">')).toBe('<span>s</span>');
    expect(sanitizeMailHtml('<img src="data:text/html;base64,PHA+" alt="h">')).toBe('<span>h</span>');
  });

  it('safe links open in a new tab without opener, referrer or ranking; a target from the mail is replaced', () => {
    expect(sanitizeMailHtml('<a href="https://www.gemeente.nl/afval" target="_self" onclick="x()">afval</a>')).toBe(
      `<a href="https://www.gemeente.nl/afval" ${LINK}>afval</a>`,
    );
    expect(sanitizeMailHtml('<a href="mailto:info@gemeente.nl">mail</a>')).toBe(`<a href="mailto:info@gemeente.nl" ${LINK}>mail</a>`);
    expect(sanitizeMailHtml('<a href="http://example.nl/?a=1&amp;b=2">q</a>')).toBe(`<a href="http://example.nl/?a=1&amp;b=2" ${LINK}>q</a>`);
  });

  it('keeps formatting, lists and tables', () => {
    const html = '<h2>Kop</h2><p><strong>s</strong> <em>e</em> <u>u</u><br>x</p><ol start="3"><li>een</li></ol><blockquote>q</blockquote>' +
      '<table border="1"><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td colspan="2" background="https://t.example/b.gif">1</td></tr></tbody></table>';
    expect(sanitizeMailHtml(html)).toBe(
      '<h2>Kop</h2><p><strong>s</strong> <em>e</em> <u>u</u><br />x</p><ol start="3"><li>een</li></ol><blockquote>q</blockquote>' +
        '<table border="1"><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td colspan="2">1</td></tr></tbody></table>',
    );
  });

  it('the hostile fixture, end to end through parseMail, is exactly this', async () => {
    const mail = await parseMail(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'hostile-html.eml')), { maxBytes: 1_000_000 });
    const links = Array.from({ length: 9 }, (_, i) => `<a>klik ${i + 1}</a>`).join('\n');
    expect(mail.html).toBe(
      '<p>Hallo <b>gemeente</b>,</p>\n\n' +
        '<span>kapot</span>\n<span>Logo van de winkel</span>\n<span></span>\n<span>svg-data</span>\n' +
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="ingesloten" />\n' +
        `${links}\n` +
        `<a href="https://www.gemeente-voorbeeld.nl/afval" ${LINK}>afvalkalender</a>\n` +
        `<a href="mailto:info@gemeente-voorbeeld.nl" ${LINK}>mail ons</a>\n` +
        'iframe-fallback\n\n\nWachtwoordInloggen\n\n\n\n' +
        '<table border="1"><tr><td colspan="2">cel</td></tr></table>',
    );
    for (const needle of ['script', 'onerror', 'onload', 'javascript', 'vbscript', 'tracker.example', 'evil.example', 'style', '<form', '<input', '<iframe', '<svg', 'data:text', 'class=', 'id=']) {
      expect(mail.html).not.toContain(needle);
    }
    expect(mail.text).not.toContain('alert');
  });
});

describe('rewriteCidImages', () => {
  const stored = sanitizeMailHtml('<p><img src="cid:foto1@example.nl" alt="Gevel"><img src="cid:part%40two" alt="Twee"><img src="cid:unknown@x" alt="Onbekend"></p>');
  const urls: Record<string, string> = { 'foto1@example.nl': '/api/attachments/41', 'part@two': '/api/attachments/42' };

  it('points known Content-IDs (URL-decoded, RFC 2392) at attachment URLs; unknown ones become alt text', () => {
    const seen: string[] = [];
    const html = rewriteCidImages(stored, (cid) => {
      seen.push(cid);
      return urls[cid] ?? null;
    });
    expect(seen).toEqual(['foto1@example.nl', 'part@two', 'unknown@x']);
    expect(html).toBe('<p><img src="/api/attachments/41" alt="Gevel" /><img src="/api/attachments/42" alt="Twee" /><span>Onbekend</span></p>');
  });

  it('sanitises again: hostile input given to it stays inert', () => {
    expect(rewriteCidImages('<img src="cid:a" onerror="alert(1)"><script>x</script><a href="javascript:x">l</a>', () => '/api/attachments/1')).toBe(
      '<img src="/api/attachments/1" alt="" /><a>l</a>',
    );
  });
});

describe('textFromSanitizedHtml', () => {
  it('turns blocks into lines and decodes what the sanitiser escaped', () => {
    expect(textFromSanitizedHtml(sanitizeMailHtml('<p>Tom &amp; Jerry &lt;3</p><div>a<br>b</div><ul><li>x</li><li>y</li></ul>'))).toBe(
      'Tom & Jerry <3\n\na\nb\n• x\n• y',
    );
  });
});
