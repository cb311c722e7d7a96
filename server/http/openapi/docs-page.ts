// The description as one server-rendered page: no script, no external stylesheet or font, one
// inline stylesheet allowed by its hash. Sections per tag, an operation per row.
import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Json }[];
  requestBody?: { content: Record<string, { schema?: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Json }> }>;
}

const CSS = `body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a;background:#fff}
h2{border-bottom:2px solid #154273;margin-top:2.5rem}code,pre{font-family:ui-monospace,monospace;font-size:.875rem}
pre{background:#f3f3f3;padding:.5rem;overflow:auto;max-height:24rem}.op{border:1px solid #767676;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase;color:#154273}
table{border-collapse:collapse}th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}
a:focus-visible,summary:focus-visible{outline:3px solid #154273;outline-offset:2px}`;

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (schema: unknown): string => `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>`;
const anchor = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function operationHtml(method: string, path: string, op: Operation): string {
  const security = (op.security ?? []).length === 0 ? 'none (public)' : (op.security ?? []).map((s) => Object.keys(s).join(' + ')).join(' or ');
  const params = op.parameters?.length
    ? `<table><caption>Parameters</caption><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Schema</th></tr>${op.parameters
        .map((p) => `<tr><td><code>${escape(p.name)}</code>${p.description ? ` — ${escape(p.description)}` : ''}</td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escape(JSON.stringify(p.schema))}</code></td></tr>`)
        .join('')}</table>`
    : '';
  const body = op.requestBody
    ? Object.entries(op.requestBody.content).map(([type, { schema }]) => `<details><summary>Request body (${escape(type)})</summary>${pretty(schema)}</details>`).join('')
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, response]) => {
      const content = Object.entries(response.content ?? {});
      const head = `<strong>${status}</strong> ${escape(response.description)}${content.length ? ` (${content.map(([type]) => escape(type)).join(', ')})` : ''}`;
      const schema = content.find(([, media]) => media.schema)?.[1].schema;
      return schema ? `<li><details><summary>${head}</summary>${pretty(schema)}</details></li>` : `<li>${head}</li>`;
    })
    .join('');
  return `<section class="op" aria-labelledby="${anchor(method + path)}"><h3 id="${anchor(method + path)}"><span class="method">${method}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary ?? '')}${op.description ? ` ${escape(op.description)}` : ''}</p><p>Security: ${escape(security)}</p>${params}${body}<p>Responses:</p><ul>${responses}</ul></section>`;
}

/** The page and the CSP hash of its stylesheet. */
export function docsPage(document: Json): { html: string; styleHash: string } {
  const info = document.info as { title: string; version: string; description: string };
  const tags = document.tags as { name: string; description: string }[];
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const sections = tags.map(({ name, description }) => {
    const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).filter(([, op]) => op.tags?.includes(name)).map(([method, op]) => operationHtml(method, path, op)));
    return `<section aria-labelledby="tag-${anchor(name)}"><h2 id="tag-${anchor(name)}">${escape(name)}</h2><p>${escape(description)}</p>${ops.join('\n')}</section>`;
  });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(info.title)} ${escape(info.version)}</title><style>${CSS}</style></head>
<body><header><h1>${escape(info.title)} <small>${escape(info.version)}</small></h1><p>${escape(info.description)}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${escape(String(document.openapi))}).</p>
<nav aria-label="Areas"><ul>${tags.map(({ name }) => `<li><a href="#tag-${anchor(name)}">${escape(name)}</a></li>`).join('')}</ul></nav></header><main>${sections.join('\n')}</main></body></html>`;
  return { html, styleHash: `sha256-${createHash('sha256').update(CSS).digest('base64')}` };
}
