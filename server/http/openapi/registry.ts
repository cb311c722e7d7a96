// The shape of one described REST route, and the helpers an area file (inbox.ts, topics.ts, …)
// describes its routes with. The document is built from these entries (document.ts).
import { z } from 'zod';
import type { Role } from '../../agents/agents.ts';
import type { ErrorCode } from '../errors.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone (the widget, citizens, probes), a logged-in agent (session
 * cookie), or a logged-in agent or an API token with scope export:read (`acceptApiToken`).
 */
export type Access = 'public' | 'session' | 'sessionOrToken';

export interface ResponseSpec {
  description: string;
  /** The body's schema; without it the body is not JSON (contentType says what it is). */
  schema?: z.ZodType;
  /** application/json unless told (text/csv, text/html, message/rfc822, …). */
  contentType?: string;
}

export interface ApiRoute {
  method: Method;
  /** In express syntax, as mounted: /api/topics/:id. */
  path: string;
  summary: string;
  access: Access;
  /** The roles allowed, when not every logged-in agent is. */
  roles?: readonly Role[];
  /** The same zod schemas the route validates with, where it exports them. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A body that is not JSON (an upload's bytes). */
  bodyContentType?: string;
  /** Success responses by status. */
  responses: Record<number, ResponseSpec>;
  /** Error codes of the catalogue (errors.ts) this route answers besides the ones its access implies. */
  errors?: readonly ErrorCode[];
}

export interface ApiArea {
  /** The tag of every route of the area. */
  tag: string;
  description: string;
  routes: readonly ApiRoute[];
}

/** An area's routes, typed: `export default area('Topics', '…', [ … ])`. */
export function area(tag: string, description: string, routes: readonly ApiRoute[]): ApiArea {
  return { tag, description, routes };
}

/**
 * A JSON object whose members are not described yet: it still has to be an object. Replace it
 * with the route's real response schema when you touch the route.
 */
export const undescribedObject = z.looseObject({}).describe('A JSON object (its members are not described yet).');


/** A positive integer id in the path, as the routes parse it. */
export const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

export const isoDateTime = z.string().describe('ISO 8601 date-time');

/** A plain JSON success of `schema` (or an undescribed object). */
export function json(description: string, schema: z.ZodType = undescribedObject): ResponseSpec {
  return { description, schema };
}
