/**
 * How long the comparison views take with a large database: from navigation to a drawn chart (or
 * filled table) in headless Chromium for /compare, /breakdown and /paper, and the API's time for
 * each view's aggregation. Not a test: it prints figures.
 *
 *   npm run build && npm run bench -w @fuselab/dashboard          # 100,000 stored results
 *   FUSELAB_BENCH_RESULTS=20000 npm run bench -w @fuselab/dashboard
 *   FUSELAB_BENCH_SCREENSHOT=docs/compare.png npm run bench -w @fuselab/dashboard   # also saves /compare (the README's picture)
 *
 * The database (PGlite, in memory) gets every network × variant × 9 arrays under the reference
 * model simulated for real, with their layers (what the views show), plus copies of those results
 * at other input sizes up to the requested count (other contexts the queries must skip over).
 */
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { startApi } from '../../orchestrator/dist/api/server.js';
import { LocalCampaignService } from '../../orchestrator/dist/campaigns/service.js';
import { simulateVariant } from '../../orchestrator/dist/sim/variant-simulation.js';
import { openDatabase } from '../../orchestrator/dist/store/db.js';
import { Store, type SimResultInput } from '../../orchestrator/dist/store/store.js';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';

const TOTAL = Number(process.env.FUSELAB_BENCH_RESULTS ?? 100_000);
const RUNS = 3;
const ARRAYS: Array<[number, number]> = [
  [8, 8],
  [16, 16],
  [32, 32],
  [64, 64],
  [128, 128],
  [256, 256],
  [16, 64],
  [64, 16],
  [32, 128],
];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const database = await openDatabase({ kind: 'pglite' });
const store = new Store(database.db);
const fill = performance.now();
const real: SimResultInput[] = [];
for (const network of NETWORKS)
  for (const variant of VARIANTS)
    for (const [rows, cols] of ARRAYS) {
      const result = simulateVariant({ network, variant, rows, cols, model: 'reference' });
      const params = {
        network,
        variant,
        rows,
        cols,
        model: 'reference',
        hardware: result.hardware,
        dataflow: result.dataflow,
        inputSize: 224,
        numClasses: 1000,
      } as SimResultInput['params'];
      real.push({ key: `bench-real-${network}-${variant}-${rows}x${cols}`, params, result });
    }
await store.saveSimResults('bench', real, 'bench', 'bench');
for (let start = real.length; start < TOTAL; start += 2000) {
  const items: SimResultInput[] = [];
  for (let i = start; i < Math.min(TOTAL, start + 2000); i++) {
    const template = real[i % real.length]!;
    const inputSize = 225 + Math.floor(i / real.length);
    items.push({ key: `bench-copy-${i}`, params: { ...template.params, inputSize }, result: { ...template.result, layers: [] } });
  }
  await store.saveSimResults('bench', items, 'bench', 'bench');
}
console.log(
  `stored ${TOTAL.toLocaleString('en-US')} simulation results (${real.length} with layers) in ${((performance.now() - fill) / 1000).toFixed(1)} s`,
);

const service = new LocalCampaignService(store, async () => {
  throw new Error('this benchmark has no Temporal');
});
const api = await startApi({ service, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
const views: Array<{ name: string; path: string; api: string; ready: string }> = [
  {
    name: '/compare (5 networks × 5 variants)',
    path: '/compare?networks=' + NETWORKS.join(','),
    api: `/api/views/compare?networks=all&variants=all`,
    ready: '[data-testid^="chart-compare-cycles"][data-rendered="true"]',
  },
  {
    name: '/breakdown (mobilenet_v2, 5 variants)',
    path: '/breakdown?network=mobilenet_v2',
    api: '/api/views/breakdown?network=mobilenet_v2&variants=all&array=64x64',
    ready: '[data-testid^="chart-breakdown-utilization"][data-rendered="true"]',
  },
  {
    name: '/paper (5 networks)',
    path: '/paper?networks=' + NETWORKS.join(','),
    api: '/api/views/paper?networks=all&array=64x64',
    ready: '[data-testid="paper-mnasnet_b1"] tr[data-variant="fuse_half_50"]',
  },
];

for (const view of views) {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const response = await fetch(`${api.url}${view.api}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${view.api}: ${response.status}`);
    if (i > 0) times.push(performance.now() - t0); // the first warms the query plans
  }
  console.log(`API ${view.api}: median ${median(times).toFixed(0)} ms`);
}

const browser = await chromium.launch({
  executablePath: process.env.FUSELAB_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  for (const view of views) {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${api.url}${view.path}`);
      await page.waitForSelector(view.ready, { timeout: 60_000 });
      if (i > 0) times.push(performance.now() - t0); // the first loads the app into the cache
      await page.close();
    }
    console.log(
      `${view.name}: navigation → drawn, median of ${RUNS}: ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
  if (process.env.FUSELAB_BENCH_SCREENSHOT) {
    const page = await context.newPage();
    await page.goto(
      `${api.url}/compare?networks=mobilenet_v1,mobilenet_v2,mobilenet_v3_large&variants=baseline,fuse_full,fuse_half,fuse_full_50,fuse_half_50`,
    );
    await page.waitForSelector(views[0]!.ready);
    await page.screenshot({ path: process.env.FUSELAB_BENCH_SCREENSHOT, fullPage: true });
    console.log(`saved ${process.env.FUSELAB_BENCH_SCREENSHOT}`);
  }
} finally {
  await browser.close();
  await api.close();
  await database.close();
}
