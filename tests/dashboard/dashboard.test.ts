// The dashboard as a person uses it: Debian's Chromium (playwright-core) against the real embedded
// stack (Temporal dev server, PGlite, in-process workers) serving the built app, with data from a
// small real campaign. Screenshots of every view land in tests/dashboard/test-results/screenshots/.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../apps/orchestrator/dist/api/server.js';
import { follow, LocalCampaignService } from '../../apps/orchestrator/dist/campaigns/service.js';
import { openDatabase } from '../../apps/orchestrator/dist/store/db.js';
import { Store, type SearchCandidateInput } from '../../apps/orchestrator/dist/store/store.js';
import { jobs as jobsTable } from '../../apps/orchestrator/dist/store/schema.js';
import { loadSpecText, specHash } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { expandSpec } from '../../apps/orchestrator/dist/campaigns/expand.js';
import { codeVersion, jobKey } from '../../apps/orchestrator/dist/campaigns/versions.js';
import { startTestStack, type TestStack } from '../orchestrator/helpers/stack.js';
import { chartOption, chartRendered, chartSeriesCount, launchBrowser, pointOnChart, screenshot, watchErrors } from './helpers/browser.js';
import { DATA_SPEC, FAILING_SPEC, HOSTILE_NAME, LIVE_SPEC_YAML } from './helpers/data.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

let stack: TestStack;
let api: RunningApi;
let browser: Browser;
let context: BrowserContext;
let dataId: string;
let failedId: string;
let hostileId: string;

const json = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${api.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};

