/**
 * Serves the built dashboard (apps/dashboard/dist) at the API's origin: its files, and index.html
 * for each of the app's routes (history-API navigation), so a copied link reopens the same view.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';

/** Where `npm run build -w @fuselab/dashboard` writes the app. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

/** The dashboard's routes (apps/dashboard's router): each answers index.html. */
export const DASHBOARD_ROUTES: readonly RegExp[] = [/^\/$/, /^\/campaigns\/[^/]+\/?$/, /^\/(compare|breakdown|paper|training|search)\/?$/];

export const BUILD_HINT =
  'the dashboard is not built: run `npx nx run @fuselab/dashboard:build` (or `npm run build -w @fuselab/dashboard`), then restart `fuselab up`';

export function dashboardBuilt(dir = DEFAULT_DASHBOARD_DIR): boolean {
  return existsSync(join(dir, 'index.html'));
}

export function registerStaticRoutes(app: Express, dir = DEFAULT_DASHBOARD_DIR): void {
  // Vite names assets by content hash: cache them for good; index.html is always revalidated.
  app.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
  app.use(express.static(dir, { index: false, maxAge: 0 }));
  app.get(/.*/, (req, res, next) => {
    if (!DASHBOARD_ROUTES.some((route) => route.test(req.path))) return next();
    if (!dashboardBuilt(dir)) return res.status(503).type('text/plain').send(`${BUILD_HINT}\n`);
    return res.set('cache-control', 'no-cache').sendFile(join(dir, 'index.html'));
  });
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`no such page: ${req.path}\n`);
  });
}
