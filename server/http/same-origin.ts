// Refuses state-changing requests that another origin's page made a browser send (issue 12.4).
// SameSite=Strict keeps the session cookie from other sites, but not from other hosts of the same
// site: a page on www.gemeente.nl can post a form to balie.gemeente.nl with the agent's cookie.
// Browsers say who asked: Sec-Fetch-Site (Fetch Metadata, on every request of Chromium 76+,
// Firefox 90+, Safari 16.4+) and Origin (on every POST, PUT, PATCH and DELETE of current browsers).
import type { RequestHandler } from 'express';
import { httpErrors } from './errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * For the agents' API: a state change must come from Balie's own pages. Allowed when
 * Sec-Fetch-Site is `same-origin`; without Fetch Metadata, when Origin is `publicOrigin`. A request
 * with neither header did not come from a browser (curl, the CLI, a script holding a cookie it was
 * given), so it cannot be a forged one: allowed. A body must be JSON, which a form cannot send.
 */
export function sameOriginOnly(publicOrigin: string): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    if (site !== undefined ? site !== 'same-origin' : origin !== undefined && origin !== publicOrigin) return next(httpErrors.crossOriginRefused());
    next(jsonOrNoBody(req));
  };
}

/**
 * For the widget's public API: a state change from a browser must come from a site in the
 * allow-list (WIDGET_ORIGINS and Balie's own /demo) — the same list CORS answers with, which
 * alone does not stop a form post or a no-cors fetch from reaching the route.
 */
export function allowedOriginsOnly(origins: readonly string[], body: 'json' | 'any' = 'json'): RequestHandler {
  const any = origins.includes('*');
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    const allowed = origin === undefined ? site === undefined || site === 'same-origin' : any || origins.includes(origin);
    if (!allowed) return next(httpErrors.crossOriginRefused());
    // `any`: a route whose body is a file (the widget's upload) and which checks it by its bytes.
    next(body === 'json' ? jsonOrNoBody(req) : undefined);
  };
}

function jsonOrNoBody(req: Parameters<RequestHandler>[0]) {
  // Content-Length: 0 is no body (type-is counts it as one): a bodiless POST such as claim or logout.
  const length = req.get('content-length');
  const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  return hasBody && !req.is('application/json') ? httpErrors.unsupportedMediaType() : undefined;
}
