// /prestaties: the public norm page, for citizens and for an iframe on the gemeente's website;
// and /api/settings/public-page, where an admin switches it on or off.
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { auditRequest } from '../audit.ts';
import { inTransaction, type Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { validate } from '../http/errors.ts';
import { limiter } from '../http/rate-limit.ts';
import { publicFigures } from './figures.ts';
import { PAGE_LANGUAGES, PUBLIC_PAGE_CSS, renderPublicPage, type PageLanguage } from './render.ts';
import { loadPublicPageSettings, savePublicPageSettings } from './settings.ts';

/** How long one instance reuses a rendered page: the figures change by the minute at most. */
export const PAGE_CACHE_MS = 60_000;
/** What browsers and the gemeente's caches may keep (seconds); after switching the page off, it may linger this long there. */
export const PAGE_MAX_AGE_S = 300;

const pageQuery = z.looseObject({ lang: z.enum(PAGE_LANGUAGES).optional() });

interface PageOptions {
  pool: Pool;
  /** Sites that embed the widget may frame the page too (WIDGET_ORIGINS). */
  widgetOrigins: readonly string[];
  /** Reads per minute per address (PUBLIC_RATE_LIMIT). */
  perMinute: number;
}

/** The page's own policy: nothing but its stylesheet; framed by Balie itself and the gemeente's sites only. */
export function publicPageCsp(widgetOrigins: readonly string[]): string {
  const ancestors = widgetOrigins.includes('*') ? '*' : ["'self'", ...widgetOrigins].join(' ');
  return `default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${ancestors}`;
}

interface Rendered {
  html: string;
  etag: string;
  expires: number;
}

/** Mount at /prestaties, before the inbox's catch-all. Disabled: 404. */
export function publicPageRoutes({ pool, widgetOrigins, perMinute }: PageOptions): Router {
  const router = Router();
  const csp = publicPageCsp(widgetOrigins);
  // Per language and settings version, shared by concurrent requests while it is being rendered.
  const cache = new Map<string, Promise<Rendered>>();

  function render(key: string, lang: PageLanguage, self: string): Promise<Rendered> {
    const cached = cache.get(key);
    if (cached) return cached;
    const rendering = publicFigures(pool).then((figures) => {
      const html = renderPublicPage(figures, lang, { self, stylesheet: `${self}/prestaties.css` });
      return { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 32)}"`, expires: Date.now() + PAGE_CACHE_MS };
    });
    cache.set(key, rendering);
    rendering.then(
      (page) => setTimeout(() => cache.get(key) === rendering && cache.delete(key), page.expires - Date.now()).unref(),
      () => cache.delete(key),
    );
    return rendering;
  }

  router.use(limiter({ windowMs: 60_000, limit: perMinute }));

  router.get('/', async (req, res) => {
    const { lang: asked } = validate(pageQuery, req.query);
    const settings = await loadPublicPageSettings(pool);
    res.set('Content-Security-Policy', csp);
    // frame-ancestors decides who may frame it; the global X-Frame-Options would forbid them all.
    res.removeHeader('X-Frame-Options');
    if (!settings.enabled) {
      res.set('Cache-Control', 'no-store').status(404).type('text/plain; charset=utf-8').send('Not found\n');
      return;
    }
    const lang = asked ?? languageOf(req);
    const page = await render(`${lang}|${settings.updatedAt}`, lang, req.baseUrl);
    res.set({
      'Cache-Control': `public, max-age=${PAGE_MAX_AGE_S}`,
      ETag: page.etag,
      Vary: 'Accept-Language',
      'Content-Language': lang,
    });
    res.type('html').send(page.html);
  });

  router.get('/prestaties.css', (_req, res) => {
    res.set('Cache-Control', `public, max-age=${PAGE_MAX_AGE_S}`).type('text/css; charset=utf-8').send(PUBLIC_PAGE_CSS);
  });
  return router;
}

function languageOf(req: Request): PageLanguage {
  const preferred = req.acceptsLanguages('nl', 'en');
  return preferred === 'en' ? 'en' : 'nl';
}

export const settingsBody = z.strictObject({ enabled: z.boolean() });

/** GET (any agent) and PUT (admin, audited). Mount at /settings/public-page behind requireAgent. */
export function publicPageSettingsRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ settings: await loadPublicPageSettings(pool), path: '/prestaties' });
  });
  router.put('/', requireRole('admin'), async (req, res) => {
    const { enabled } = validate(settingsBody, req.body);
    const settings = await inTransaction(pool, async (tx) => {
      const before = await loadPublicPageSettings(tx);
      const after = await savePublicPageSettings(tx, enabled, req.agent!.id);
      await auditRequest(tx, req, { action: 'settings.public_page_updated', subjectType: 'settings', subjectId: 'public_page', details: { enabled }, before: { enabled: before.enabled }, after: { enabled } });
      return after;
    });
    res.json({ settings, path: '/prestaties' });
  });
  return router;
}
