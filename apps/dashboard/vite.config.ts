/**
 * Builds the dashboard into dist/ (served by `fuselab up`). `npm run dev` serves it with hot reload
 * and proxies /api to a running `fuselab up` (FUSELAB_API_URL, default http://127.0.0.1:8787), so the
 * browser sees one origin as in production (the session cookie is SameSite=Strict).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const api = process.env.FUSELAB_API_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
});
