/**
 * Builds the dashboard into dist/ (served by `fuselab up`), with dist/routes.json listing the app's
 * paths so the server answers index.html for exactly those. `npm run dev` serves it with hot reload
 * and proxies /api to a running `fuselab up` (FUSELAB_API_URL, default http://127.0.0.1:8787), so the
 * browser sees one origin as in production (the session cookie is SameSite=Strict).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { ROUTE_LIST, ROUTES_FILE } from './src/route-list.ts';

const api = process.env.FUSELAB_API_URL ?? 'http://127.0.0.1:8787';

/** Writes the route patterns beside index.html (read by apps/orchestrator/src/api/static.ts). */
function routeList(): Plugin {
  return {
    name: 'fuselab-route-list',
    generateBundle() {
      const patterns = ROUTE_LIST.map((route) => route.pattern);
      this.emitFile({ type: 'asset', fileName: ROUTES_FILE, source: `${JSON.stringify({ patterns }, null, 2)}\n` });
    },
  };
}

export default defineConfig({
  plugins: [svelte(), routeList()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
});