async function open(path: string, base = api.url): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${base}${path}`);
  return { page, errors };
}

/** A campaign of one job written straight into a fresh PGlite (no worker runs it): what a test then stores by hand. */
async function seededCampaign(id: string, specText: string) {
  const database = await openDatabase({ kind: 'pglite' });
  const store = new Store(database.db);
  const spec = loadSpecText(specText);
  const [job] = expandSpec(spec).map((j, position) => ({
    position,
    kind: j.kind,
    group: j.group,
    key: jobKey(j.kind, j.params, 'test'),
    params: j.params,
  }));
  await store.createCampaign({ id, spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: false });
  await store.registerJobs(id, [job!], false);
  return { database, store, id, job: job! };
}

/** seededCampaign of one random accuracy × latency search over dw / fuse_half blocks, `settings` added to its entry. */
const seededAccuracySearch = (id: string, settings: string) =>
  seededCampaign(
    id,
    `name: ${id}\nseed: 1\nsearches:\n  - { name: acc, network: mobilenet_v2, space: blocks, operators: [dw, fuse_half], strategy: random, objectives: [accuracy, latency], ${settings} }\n`,
  );

/** Hand-written candidates of a seeded search, stored in order as generation 0 (`key` is the candidate key). */
async function saveCandidates(
  store: Store,
  jobKey: string,
  candidates: Array<Omit<SearchCandidateInput, 'jobKey' | 'candidateIndex' | 'candidateKey' | 'generation'> & { key: string }>,
): Promise<void> {
  for (const [i, entry] of candidates.entries())
    await store.saveSearchCandidate({ jobKey, candidateIndex: i, candidateKey: entry.key, generation: 0, ...entry });
}

/** A MobileNetV2 network with one operator in each of its 17 blocks. */
const allBlocks = (op: string) => new Array<string>(17).fill(op);

/**
 * Runs `body` against an API over `store` (the stack's Temporal client, for what needs one), then
 * closes the API and the store's `database`, also when `body` throws.
 */
async function withApiOver(database: { close(): Promise<void> }, store: Store, body: (url: string) => Promise<void>): Promise<void> {
  const api = await startApi({
    service: new LocalCampaignService(store, async () => stack.client.client),
    logger: stack.logger,
    host: '127.0.0.1',
    port: 0,
  });
  try {
    await body(api.url);
  } finally {
    await api.close();
    await database.close();
  }
}

beforeAll(async () => {
  stack = await startTestStack({ queues: ['sim', 'train', 'nas'], concurrency: 2 });
  api = await startApi({ service: stack.service, logger: stack.logger, host: '127.0.0.1', port: 0, eventIntervalMs: 200 });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const data = await stack.service.submit(DATA_SPEC);
  const failing = await stack.service.submit(FAILING_SPEC);
  dataId = data.campaignId;
  failedId = failing.campaignId;
  expect(await follow(stack.service, dataId, () => undefined, 300)).toMatchObject({ status: 'completed', failed: 0 });
  expect(await follow(stack.service, failedId, () => undefined, 300)).toMatchObject({ status: 'failed', failed: 1 });
  // Campaign names from specs are restricted; an imported document's is not — the way a hostile name gets in.
  const doc = (await stack.service.exportCampaign(failedId, { checkpoints: false })) as unknown as {
    campaign: { id: string; name: string };
  };
  hostileId = 'hostile-import-1';
  await stack.service.importCampaign({ ...doc, campaign: { ...doc.campaign, id: hostileId, name: HOSTILE_NAME } });
}, 600_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.close();
  await stack?.stop();
}, 120_000);

describe('the dashboard in Chromium', () => {
  it('renders every route (screenshots saved)', async () => {
    const views: Array<[name: string, path: string, ready: (page: Page) => Promise<unknown>]> = [
      ['campaigns', '/', (p) => p.waitForSelector(`tr[data-campaign="${dataId}"]`)],
      ['campaign', `/campaigns/${dataId}`, (p) => p.waitForSelector('[data-job]')],
      ['compare', '/compare?networks=mobilenet_v2', (p) => chartRendered(p, 'compare-cycles')],
      [
        'breakdown',
        '/breakdown?network=mobilenet_v2&variants=baseline,fuse_half,fuse_full&heat=fuse_half',
        (p) => chartRendered(p, 'breakdown-utilization'),
      ],
      [
        'paper',
        '/paper?networks=mobilenet_v2',
        (p) => p.waitForSelector('[data-testid="paper-mobilenet_v2"] tr[data-variant="fuse_half"]'),
      ],
      [
        'training',
        `/training?campaign=${dataId}`,
        (p) => p.waitForSelector('[data-testid="training-finals"]').then(() => chartRendered(p, 'training')),
      ],
      ['search', `/search?campaign=${dataId}`, (p) => chartRendered(p, 'search-v2-stages-parallel')],
    ];
    for (const [name, path, ready] of views) {
      const { page, errors } = await open(path);
      await ready(page);
      expect(await page.locator('[data-testid="state-error"]').count(), `${name} shows an error`).toBe(0);
      await screenshot(page, name);
      expect(errors, name).toEqual([]);
      await page.close();
    }
  }, 180_000);

  it('/compare draws one series per selected variant with exactly the values the API returned; the URL holds the state', async () => {
    const { page, errors } = await open('/compare?networks=mobilenet_v2&variants=baseline,fuse_full');
    await chartRendered(page, 'compare-speedup');
    await chartRendered(page, 'compare-cycles');
    const { rows } = await json<{ rows: Array<{ variant: string; rows: number; cols: number; speedup: number; totalCycles: number }> }>(
      '/api/views/compare?networks=mobilenet_v2&variants=baseline,fuse_full&model=reference&hardware=auto',
    );
    const sizes = [
      [8, 8],
      [16, 16],
      [16, 64],
      [32, 32],
      [64, 64],
    ]; // the spec's arrays by area (then rows), as the x axis shows them
    const expected = (metric: 'speedup' | 'totalCycles') =>
      ['baseline', 'fuse_full'].map((variant) => ({
        name: variant,
        data: sizes.map(([r, c]) => rows.find((row) => row.variant === variant && row.rows === r && row.cols === c)![metric]),
      }));
    expect(rows).toHaveLength(10);
    for (const [prefix, metric] of [
      ['compare-speedup', 'speedup'],
      ['compare-cycles', 'totalCycles'],
    ] as const) {
      const drawn = await chartOption(page, prefix);
      expect(drawn.xAxis[0]!.data).toEqual(['8x8', '16x16', '16x64', '32x32', '64x64']);
      expect(drawn.series.map((s) => ({ name: s.name, data: s.data }))).toEqual(expected(metric));
    }

    // Ticking a variant adds its line and writes it into the URL; reloading that URL shows the same.
    await page.getByRole('checkbox', { name: 'fuse_half', exact: true }).check();
    await page.waitForURL(/variants=baseline%2Cfuse_full%2Cfuse_half|variants=baseline,fuse_full,fuse_half/);
    await chartSeriesCount(page, 'compare-speedup', 3);
    await page.reload();
    await chartRendered(page, 'compare-speedup');
    expect((await chartOption(page, 'compare-speedup')).series.map((s) => s.name)).toEqual(['baseline', 'fuse_full', 'fuse_half']);
    expect(await page.getByRole('checkbox', { name: 'fuse_half', exact: true }).isChecked()).toBe(true);

    // Exports: a PNG and an SVG small enough for a paper.
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'PNG' }).first().click()]);
    expect(png.suggestedFilename()).toMatch(/^compare-speedup-.*\.png$/);
    expect(
      readFileSync((await png.path())!)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'SVG' }).first().click()]);
    const svgText = readFileSync((await svg.path())!, 'utf8');
    expect(svgText.startsWith('<svg')).toBe(true);
    expect(svgText).toContain('fuse_full');
    expect(svgText.length).toBeLessThan(300_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the paper table holds the numbers of `fuselab table --json`, sorts, and exports CSV and LaTeX', async () => {
    const { stdout } = await run(
      'node',
      ['apps/orchestrator/bin/fuselab.js', 'table', '--network', 'mobilenet_v2', '--array', '64x64', '--json'],
      { cwd: ROOT },
    );
    const cli = JSON.parse(stdout) as {
      variants: Array<{
        variant: string;
        params: number;
        macs: number;
        hardware: string;
        cycles: number;
        speedup: number;
        published: { speedup: number; paramsM: number } | null;
      }>;
    };
    const { page, errors } = await open('/paper?networks=mobilenet_v2&array=64x64');
    const table = page.locator('[data-testid="paper-mobilenet_v2"]');
    await table.locator('tr[data-variant="baseline"]').waitFor();
    const value = (variant: string, col: string) =>
      table.locator(`tr[data-variant="${variant}"] td[data-col="${col}"]`).getAttribute('data-value');
    expect(cli.variants).toHaveLength(5);
    for (const row of cli.variants) {
      expect(Number(await value(row.variant, 'params'))).toBe(row.params);
      expect(Number(await value(row.variant, 'macs'))).toBe(row.macs);
      expect(Number(await value(row.variant, 'cycles'))).toBe(row.cycles);
      expect(Number(await value(row.variant, 'speedup'))).toBe(row.speedup);
      expect(await value(row.variant, 'hardware')).toBe(row.hardware);
      expect(Number(await value(row.variant, 'paperSpeedup'))).toBe(row.published!.speedup);
      expect(await table.locator(`tr[data-variant="${row.variant}"] td[data-col="cycles"]`).textContent()).toBe(
        row.cycles.toLocaleString('en-US'),
      );
    }

    await table.getByRole('button', { name: 'cycles' }).click();
    await page.waitForURL(/sort=cycles/);
    const byCycles = [...cli.variants].sort((a, b) => a.cycles - b.cycles).map((r) => r.variant);
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant')))).toEqual(byCycles);
    await table.getByRole('button', { name: /^cycles/ }).click();
    await page.waitForURL(/dir=desc/);
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant')))).toEqual(
      [...byCycles].reverse(),
    );

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(6);
    const fuseFull = cli.variants.find((r) => r.variant === 'fuse_full')!;
    expect(
      lines
        .find((l) => l.startsWith('mobilenet_v2,64x64,reference,fuse_full,'))!
        .split(',')
        .slice(3, 6),
    ).toEqual(['fuse_full', String(fuseFull.params), String(fuseFull.published!.paramsM)]);
    const [tex] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export LaTeX' }).click()]);
    const latex = readFileSync((await tex.path())!, 'utf8');
    expect(latex).toContain('\\begin{tabular}');
    expect(latex).toContain(`fuse\\_full & ${(fuseFull.params / 1e6).toFixed(3)}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('/search: hovering shows a candidate’s operators, two clicks compare them block by block, brushing an axis picks a range', async () => {
    interface Candidate {
      index: number;
      key: string;
      operators: string[];
      array: { rows: number; cols: number } | null;
      objectives: Record<string, number>;
    }
    const view = await json<{ candidates: Candidate[]; front: Array<{ key: string }>; hypervolume: unknown[] }>(
      `/api/views/search?campaign=${dataId}`,
    );
    const onFront = new Set(view.front.map((f) => f.key));
    const at = (c: Candidate) => `${c.objectives.latency}/${c.objectives.params}`;
    // Points a pointer can single out: off the front line (drawn above the scatter), alone at their place.
    const alone = view.candidates.filter((c) => !onFront.has(c.key) && view.candidates.filter((d) => at(d) === at(c)).length === 1);
    expect(alone.length, 'candidates off the front at distinct points').toBeGreaterThanOrEqual(2);
    const [first, second] = [alone[0]!, alone.at(-1)!];

    const { page, errors } = await open(`/search?campaign=${dataId}`);
    await chartRendered(page, 'search-v2-stages-latency-params');
    await chartRendered(page, 'search-v2-stages-parallel');
    const pointOf = (c: Candidate) => pointOnChart(page, 'search-v2-stages-latency-params', [c.objectives.latency!, c.objectives.params!]);

    // Hover: the candidate's number and its per-block operators, one cell per block.
    const p1 = await pointOf(first);
    await page.mouse.move(p1.x, p1.y);
    const hovered = page.getByTestId('hovered');
    await expect.poll(() => hovered.textContent()).toContain(`#${first.index}`);
    const cells = hovered.locator('[data-testid="operator-strip"] .cell');
    expect(await cells.evaluateAll((els) => els.map((el) => el.getAttribute('title')))).toEqual(
      first.operators.map((op, i) => `block ${i}: ${op}`),
    );

    // Two clicks: A and B in the URL, the table says how many blocks differ and outlines them.
    await page.mouse.click(p1.x, p1.y);
    const p2 = await pointOf(second);
    await page.mouse.click(p2.x, p2.y);
    await page.waitForURL((url) => url.searchParams.get('a') === first.key && url.searchParams.get('b') === second.key);
    const differ = first.operators.filter((op, i) => second.operators[i] !== op).length;
    const table = page.getByTestId('compare-candidates');
    await expect.poll(() => table.textContent()).toContain(`${differ} of ${first.operators.length} blocks differ`);
    expect(await table.locator('tr').first().locator('.cell.differs').count()).toBe(differ);

    // Brushing the latency axis of the parallel coordinates (the action ECharts dispatches on a drag).
    const latencies = view.candidates.map((c) => c.objectives.latency!).sort((a, b) => a - b);
    const [lo, hi] = [latencies[Math.floor(latencies.length / 4)]!, latencies[Math.floor((3 * latencies.length) / 4)]!];
    const inside = view.candidates.filter((c) => c.objectives.latency! >= lo && c.objectives.latency! <= hi).length;
    await page.locator('[data-testid^="chart-search-v2-stages-parallel"]').evaluate(
      (el, intervals) =>
        (el as HTMLElement & { fuselabChart: { dispatchAction(action: object): void } }).fuselabChart.dispatchAction({
          type: 'axisAreaSelect',
          parallelAxisId: 'latency',
          intervals,
        }),
      [[lo, hi]],
    );
    await expect.poll(() => page.getByTestId('brushed').textContent()).toContain(`${inside} of ${view.candidates.length} candidates`);
    await chartRendered(page, 'search-v2-stages-latency-params');
    const dimmed = (await chartOption(page, 'search-v2-stages-latency-params')).series[0]!.data.filter(
      (d) => (d as { itemStyle?: { opacity?: number } }).itemStyle?.opacity === 0.15,
    ).length;
    // Dimmed: every candidate outside the range except the two picked ones (they keep their mark).
    const within = (c: Candidate) => c.objectives.latency! >= lo && c.objectives.latency! <= hi;
    expect(dimmed).toBe(view.candidates.filter((c) => !within(c) && c.key !== first.key && c.key !== second.key).length);
    expect(view.hypervolume.length).toBeGreaterThan(0);
    await screenshot(page, 'search-interactions');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows the code version each kind of job ran (part of its key), as computed from the built files', async () => {
    const { page, errors } = await open(`/campaigns/${dataId}`);
    const versions = page.getByTestId('code-versions');
    await versions.waitFor();
    await versions.locator('summary').click();
    const sim = await versions.locator('code[data-kind="sim"]').textContent();
    expect(sim).toMatch(/^orchestrator\/sim#[0-9a-f]+\+systolic-sim@[\d.]+#[0-9a-f]+\+fuseconv@[\d.]+#[0-9a-f]+/);
    expect(sim).toBe(codeVersion('sim'));
    expect(await versions.locator('code[data-kind="train"]').textContent()).toBe(codeVersion('train'));
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('renders a hostile campaign name as text', async () => {
    const dialogs: string[] = [];
    const { page, errors } = await open('/');
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const link = page.locator(`tr[data-campaign="${hostileId}"] a`);
    await link.waitFor();
    expect(await link.textContent()).toBe(HOSTILE_NAME);
    expect(await page.locator('[data-testid="campaigns"] img').count()).toBe(0);
    await link.click();
    await page.waitForURL(new RegExp(`/campaigns/${hostileId}$`));
    await expect.poll(() => page.locator('h1').textContent()).toContain(HOSTILE_NAME);
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot(page, 'hostile-name');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a failed campaign with its error and the failed job’s message', async () => {
    const detail = await json<{ error: string }>(`/api/campaigns/${failedId}`);
    const { page, errors } = await open(`/campaigns/${failedId}?status=failed`);
    const state = page.locator('[data-testid="state-error"]');
    await state.waitFor();
    expect(await state.textContent()).toContain('This campaign failed');
    expect(await state.textContent()).toContain(detail.error);
    expect(await page.locator('[data-testid="campaign-status"]').textContent()).toBe('failed');
    const job = page.locator('[data-job]').first();
    await job.waitFor();
    const message = await job.locator('.error').textContent();
    expect(message).toContain('/nonexistent/cifar10');
    await expect.poll(() => page.locator('[data-testid="first-failure"]').textContent()).toBe(message);
    await screenshot(page, 'campaign-failed');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the dashboard live, and when things are missing', () => {
  it('a campaign submitted from the UI runs, its progress moves live, and cancelling it from the UI cancels it in Temporal', async () => {
    const { page, errors } = await open('/');
    const spec = page.locator('textarea[name="spec"]');
    await page.locator('[data-testid="spec-form"]').waitFor();

    // Validation names the field, as the CLI does (the API answers with the spec parser's message).
    await spec.fill('name: bad\nsimulations: {networks: [resnet], variants: all, arrays: [8]}\n');
    await expect
      .poll(() => page.locator('[data-testid="spec-error"]').textContent())
      .toMatch(/^simulations\.networks\[0\]: unknown network "resnet"/);
    expect(await page.getByRole('button', { name: /^Submit/ }).isDisabled()).toBe(true);

    await spec.fill(LIVE_SPEC_YAML);
    await expect
      .poll(() => page.locator('[data-testid="spec-ok"]').textContent())
      .toContain('21 jobs (20 simulations, 1 trainings, 0 searches)');
    await page.getByRole('button', { name: 'Submit 21 jobs' }).click();
    await page.waitForURL(/\/campaigns\/e2e-live-/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    try {
      // Marks this document: if anything reloaded the page, the mark would be gone.
      await page.evaluate(() => Object.assign(window, { e2eMark: 1 }));
      const done = async () =>
        Number(/^(\d+) of 21 done/.exec((await page.locator('[data-testid="campaign-counts"]').textContent()) ?? '')?.[1] ?? -1);
      await expect.poll(done, { timeout: 180_000, intervals: [200] }).toBeGreaterThanOrEqual(20);
      const cell = page.locator('[data-testid="training-progress"] tbody tr td:nth-child(5)');
      const step = async () =>
        (await cell.count()) ? Number(/(\d+)(?: \/ \d+)?\s*$/.exec((await cell.textContent()) ?? '')?.[1] ?? 0) : 0;
      // On failure, say what the API reported, to tell a slow machine from a broken page.
      const explain = async (error: unknown): Promise<never> => {
        const [progress, train] = await Promise.all([
          json(`/api/campaigns/${id}/training-progress`),
          json(`/api/campaigns/${id}/job-page?kind=train`),
        ]);
        throw new Error(
          `${(error as Error).message}\ntraining-progress: ${JSON.stringify(progress)}\ntrain jobs: ${JSON.stringify(train)}`,
        );
      };
      let first = 0;
      try {
        await expect.poll(step, { timeout: 240_000, intervals: [500] }).toBeGreaterThan(0);
        first = await step();
        await expect.poll(step, { timeout: 240_000, intervals: [500] }).toBeGreaterThan(first);
      } catch (error) {
        await explain(error);
      }
      await screenshot(page, 'campaign-running');
      expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(1);

      // Durations tick in the page: with the campaign's and its jobs' requests held back (so no new
      // answer re-renders them), the header's and the running training's durations still move.
      const held = (url: URL) => url.pathname.startsWith(`/api/campaigns/${encodeURIComponent(id)}`);
      await page.route(held, (route) => route.abort());
      try {
        const header = page.locator('h1 + p.muted');
        const running = page.locator('[data-job] .status.running').first().locator('xpath=../..').getByTestId('job-duration');
        const before = [await header.textContent(), await running.textContent()];
        await expect.poll(() => header.textContent(), { timeout: 10_000 }).not.toBe(before[0]);
        await expect.poll(() => running.textContent(), { timeout: 10_000 }).not.toBe(before[1]);
      } finally {
        await page.unroute(held);
      }

      // The page re-renders on every event while the training holds a core; on a loaded machine
      // Playwright's stability checks before the click took over 30 s (twice in 3 runs). (Before
      // trainings ran in a child process, the training in this test's process also held the API's
      // event loop, and a cancel could take minutes to reach the activity: CI failed here.)
      await page.getByRole('button', { name: 'Cancel campaign' }).click({ timeout: 120_000 });
      await expect.poll(() => page.locator('[data-testid="campaign-status"]').textContent(), { timeout: 120_000 }).toBe('cancelled');
    } finally {
      // Whatever failed above, the long training must not go on loading the machine for the next tests.
      await stack.service.cancel(id).catch(() => undefined);
    }
    const handle = stack.client.client.workflow.getHandle(id);
    expect(((await handle.result()) as { status: string }).status).toBe('cancelled');
    const jobs = (await stack.store.listJobs(id)) as Array<{ kind: string; status: string }>;
    expect(jobs.find((j) => j.kind === 'train')!.status).toBe('cancelled');
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  it('shows a running search move candidate by candidate, though its one job stays "running"', async () => {
    const training = { dataset: 'synthetic', width: 0.25, epochs: 1, limit: 64, batch: 32, seed: 5 };
    const search = { network: 'mobilenet_v2', space: 'blocks', operators: ['dw', 'fuse_half'], strategy: 'random', seed: 11 };
    const { campaignId } = await stack.service.submit({
      name: 'e2e-search-live',
      searches: [{ name: 'live', ...search, objectives: ['accuracy', 'latency'], budget: 6, training }],
    });
    const { page, errors } = await open(`/campaigns/${encodeURIComponent(campaignId)}`);
    try {
      const row = page.locator('[data-testid="search-progress"] tbody tr');
      const evaluated = async () =>
        (await row.count()) ? Number(/(\d+) \/ 6\s*$/.exec((await row.locator('td:nth-child(3)').textContent()) ?? '')?.[1] ?? -1) : -1;
      await expect.poll(evaluated, { timeout: 120_000, intervals: [200] }).toBeGreaterThanOrEqual(0);
      const first = await evaluated();
      expect(first).toBeLessThan(6);
      await expect.poll(evaluated, { timeout: 120_000, intervals: [200] }).toBeGreaterThan(first);
      expect(await row.locator('td:nth-child(1)').textContent()).toBe('live');
      expect(await row.locator('td:nth-child(2)').textContent()).toBe('random');
      await screenshot(page, 'campaign-search-running');
      expect(await follow(stack.service, campaignId, () => undefined, 300)).toMatchObject({ status: 'completed', completed: 1 });
      // Once the search is done the table goes: nothing is running.
      await expect.poll(() => page.locator('[data-testid="search-progress"]').count(), { timeout: 30_000 }).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await stack.service.cancel(campaignId).catch(() => undefined);
      await page.close();
    }
  }, 300_000);

  it('tells how to start a campaign when the database is empty', async () => {
    const database = await openDatabase({ kind: 'pglite' });
    await withApiOver(database, new Store(database.db), async (url) => {
      const { page, errors } = await open('/', url);
      const state = page.locator('[data-testid="state-empty"]');
      await state.waitFor();
      expect(await state.textContent()).toContain('No campaigns yet');
      expect(await state.textContent()).toContain('npx fuselab campaign run examples/tiny.yaml');
      await screenshot(page, 'empty-database');
      await page.getByRole('link', { name: 'Compare' }).click();
      await expect
        .poll(() => page.locator('[data-testid="state-empty"]').textContent())
        .toContain('No simulation results for this choice yet');
      await page.getByRole('link', { name: 'Training' }).click();
      await expect.poll(() => page.locator('[data-testid="state-empty"]').textContent()).toContain('No training jobs yet');
      expect(errors).toEqual([]);
      await page.close();
    });
  }, 120_000);

  it("/training: keeps an ablation's arms apart (seeds pooled within a setting) and names what differs", async () => {
    const entry = { dataset: 'synthetic', network: 'mobilenet_v2', width: 0.25, epochs: 1, limit: 64, batch: 32 };
    const nos = { ...entry, variants: ['fuse_half'], method: 'nos', teacher: 'base', seeds: [1, 2] };
    const { campaignId } = await stack.service.submit({
      name: 'ablation',
      seed: 1,
      trainings: [
        { name: 'base', ...entry, variants: ['baseline'], seeds: [1, 2] },
        { name: 'nos', ...nos },
        { name: 'nos-light', ...nos, distill: { lambdaOp: 0.1 } },
      ],
    });
    expect(await follow(stack.service, campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 6 });
    const { page, errors } = await open(`/training?campaign=${campaignId}`);
    const rows = page.locator('[data-testid="training-finals"] tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const cells = async (i: number) => (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim());
    const table = await Promise.all([0, 1, 2].map(cells));
    // network, variant, method, dataset, setting, seeds: the two NOS arms are two rows of 2 seeds, not one of 4.
    expect(table.map((r) => r.slice(1, 3).concat(r[5]!))).toEqual([
      ['baseline', 'scratch', '2'],
      ['fuse_half', 'nos', '2'],
      ['fuse_half', 'nos', '2'],
    ]);
    expect(table[0]![4]).toBe('–');
    expect([table[1]![4], table[2]![4]].sort()).toEqual([
      'distill NOS α 0.5, T 4, λ_op 0.1, cosine anneal over 0.5 of the steps · teacher baseline scratch',
      'distill NOS α 0.5, T 4, λ_op 1, cosine anneal over 0.5 of the steps · teacher baseline scratch',
    ]);
    // The whole setting is the cell's tooltip; the legend names each arm too.
    expect(await rows.nth(0).locator('td').nth(4).getAttribute('title')).toContain('recipe SGD lr 0.05');
    await chartRendered(page, 'training');
    await screenshot(page, 'training-ablation');
    expect(errors).toEqual([]);
    await page.close();

    // /paper shows one NOS arm for fuse_half — its own two seeds' mean, named in the tooltip — never the four runs pooled.
    const { finals } = await json<{ finals: Array<{ variant: string; testAccuracy: number; setting: Record<string, string> }> }>(
      `/api/views/training?campaign=${campaignId}`,
    );
    const nosRuns = finals.filter((f) => f.variant === 'fuse_half');
    expect(nosRuns).toHaveLength(4);
    const paper = await open(`/paper?networks=mobilenet_v2&array=64x64&campaign=${campaignId}`);
    const cell = paper.page.locator('[data-testid="paper-mobilenet_v2"] tr[data-variant="fuse_half"] td[data-col="accuracy"]');
    await cell.waitFor();
    expect(await cell.textContent()).toMatch(/^\d+\.\d\d \(synthetic, nos, 1 epoch, 2 seeds\)$/);
    const title = (await cell.getAttribute('title'))!;
    expect(title).toContain('1 other setting of this variant on /training');
    const arm = nosRuns.filter((f) => title.includes(`distill ${f.setting.distill} ·`));
    expect(arm).toHaveLength(2);
    expect(Number(await cell.getAttribute('data-value'))).toBeCloseTo((100 * (arm[0]!.testAccuracy + arm[1]!.testAccuracy)) / 2, 9);
    expect(paper.errors).toEqual([]);
    await paper.page.close();
  }, 180_000);

  it('marks a running training whose worker has gone silent, and unmarks it at its next sign of life', async () => {
    const { database, store, id, job } = await seededCampaign(
      'silent-training',
      'name: silent\nseed: 1\ntrainings:\n  - {name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 1}\n',
    );
    await store.startJob(id, job.key, 'lost-worker', 1);
    // Started five minutes ago, and not a word from its worker since.
    await database.db
      .update(jobsTable)
      .set({ startedAt: new Date(Date.now() - 5 * 60_000) })
      .where(eq(jobsTable.key, job.key));
    await withApiOver(database, store, async (url) => {
      const { page, errors } = await open(`/campaigns/${id}`, url);
      const silent = page.locator('[data-testid="job-silent"]');
      await silent.waitFor();
      expect(await silent.textContent()).toMatch(/^no sign of life for 5 min \d\d s — worker lost\?$/);
      await screenshot(page, 'campaign-silent-training');
      await store.touchJob(id, job.key);
      await page.reload();
      await page.locator('[data-job]').first().waitFor();
      expect(await page.locator('[data-job] .status').first().textContent()).toBe('running');
      expect(await silent.count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    });
  }, 60_000);

  it('/search: a confirmed search shows each front network at every seed, its mean ± sd, and the front of the means', async () => {
    const { database, store, id, job } = await seededAccuracySearch(
      'confirmed-search',
      'budget: 3, training: { dataset: synthetic, epochs: 1 }, confirm: { seeds: [2, 3] }',
    );
    // What a finished search with confirm stores (searches.ts ConfirmedSearchFront), written by hand:
    // network a led at seed 1 and falls off the front of the means; the accuracies are binary fractions.
    const front = [
      { key: 'a', operators: allBlocks('dw'), objectives: { accuracy: -0.625, latency: 100 } },
      { key: 'b', operators: allBlocks('fuse_half'), objectives: { accuracy: -0.5, latency: 60 } },
    ];
    await saveCandidates(
      store,
      job.key,
      front.map((entry) => ({ ...entry, trainingKey: `t-${entry.key}` })),
    );
    const networks = [
      {
        ...front[0]!,
        objectives: { accuracy: -0.5, latency: 100 },
        accuracies: [0.625, 0.4375, 0.4375],
        mean: 0.5,
        sd: 0.108253,
        onFront: false,
      },
      {
        ...front[1]!,
        objectives: { accuracy: -0.5625, latency: 60 },
        accuracies: [0.5, 0.625, 0.5625],
        mean: 0.5625,
        sd: 0.0625,
        onFront: true,
      },
    ].map((n) => ({ ...n, trainingKeys: ['t1', 't2', 't3'] }));
    await store.saveSearchResult(
      id,
      {
        jobKey: job.key,
        network: 'mobilenet_v2',
        space: 'blocks',
        strategy: 'random',
        objectives: ['accuracy', 'latency'],
        evaluations: 2,
        generations: 1,
        runs: 1,
        front,
        confirmed: { seeds: [1, 2, 3], networks },
      },
      'test',
      'w',
    );
    await store.saveSearchFront(job.key, 1, 2, front);
    await withApiOver(database, store, async (url) => {
      const { page, errors } = await open(`/search?campaign=${id}`, url);
      const table = page.getByTestId('confirmed-front');
      await table.waitFor();
      expect(await page.locator('h2', { hasText: 'Front confirmed' }).textContent()).toBe('Front confirmed over 3 seeds');
      expect(await table.locator('thead th').allTextContents()).toEqual([
        'network',
        'accuracy % at seeds 1 / 2 / 3',
        'mean ± sd',
        'latency',
        'front of the means',
      ]);
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      const cells = async (i: number) => (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim());
      expect((await cells(0)).slice(1)).toEqual(['62.50 / 43.75 / 43.75', '50.00 ± 10.83', '100', '']);
      expect((await cells(1)).slice(1)).toEqual(['50.00 / 62.50 / 56.25', '56.25 ± 6.25', '60', '★']);
      // Each network named by its candidate's number, with its per-block operators.
      expect((await cells(0))[0]).toMatch(/^#0/);
      expect(await rows.nth(1).locator('[data-testid="operator-strip"] .cell').count()).toBe(17);
      // The scatter draws the networks at their means and the front of the means over the one-seed points.
      await chartRendered(page, 'search-acc-accuracy-latency');
      const scatter = await chartOption(page, 'search-acc-accuracy-latency');
      expect(scatter.series.map((series) => series.name)).toEqual(['candidates', 'Pareto front', 'mean over seeds', 'front of the means']);
      expect(scatter.series[2]!.data).toEqual([
        [-0.5, 100],
        [-0.5625, 60],
      ]);
      expect(scatter.series[3]!.data).toEqual([[-0.5625, 60]]);
      await screenshot(page, 'search-confirmed');
      expect(errors).toEqual([]);
      await page.close();
    });
  }, 60_000);

  it('/search: with training seeds, hovering a candidate shows its accuracy at each seed beside the mean', async () => {
    const { database, store, id, job } = await seededAccuracySearch(
      'seeded-search',
      'budget: 2, training: { dataset: synthetic, epochs: 1, seeds: [1, 4] }',
    );
    // What a search with training seeds stores (searches.ts), written by hand: b, behind a on both
    // objectives, is off the front and alone at its point (the front line is drawn over a).
    const candidates = [
      { key: 'a', operators: allBlocks('fuse_half'), objectives: { accuracy: -0.5625, latency: 60 }, seeds: [0.5, 0.625] },
      { key: 'b', operators: allBlocks('dw'), objectives: { accuracy: -0.4375, latency: 100 }, seeds: [0.375, 0.5] },
    ];
    await saveCandidates(
      store,
      job.key,
      candidates.map(({ seeds, ...entry }) => ({
        ...entry,
        trainingKey: `t1-${entry.key}`,
        seedTrainings: seeds.map((testAccuracy, k) => ({ seed: [1, 4][k]!, key: `t${k}-${entry.key}`, testAccuracy })),
      })),
    );
    const front = [{ key: 'a', operators: candidates[0]!.operators, objectives: candidates[0]!.objectives }];
    await store.saveSearchFront(job.key, 1, 2, front);
    await withApiOver(database, store, async (url) => {
      const { page, errors } = await open(`/search?campaign=${id}`, url);
      await chartRendered(page, 'search-acc-accuracy-latency');
      const b = await pointOnChart(page, 'search-acc-accuracy-latency', [-0.4375, 100]);
      await page.mouse.move(b.x, b.y);
      await expect.poll(() => page.getByTestId('hovered').textContent()).toContain('#1');
      expect((await page.getByTestId('seed-accuracies').textContent())!.replace(/\s+/g, ' ').trim()).toBe(
        '· mean of seeds 1 / 4: 37.50 % / 50.00 %',
      );
      expect(errors).toEqual([]);
      await page.close();
    });
  }, 60_000);

  it('says the API cannot be reached when it goes away', async () => {
    const doomed = await startApi({ service: stack.service, logger: stack.logger, host: '127.0.0.1', port: 0 });
    const { page } = await open('/compare?networks=mobilenet_v2', doomed.url);
    await chartRendered(page, 'compare-speedup');
    await doomed.close();
    await page.getByRole('link', { name: 'Paper table' }).click();
    const banner = page.locator('[data-testid="api-down"]');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('The fuselab API cannot be reached');
    await screenshot(page, 'api-down');
    await page.close();
  }, 60_000);

  it('loads nothing without the token; signing in sets an HttpOnly SameSite=Strict cookie and no token in the page', async () => {
    const token = 'e2e-token-0123456789abcdef';
    const guarded = await startApi({ service: stack.service, logger: stack.logger, host: '127.0.0.1', port: 0, token });
    try {
      const index = readFileSync(`${ROOT}apps/dashboard/dist/index.html`, 'utf8');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
      for (const path of ['/', '/compare', script, '/api/campaigns', '/api/events', `/api/views/compare?networks=mobilenet_v2`]) {
        const response = await fetch(`${guarded.url}${path}`).catch((error: Error & { cause?: { code?: string } }) => {
          throw new Error(`${path}: ${error.cause?.code ?? error.message}`);
        });
        expect(response.status, path).toBe(401);
        const body = await response.text();
        expect(body, path).not.toContain('mobilenet_v2');
        expect(body, path).not.toContain('<script');
      }
      const signedOut = await browser.newContext();
      const page = await signedOut.newPage();
      await page.goto(`${guarded.url}/compare?networks=mobilenet_v2`);
      await page.locator('input[name="token"]').waitFor();
      await screenshot(page, 'login');
      await page.locator('input[name="token"]').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/compare\?networks=mobilenet_v2$/);
      await chartRendered(page, 'compare-speedup');
      const cookie = (await signedOut.cookies()).find((c) => c.name === 'fuselab_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookie.value).not.toContain(token);
      expect(await page.evaluate(() => document.cookie)).not.toContain('fuselab_session');
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(token);
      expect(page.url()).not.toContain(token);
      await signedOut.close();
    } finally {
      await guarded.close();
    }
  }, 90_000);
});
