/**
 * How long the dashboard takes with a large database, in headless Chromium (Debian's, never a
 * downloaded one): from navigation to a drawn chart or filled table for /compare, /breakdown and
 * /paper, the API's time for each view's aggregation, and the campaign page of a 101,250-job
 * campaign (first rows, then scrolling through 10,000 jobs: the time each further page of 500 takes
 * to arrive and draw, and the longest task that blocked the page meanwhile), and the size of each
 * chart's SVG export on the largest views. Not a test: it prints figures, for PGlite and for a
 * throwaway PostgreSQL in turn.
 *
 *   npm run build && npm run bench -w @fuselab/dashboard
 *   FUSELAB_BENCH_DATABASES=pglite npm run bench -w @fuselab/dashboard        # one of them
 *   FUSELAB_BENCH_PGLITE_DIR=/tmp/views-db npm run bench -w @fuselab/dashboard # fill once, reuse after
 *   FUSELAB_BENCH_SCREENSHOT=docs/compare.png npm run bench -w @fuselab/dashboard   # also saves /compare
 *
 * The data: apps/orchestrator/bench/synthetic-results.ts — 101,250 simulation results with their
 * ~6 M layer rows (5 networks × 5 variants × 3 timing models × 3 dataflows × 225 array sizes), all
 * listed as the jobs of one campaign, and a 9-array sweep as another.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startApi } from '../../orchestrator/dist/api/server.js';
import { LocalCampaignService } from '../../orchestrator/dist/campaigns/service.js';
import { openDatabase, type Database } from '../../orchestrator/dist/store/db.js';
import { Store } from '../../orchestrator/dist/store/store.js';
import { BENCH_CAMPAIGN, fillSyntheticResults, SWEEP_CAMPAIGN } from '../../orchestrator/bench/synthetic-results.js';
import { startPostgres } from '../../orchestrator/bench/throwaway-postgres.js';
import { NETWORKS } from '@fuselab/fuseconv';

const RUNS = 5;
const SCROLLED_JOBS = 10_000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

/**
 * What a person opens: each view's URL, the API call it makes, and what shows it is drawn — for the
 * 9-array sweep campaign inside the 101,250 results (what one looks at) and for every stored array
 * (225 per network and variant: the largest a view can get here).
 */
const SCOPES = [
  { label: `campaign ${SWEEP_CAMPAIGN} (9 arrays)`, campaign: SWEEP_CAMPAIGN },
  { label: 'all 225 arrays', campaign: '' },
];
const VIEWS: Array<{ name: string; path: string; api: string; ready: string }> = SCOPES.flatMap(({ label, campaign }) => {
  const scope = campaign ? `&campaign=${campaign}` : '';
  return [
    {
      name: `/compare, 5 networks × 5 variants, ${label}`,
      path: `/compare?networks=${NETWORKS.join(',')}${scope}`,
      api: `/api/views/compare?networks=${NETWORKS.join(',')}&variants=all&model=reference&hardware=auto${scope}`,
      ready: '[data-testid^="chart-compare-cycles"][data-rendered="true"]',
    },
    {
      name: `/breakdown, mobilenet_v2, 5 variants, ${label}`,
      path: `/breakdown?network=mobilenet_v2${scope}`,
      api: `/api/views/breakdown?network=mobilenet_v2&variants=all&model=reference&hardware=auto&array=64x64&heatmap=fuse_half${scope}`,
      ready: '[data-testid^="chart-breakdown-utilization"][data-rendered="true"]',
    },
    {
      name: `/paper, 5 networks, ${label}`,
      path: `/paper?networks=${NETWORKS.join(',')}${scope}`,
      api: `/api/views/paper?networks=all&array=64x64${scope}`,
      ready: '[data-testid="paper-mnasnet_b1"] tr[data-variant="fuse_half_50"]',
    },
  ];
});

async function measureApi(url: string): Promise<string[]> {
  const lines: string[] = [];
  for (const view of VIEWS) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const response = await fetch(`${url}${view.api}`);
      bytes = (await response.arrayBuffer()).byteLength;
      if (!response.ok) throw new Error(`${view.api}: ${response.status}`);
      if (i > 0) times.push(performance.now() - t0); // the first warms the query plans
    }
    lines.push(`API ${view.name}: median ${ms(median(times))} (max ${ms(Math.max(...times))}, ${(bytes / 1024).toFixed(0)} kB)`);
  }
  return lines;
}

async function measureViews(page: () => Promise<Page>, url: string): Promise<string[]> {
  const lines: string[] = [];
  for (const view of VIEWS) {
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const tab = await page();
      const t0 = performance.now();
      await tab.goto(`${url}${view.path}`);
      await tab.waitForSelector(view.ready, { timeout: 60_000 });
      if (i > 0) times.push(performance.now() - t0); // the first loads the app into the cache
      await tab.close();
    }
    lines.push(`${view.name}: navigation → drawn, median ${ms(median(times))} (${times.map((t) => t.toFixed(0)).join(', ')})`);
  }
  return lines;
}

/**
 * The SVG export of every chart of the largest views (every stored array): its size, which the
 * dashboard promises stays small enough for a paper (a few hundred kB at most).
 */
async function measureExports(page: () => Promise<Page>, url: string): Promise<string[]> {
  const lines: string[] = [];
  for (const view of VIEWS.filter((v) => !v.name.startsWith('/paper') && v.name.endsWith('all 225 arrays'))) {
    const tab = await page();
    await tab.goto(`${url}${view.path}`);
    await tab.waitForSelector(view.ready, { timeout: 60_000 });
    const sizes: string[] = [];
    const buttons = tab.getByRole('button', { name: 'SVG' });
    for (let i = 0; i < (await buttons.count()); i++) {
      const [download] = await Promise.all([tab.waitForEvent('download'), buttons.nth(i).click()]);
      const text = readFileSync((await download.path())!, 'utf8');
      if (!text.startsWith('<svg')) throw new Error(`${download.suggestedFilename()}: not an SVG document`);
      sizes.push(`${download.suggestedFilename()} ${(text.length / 1024).toFixed(0)} kB`);
    }
    await tab.close();
    lines.push(`SVG export, ${view.name}: ${sizes.join(', ')}`);
  }
  return lines;
}

