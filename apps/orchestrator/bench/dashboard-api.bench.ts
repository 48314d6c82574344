/**
 * Benchmark: the dashboard's API over 100,000 stored simulation results with their per-layer rows,
 * on PGlite (embedded) and on a throwaway PostgreSQL. Each endpoint is called 20 times over HTTP
 * on loopback (after one warm-up call); prints p50/p99 and the answer's size.
 *
 *   npm run bench:dashboard -w @fuselab/orchestrator      (after npm run build; BENCH_RESULTS=… to scale)
 *
 * The results: bench/synthetic-results.ts (101,250 results with ~6 M layer rows, one campaign
 * listing them all as its jobs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startApi } from '../src/api/server.js';
import { LocalCampaignService } from '../src/campaigns/service.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { Store } from '../src/store/store.js';
import { BENCH_CAMPAIGN, fillSyntheticResults } from './synthetic-results.js';
import { startPostgres } from './throwaway-postgres.js';

const CALLS = 20;

const ENDPOINTS: Array<[string, string]> = [
  ['campaign list', '/api/campaigns'],
  ['job page (1000)', `/api/campaigns/${BENCH_CAMPAIGN}/job-page?limit=1000`],
  ['result page (1000, 4 fields)', '/api/result-page?limit=1000&fields=jobKey,variant,rows,totalCycles'],
  ['compare: 1 network × 5 variants', '/api/views/compare?networks=mobilenet_v2&variants=all'],
  ['compare: 5 networks × 5 variants', '/api/views/compare?networks=all&variants=all'],
  [
    'compare: 2 × 2, in the campaign',
    `/api/views/compare?networks=mobilenet_v2,mnasnet_b1&variants=baseline,fuse_half&campaign=${BENCH_CAMPAIGN}`,
  ],
  ['breakdown: 6 arrays, layers of 64x64', '/api/views/breakdown?network=mobilenet_v2&arrays=8,16,32,64,128,256&array=64x64'],
  ['breakdown: every array, all variants', '/api/views/breakdown?network=mobilenet_v3_large&array=64x64'],
  ['breakdown: every array, one heatmap', '/api/views/breakdown?network=mobilenet_v3_large&array=64x64&heatmap=fuse_half'],
  ['paper: 5 networks', '/api/views/paper?network=all&array=64x64'],
  ['training (none stored)', '/api/views/training'],
];

async function measure(database: Database, label: string): Promise<string[]> {
  const store = new Store(database.db);
  const service = new LocalCampaignService(store, () => Promise.reject(new Error('no Temporal in this benchmark')));
  const api = await startApi({ service, logger: pino({ level: 'error' }), host: '127.0.0.1', port: 0, dashboardDir: false });
  const lines: string[] = [];
  try {
    for (const [name, path] of ENDPOINTS) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i <= CALLS; i++) {
        const start = performance.now();
        const response = await fetch(`${api.url}${path}`);
        const body = await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status} ${Buffer.from(body).toString()}`);
        if (i > 0) times.push(performance.now() - start);
        bytes = body.byteLength;
      }
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
      const line = `${label.padEnd(10)} ${name.padEnd(38)} p50 ${pct(50).toFixed(1).padStart(7)} ms  p99 ${pct(99).toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(0).padStart(6)} kB`;
      lines.push(line);
      console.log(line);
    }
  } finally {
    await api.close();
  }
  return lines;
}

const summary: string[] = [];
const pgliteDir = mkdtempSync(join(tmpdir(), 'fuselab-bench-pglite-'));
try {
  const pglite = await openDatabase({ kind: 'pglite', dir: pgliteDir });
  try {
    const filled = await fillSyntheticResults(pglite);
    console.log(`PGlite: ${filled.results} results, ${filled.layers} layer rows stored in ${filled.seconds.toFixed(0)} s`);
    summary.push(...(await measure(pglite, 'PGlite')));
  } finally {
    await pglite.close();
  }
} finally {
  rmSync(pgliteDir, { recursive: true, force: true });
}
const postgres = await startPostgres();
try {
  const pg = await openDatabase({ kind: 'postgres', url: postgres.url });
  try {
    const filled = await fillSyntheticResults(pg);
    console.log(`PostgreSQL: ${filled.results} results, ${filled.layers} layer rows stored in ${filled.seconds.toFixed(0)} s`);
    summary.push(...(await measure(pg, 'PostgreSQL')));
  } finally {
    await pg.close();
  }
} finally {
  postgres.stop();
}
console.log(`\nsummary (${CALLS} calls each; machine: ${process.env.BENCH_MACHINE ?? `${(await import('node:os')).cpus().length} cores`})`);
for (const line of summary) console.log(`  ${line}`);
