// Builds the OpenAPI 3.1 description from the areas' route entries: zod → JSON Schema (draft
// 2020-12, OpenAPI 3.1's dialect) with zod's own z.toJSONSchema, no generator in between.
import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import { areas } from './index.ts';
import { errorSchema, errorsByStatus } from './errors.ts';
import type { ApiRoute } from './registry.ts';

type JsonSchema = Record<string, unknown>;

/** A request is described as zod reads it (io: input), a response as it is written (output). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

/** /api/topics/:id → /api/topics/{id}; /api/export/:dataset.csv → /api/export/{dataset}.csv. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The codes a route may answer: those its access, validation and method imply, and its own. */
export function errorCodesOf(route: ApiRoute): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (route.access !== 'public') codes.push('unauthorized');
  // A session whose password somebody else set reaches only /api/auth/* (http/auth.ts).
  if (route.access !== 'public' && !route.path.startsWith('/api/auth/')) codes.push('password_change_required');
  if (route.access === 'sessionOrToken') codes.push('invalid_token');
  if (route.roles || route.access === 'sessionOrToken') codes.push('forbidden');
  if (route.params || route.query || route.body) codes.push('validation_failed');
  if (route.body && !route.bodyContentType) codes.push('invalid_json');
  if (route.params) codes.push('not_found');
  // sameOriginOnly (issue 12.4) guards every state change of the agents' API.
  if (route.method !== 'get' && route.access !== 'public' && route.path.startsWith('/api/')) codes.push('cross_origin_refused', 'unsupported_media_type');
  codes.push(...(route.errors ?? []), 'internal');
  return codes;
}

function securityOf(route: ApiRoute): Record<string, string[]>[] | undefined {
  if (route.access === 'public') return [];
  if (route.access === 'session') return [{ session: [] }];
  return [{ session: [] }, { apiToken: ['export:read'] }];
}

function parameters(route: ApiRoute): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, object] of [['path', route.params], ['query', route.query]] as const) {
    if (!object) continue;
    const described = jsonSchema(object, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(described.properties ?? {})) {
      const { description, ...rest } = schema as { description?: string };
      list.push({ name, in: where, required: where === 'path' || (described.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return list;
}

function operation(route: ApiRoute, tag: string): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const contentType = spec.contentType ?? 'application/json';
    responses[status] = {
      description: spec.description,
      ...(spec.schema || spec.contentType ? { content: { [contentType]: spec.schema ? { schema: jsonSchema(spec.schema, 'output') } : {} } } : {}),
    };
  }
  for (const [status, codes] of errorsByStatus(errorCodesOf(route))) {
    responses[String(status)] = { description: `Refused: ${codes.join(', ')}`, content: { 'application/json': { schema: jsonSchema(errorSchema(codes), 'output') } } };
  }
  const roles = route.roles ? ` Roles: ${route.roles.join(', ')}.` : '';
  return {
    tags: [tag],
    summary: route.summary,
    ...(roles ? { description: roles.trim() } : {}),
    operationId: `${route.method}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, next: string | undefined) => (next ?? '').toUpperCase())}`,
    security: securityOf(route),
    ...(parameters(route).length > 0 ? { parameters: parameters(route) } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { [route.bodyContentType ?? 'application/json']: { schema: route.bodyContentType ? { type: 'string', contentEncoding: 'binary' } : jsonSchema(route.body, 'input') } } } }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of Balie's REST API. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { tag, routes } of areas) {
    for (const route of routes) {
      const path = openApiPath(route.path);
      paths[path] ??= {};
      if (paths[path][route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is described twice`);
      paths[path][route.method] = operation(route, tag);
    }
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Balie REST API',
      version,
      description:
        "The REST API of Balie, the gemeente's contact centre. Agents' browsers call it with their session cookie; integrations (a BI tool) with an API token for the export. Errors are `{ error: { code, message } }` with a code from one catalogue; clients translate the code.",
    },
    servers: [{ url: '/' }],
    tags: areas.map(({ tag, description }) => ({ name: tag, description })),
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'balie_session', description: 'The session cookie set by POST /api/auth/login (__Host-balie_session over https).' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'An API token made by an admin (Beheer → API-sleutels), scope export:read: the export and this description only.' },
      },
    },
    paths,
  };
}