/** The campaign page: first rows, then scrolling to the end of what is loaded until 10,000 jobs are. */
async function measureCampaignPage(page: () => Promise<Page>, url: string): Promise<string[]> {
  const tab = await page();
  await tab.addInitScript(() => {
    const w = window as unknown as { longest: number };
    w.longest = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longest = Math.max(w.longest, entry.duration);
    }).observe({ type: 'longtask', buffered: true } as PerformanceObserverInit);
  });
  const t0 = performance.now();
  await tab.goto(`${url}/campaigns/${BENCH_CAMPAIGN}`);
  await tab.waitForSelector('[data-testid="jobs"] [data-job]', { timeout: 60_000 });
  const first = performance.now() - t0;
  const pages: number[] = [];
  const lastPosition = () => tab.locator('[data-testid="jobs"] .scroller').evaluate((el) => el.scrollHeight);
  for (let loaded = 500; loaded < SCROLLED_JOBS; loaded += 500) {
    const height = await lastPosition();
    const t = performance.now();
    await tab.locator('[data-testid="jobs"] .scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await tab.waitForFunction((h) => (document.querySelector('[data-testid="jobs"] .scroller')?.scrollHeight ?? 0) > h, height, {
      timeout: 60_000,
    });
    // Drawn: the rows at the new scroll position are in the DOM.
    await tab.waitForFunction(() => {
      const el = document.querySelector('[data-testid="jobs"] .scroller')!;
      const rows = el.querySelectorAll('[data-job]');
      return rows.length > 0 && (rows[rows.length - 1] as HTMLElement).offsetTop >= 0;
    });
    pages.push(performance.now() - t);
  }
  const rowsInDom = await tab.locator('[data-testid="jobs"] [data-job]').count();
  const longest = await tab.evaluate(() => (window as unknown as { longest: number }).longest);
  await tab.close();
  return [
    `campaign page (${BENCH_CAMPAIGN}, 101,250 jobs): navigation → first rows ${ms(first)}; ` +
      `each further page of 500 while scrolling to ${SCROLLED_JOBS.toLocaleString('en-US')} jobs: median ${ms(median(pages))}, ` +
      `max ${ms(Math.max(...pages))}; rows in the DOM at the end: ${rowsInDom}; longest blocking task: ${ms(longest)}`,
  ];
}

async function bench(kind: 'pglite' | 'postgres', database: Database, reuse = false): Promise<string[]> {
  if (reuse) console.log(`${kind}: reusing the database filled by an earlier run`);
  else {
    const filled = await fillSyntheticResults(database);
    console.log(`${kind}: ${filled.results} results, ${filled.layers} layer rows stored in ${filled.seconds.toFixed(0)} s`);
  }
  const store = new Store(database.db);
  const service = new LocalCampaignService(store, async () => {
    throw new Error('this benchmark has no Temporal');
  });
  const api = await startApi({ service, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env.FUSELAB_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const page = () => context.newPage();
    const lines = [
      ...(await measureApi(api.url)),
      ...(await measureViews(page, api.url)),
      ...(await measureCampaignPage(page, api.url)),
      ...(await measureExports(page, api.url)),
    ];
    for (const line of lines) console.log(`  ${kind} ${line}`);
    if (process.env.FUSELAB_BENCH_SCREENSHOT && kind === 'pglite') {
      const tab = await page();
      await tab.goto(
        `${api.url}/compare?networks=mobilenet_v1,mobilenet_v2,mobilenet_v3_large&variants=baseline,fuse_full,fuse_half,fuse_full_50,fuse_half_50`,
      );
      await tab.waitForSelector(VIEWS[0]!.ready);
      await tab.screenshot({ path: process.env.FUSELAB_BENCH_SCREENSHOT, fullPage: true });
      console.log(`saved ${process.env.FUSELAB_BENCH_SCREENSHOT}`);
    }
    return lines.map((line) => `${kind.padEnd(8)} ${line}`);
  } finally {
    await browser.close();
    await api.close();
  }
}

const wanted = (process.env.FUSELAB_BENCH_DATABASES ?? 'pglite,postgres').split(',');
const summary: string[] = [];
if (wanted.includes('pglite')) {
  // On disk, as `fuselab up` keeps it (6 M rows in memory would crowd wasm's heap).
  // FUSELAB_BENCH_PGLITE_DIR keeps the filled database there and reuses it on the next run.
  const kept = process.env.FUSELAB_BENCH_PGLITE_DIR;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'fuselab-bench-pglite-'));
  const filled = kept !== undefined && existsSync(join(dir, 'PG_VERSION'));
  try {
    const database = await openDatabase({ kind: 'pglite', dir });
    try {
      summary.push(...(await bench('pglite', database, filled)));
    } finally {
      await database.close();
    }
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}
if (wanted.includes('postgres')) {
  const postgres = await startPostgres();
  try {
    const database = await openDatabase({ kind: 'postgres', url: postgres.url });
    try {
      summary.push(...(await bench('postgres', database)));
    } finally {
      await database.close();
    }
  } finally {
    postgres.stop();
  }
}
console.log(`\nsummary (median of ${RUNS} after a warm-up; ${(await import('node:os')).cpus().length} cores)`);
for (const line of summary) console.log(`  ${line}`);
