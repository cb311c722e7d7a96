// The REST routes express really serves: the Router stacks of createHttpApp's app, walked.
import type express from 'express';
import { loadConfig } from '../../../server/config.ts';
import { createHttpApp, type HttpDependencies } from '../../../server/http/app.ts';

export interface MountedRoute {
  method: string;
  /** In express syntax, e.g. /api/topics/:id. */
  path: string;
}

interface Layer {
  rawPath?: string | RegExp | (string | RegExp)[];
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every method and path the app routes, from its Router stacks (mount paths joined). */
export function mountedRoutes(app: express.Express): MountedRoute[] {
  const routes: MountedRoute[] = [];
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            // A RegExp route (the front ends' catch-all) is named by its source.
            if (on && method !== '_all') routes.push({ method, path: typeof path === 'string' ? join(prefix, path) : `regexp ${join(prefix, "")}${String(path)}` });
          }
        }
      } else if (layer.handle.stack) {
        const mount = layer.rawPath;
        if (typeof mount !== 'string') throw new Error(`a router mounted at ${String(mount)}: give it a string path`);
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * An app built only to list its routes: no request is ever served, so the dependencies are
 * stand-ins that answer any property with a no-op (route factories only keep references).
 */
export function appForRouteListing(): express.Express {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused/unused', PORT: '0', PUBLIC_URL: 'http://127.0.0.1:1', DATA_DIR: '/nonexistent' });
  const standIn = (): unknown =>
    new Proxy(function () {}, { get: (_target, key) => (key === 'then' ? undefined : standIn()), apply: () => standIn() });
  return createHttpApp({ config, database: standIn(), events: standIn(), log: standIn(), chat: standIn(), recompute: standIn() } as unknown as HttpDependencies);
}
