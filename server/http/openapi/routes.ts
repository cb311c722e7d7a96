// GET /api/openapi.json and GET /api/docs: the description for agents (session) and for API
// tokens (any scope: a BI tool reads what it may call). Mount after authenticate, before requireAgent.
import { readFileSync } from 'node:fs';
import { Router, type RequestHandler } from 'express';
import { acceptApiToken } from '../../api-tokens/index.ts';
import type { Pool } from '../../db/index.ts';
import { httpErrors } from '../errors.ts';
import { docsPage } from './docs-page.ts';
import { openApiDocument } from './document.ts';

export function openApiRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  // Built once, on first use: the description only changes with the code, and building it (about
  // half a second of zod conversion on a busy machine) must not lengthen every start.
  let built: { document: object; html: string; policy: string } | undefined;
  const description = () => {
    if (built) return built;
    const document = openApiDocument(packageVersion());
    const page = docsPage(document);
    built = { document, html: page.html, policy: `default-src 'none'; style-src '${page.styleHash}'; img-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'` };
    return built;
  };
  const caller: RequestHandler = (req, _res, next) => next(req.agent || req.apiToken ? undefined : httpErrors.unauthorized());

  router.get('/openapi.json', acceptApiToken(pool, 'export:read'), caller, (_req, res) => {
    res.json(description().document);
  });
  router.get('/docs', acceptApiToken(pool, 'export:read'), caller, (_req, res) => {
    const { html, policy } = description();
    res.set('Content-Security-Policy', policy).type('html').send(html);
  });
  return router;
}

/** Balie's version, the description's info.version. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
