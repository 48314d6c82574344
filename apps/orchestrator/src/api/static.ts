/**
 * Serves the built dashboard (apps/dashboard/dist) at the API's origin: its files, and index.html
 * for each of the app's routes (history-API navigation), so a copied link reopens the same view.
 * The routes come from the build's routes.json (written from apps/dashboard/src/route-list.ts), so
 * a view added to the app is served without a change here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';

/** Where `npm run build -w @fuselab/dashboard` writes the app. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

/** The build's list of the app's paths (`/campaigns/:id`-style patterns). */
export const ROUTES_FILE = 'routes.json';

/** `/campaigns/:id` → a RegExp matching `/campaigns/abc` and `/campaigns/abc/` (one segment per parameter). */
export function routePattern(pattern: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const segments = pattern.split('/').filter(Boolean);
  const body = segments.map((segment) => (segment.startsWith(':') ? '/[^/]+' : `/${escape(segment)}`)).join('');
  return new RegExp(`^${body}/?$`);
}

/** The built app's routes, or null when the build has no readable routes.json. */
export function dashboardRoutes(dir = DEFAULT_DASHBOARD_DIR): RegExp[] | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, ROUTES_FILE), 'utf8')) as { patterns?: unknown };
    if (!Array.isArray(parsed.patterns) || !parsed.patterns.every((p) => typeof p === 'string' && p.startsWith('/'))) return null;
    return parsed.patterns.map(routePattern);
  } catch {
    return null;
  }
}

export const BUILD_HINT =
  'the dashboard is not built: run `npx nx run @fuselab/dashboard:build` (or `npm run build -w @fuselab/dashboard`), then restart `fuselab up`';

export function dashboardBuilt(dir = DEFAULT_DASHBOARD_DIR): boolean {
  return existsSync(join(dir, 'index.html')) && dashboardRoutes(dir) !== null;
}

export function registerStaticRoutes(app: Express, dir = DEFAULT_DASHBOARD_DIR): void {
  // Vite names assets by content hash: cache them for good; index.html is always revalidated.
  app.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
  app.use(express.static(dir, { index: false, maxAge: 0 }));
  // Read per request (a small file): a rebuild of the dashboard is served without a restart.
  app.get(/.*/, (req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    const routes = existsSync(join(dir, 'index.html')) ? dashboardRoutes(dir) : null;
    // Without a build the app's paths are unknown: every page path says how to build it.
    if (!routes) return res.status(503).type('text/plain').send(`${BUILD_HINT}\n`);
    if (!routes.some((route) => route.test(req.path))) return next();
    return res.set('cache-control', 'no-cache').sendFile(join(dir, 'index.html'));
  });
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`no such page: ${req.path}\n`);
  });
}
