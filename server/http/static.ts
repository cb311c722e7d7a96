// Serves what browsers load: the inbox app at /, the widget at /widget.js and the demo page.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { DEMO_CSS, demoPage } from '../demo/page.ts';
import { redirectToPublicOrigin } from './public-origin.ts';

export const DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

function notBuilt(what: string) {
  return `Balie's ${what} has not been built yet: run \`npm run build\` (npm start does this for you).`;
}

/**
 * RFC 9116's security.txt: where to report a vulnerability in this installation. Expires is
 * computed when served, as the contact is configuration that holds until changed.
 */
export function securityTxt(contacts: readonly string[], publicUrl: URL, now = new Date()): string {
  const expires = new Date(now.getTime() + 180 * 86_400_000);
  expires.setUTCHours(0, 0, 0, 0);
  return [
    ...contacts.map((contact) => `Contact: ${contact}`),
    `Expires: ${expires.toISOString().replace('.000Z', 'Z')}`,
    'Preferred-Languages: nl, en',
    `Canonical: ${new URL('/.well-known/security.txt', publicUrl).href}`,
    '',
  ].join('\n');
}

export function staticRoutes(options: { publicUrl: URL; widgetOrigins: readonly string[]; securityContacts?: readonly string[] }): Router {
  const router = Router();
  const contacts = options.securityContacts ?? [];
  router.get('/.well-known/security.txt', (_req, res) => {
    if (contacts.length === 0) {
      res.status(404).type('text/plain').send('No security contact is configured (SECURITY_CONTACT).\n');
      return;
    }
    res.set('Cache-Control', 'max-age=86400').type('text/plain; charset=utf-8').send(securityTxt(contacts, options.publicUrl));
  });
  const widgetDir = path.join(DIST_DIR, 'widget');
  const inboxDir = path.join(DIST_DIR, 'inbox');

  router.get('/widget.js', (req, res) => {
    const origin = req.get('origin');
    if (origin && (options.widgetOrigins.includes('*') || options.widgetOrigins.includes(origin) || origin === options.publicUrl.origin)) {
      res.set('Access-Control-Allow-Origin', options.widgetOrigins.includes('*') ? '*' : origin).vary('Origin');
    }
    // Loaded by other sites' pages: helmet's same-origin resource policy would block it.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    const file = path.join(widgetDir, 'widget.js');
    if (!existsSync(file)) {
      res.status(503).type('text/javascript').send(`console.error(${JSON.stringify(notBuilt('widget'))});`);
      return;
    }
    // The URL is fixed in the gemeente's HTML, so it cannot carry a content hash: cache briefly and
    // revalidate with the ETag; files it loads later are hashed and cached for a year.
    res.sendFile(file, { maxAge: '5m', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });
  // Files widget.js loads later (socket.io-client, imported as an ES module when a chat starts):
  // a cross-origin module import needs CORS. They are public code, so any origin may load them.
  router.use(
    '/widget',
    express.static(widgetDir, {
      immutable: true,
      maxAge: '1y',
      index: false,
      setHeaders: (res) => res.set({ 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*' }),
    }),
  );

  // Pages only work at PUBLIC_URL (their sockets and changes are checked against its origin).
  const toPublicOrigin = redirectToPublicOrigin(options.publicUrl);
  const demoHtml = demoPage(options.publicUrl);
  router.get('/demo', toPublicOrigin, (_req, res) => {
    res.type('html').send(demoHtml);
  });
  router.get('/demo/demo.css', (_req, res) => {
    res.type('css').send(DEMO_CSS);
  });

  // The inbox: hashed assets cached for a year, index.html always revalidated.
  router.use('/assets', express.static(path.join(inboxDir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  router.use(express.static(inboxDir, { index: false, maxAge: 0 }));
  const indexFile = path.join(inboxDir, 'index.html');
  let indexHtml: string | undefined;
  router.get(/^\/(?!api\/|socket\.io\/|healthz$).*/, toPublicOrigin, (req, res, next) => {
    if (!req.accepts('html')) return next();
    indexHtml ??= existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : undefined;
    if (!indexHtml) {
      res.status(503).type('text').send(notBuilt('inbox'));
      return;
    }
    res.set('Cache-Control', 'no-cache').type('html').send(indexHtml);
  });
  return router;
}
