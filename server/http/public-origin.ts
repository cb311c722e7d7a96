// Sends a browser that opened a page at another of Balie's addresses than PUBLIC_URL (127.0.0.1
// for localhost, the machine's name, a DNS name that points at it) to PUBLIC_URL (issue 16.8).
// Such a page would load, but its live connection and its changes are refused as another origin
// (realtime/server.ts, same-origin.ts): live updates and presence would silently stop. Redirecting
// is simpler and safer than widening the origin checks: there stays exactly one agents' origin.
import type { Request, RequestHandler } from 'express';

/** Set on the redirect; a request that still carries it after one is not redirected again. */
const REDIRECTED_COOKIE = 'balie_redirected';

/** Headers a reverse proxy adds: behind one, the proxy owns the public address, not Balie. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via'];

/** A page load by a browser (Fetch Metadata, or for older browsers an Accept naming HTML). */
function isNavigation(req: Request): boolean {
  const mode = req.get('sec-fetch-mode');
  return mode !== undefined ? mode === 'navigate' : /\btext\/html\b/.test(req.get('accept') ?? '');
}

function proxied(req: Request): boolean {
  // TRUST_PROXY set: the operator says a proxy fronts Balie; it may rewrite Host as it likes.
  const trust: unknown = req.app.get('trust proxy');
  return (trust !== false && trust !== undefined && trust !== 0) || PROXY_HEADERS.some((name) => req.get(name) !== undefined);
}

/**
 * Redirects page loads whose Host is not PUBLIC_URL's to the same path there. Not behind a proxy
 * (a proxy that rewrites Host would loop), and once only: a proxy that rewrites Host and announces
 * itself in no header gets the page after one round trip instead of an endless redirect.
 */
export function redirectToPublicOrigin(publicUrl: URL): RequestHandler {
  const publicHost = publicUrl.host.toLowerCase();
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isNavigation(req)) return next();
    const host = req.get('host')?.toLowerCase();
    if (host === publicHost || proxied(req)) return next();
    if ((req.get('cookie') ?? '').split(/;\s*/).includes(`${REDIRECTED_COOKIE}=1`)) return next();
    res.set('Cache-Control', 'no-store');
    res.cookie(REDIRECTED_COOKIE, '1', { maxAge: 5_000, httpOnly: true, sameSite: 'lax', path: '/' });
    // 302, not 301/308: a browser must not remember it, PUBLIC_URL may change.
    res.redirect(302, new URL(req.originalUrl, publicUrl.origin).href);
  };
}
