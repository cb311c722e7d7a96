// Every REST route express serves is in the OpenAPI description, and the description names no
// route that is not served. A failure lists what to add to server/http/openapi/<area>.ts — one
// entry per route, with the route's own zod schemas (how: docs/api.md, "How to extend it").
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { openApiDocument, openApiPath } from '../../../server/http/openapi/document.ts';
import { appForRouteListing, mountedRoutes } from './openapi-routes.ts';

/** Not REST: pages, scripts and stylesheets of the front ends (socket.io is not an express route). */
const NOT_REST = new Set([
  'GET /prestaties',
  'GET /prestaties/prestaties.css',
  'GET /.well-known/security.txt',
  'GET /widget.js',
  'GET /demo',
  'GET /demo/demo.css',
  'GET regexp //^\\/(?!api\\/|socket\\.io\\/|healthz$).*/',
]);

const document = openApiDocument('test') as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }>; requestBody?: { content: Record<string, { schema?: object }> }; parameters?: { schema: object }[] }>> };
const described = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)));
const served = new Set(mountedRoutes(appForRouteListing()).map(({ method, path }) => `${method.toUpperCase()} ${openApiPath(path)}`));

describe('the OpenAPI description and the routes express serves', () => {
  test('every served REST route is described', () => {
    const missing = [...served].filter((route) => !described.has(route) && !NOT_REST.has(route));
    expect(missing, 'describe these in server/http/openapi/<area>.ts (docs/api.md)').toEqual([]);
  });

  test('every described route is served', () => {
    expect([...described].filter((route) => !served.has(route))).toEqual([]);
  });

  test('the exceptions are still routes (a stale exception hides nothing)', () => {
    expect([...NOT_REST].filter((route) => !served.has(route))).toEqual([]);
  });

  test('every request and response schema in it is valid JSON Schema 2020-12, the dialect of OpenAPI 3.1', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const schemasOf = (content: Record<string, { schema?: object }> = {}) => Object.values(content).flatMap((media) => (media.schema ? [media.schema] : []));
    const schemas = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).flatMap((op) => [
        ...Object.values(op.responses).flatMap((response) => schemasOf(response.content)),
        ...schemasOf(op.requestBody?.content),
        ...(op.parameters ?? []).map((parameter) => parameter.schema),
      ]),
    );
    expect(schemas.length).toBeGreaterThan(300);
    for (const schema of schemas) expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
  });
});
