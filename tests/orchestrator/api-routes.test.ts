// Every documented API route, table-driven, against the real embedded stack (Temporal dev server,
// PGlite, in-process workers) with the data of a small real campaign (simulations, a tiny synthetic
// training, a tiny search): 401 without the token (except the public routes), the documented status
// with it, filters honoured, SQL-injection strings harmless, bounded bodies and queries, ETags,
// the session cookie, server-sent events and the dashboard's static files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../apps/orchestrator/dist/api/server.js';
import { follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { HttpCampaignService } from '../../apps/orchestrator/dist/api/client.js';
import { ROUTE_LIST, ROUTES_FILE } from '../../apps/dashboard/src/route-list.ts';
import { REPO_ROOT } from './helpers/services.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const TOKEN = 'routes-token-0123456789abcdef';
const INJECTION = "x' OR '1'='1'; DROP TABLE jobs; --";
const INDEX_HTML =
  '<!doctype html><title>fuselab dashboard (test build)</title><script type="module" src="/assets/app-abc123.js"></script>';

const spec = {
  name: 'routes',
  seed: 2,
  simulations: { networks: ['mobilenet_v2'], variants: ['baseline', 'fuse_half'], arrays: [16, 32, '16x32'] },
  trainings: [
    {
      name: 'tiny',
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variants: ['baseline'],
      width: 0.25,
      epochs: 1,
      limit: 64,
      batch: 32,
      seeds: [1],
    },
  ],
  searches: [
    {
      name: 'tiny-search',
      network: 'mobilenet_v2',
      space: 'stages',
      strategy: 'nsga2',
      objectives: ['latency', 'params'],
      budget: 8,
      population: 4,
      seed: 1,
    },
  ],
};

let stack: TestStack;
let api: RunningApi;
let campaignId: string;
/** The job key of the campaign's one training. */
let trainingKey: string;
let dashboardDir: string;

type Auth = 'token' | 'none' | { cookie: string };
const call = (
  method: string,
  path: string,
  options: { body?: unknown; auth?: Auth; headers?: Record<string, string>; signal?: AbortSignal } = {},
) => {
  const auth = options.auth ?? 'token';
  const headers: Record<string, string> = {
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  if (auth === 'token') headers.authorization = `Bearer ${TOKEN}`;
  else if (auth !== 'none') headers.cookie = auth.cookie;
  return fetch(`${api.url}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
};
const json = async <T = unknown>(method: string, path: string, options: Parameters<typeof call>[2] = {}): Promise<T> => {
  const response = await call(method, path, options);
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return (await response.json()) as T;
};
/** Reads a server-sent event stream until `until` holds for the text so far (then aborts it). */
async function readStream(
  path: string,
  until: (text: string) => boolean,
  auth: Auth = 'token',
): Promise<{ status: number; type: string | null; text: string }> {
  const abort = new AbortController();
  const response = await call('GET', path, { auth, signal: abort.signal });
  let text = '';
  if (response.ok && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const timer = setTimeout(() => abort.abort(), 15_000);
    try {
      while (!until(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      /* aborted: the assertions below say what was missing */
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  } else text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}
const counts = async () => ({
  campaigns: (await json<unknown[]>('GET', '/api/campaigns')).length,
  jobs: (await json<unknown[]>('GET', `/api/campaigns/${campaignId}/jobs`)).length,
  results: (await json<unknown[]>('GET', '/api/results')).length,
});

beforeAll(async () => {
  dashboardDir = mkdtempSync(join(tmpdir(), 'fuselab-dashboard-'));
  mkdirSync(join(dashboardDir, 'assets'));
  writeFileSync(join(dashboardDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dashboardDir, 'assets/app-abc123.js'), 'export const app = 1;\n');
  // The app's own route list, as its build writes it.
  writeFileSync(join(dashboardDir, ROUTES_FILE), JSON.stringify({ patterns: ROUTE_LIST.map((route) => route.pattern) }));
  stack = await startTestStack({ queues: ['sim', 'train', 'nas'], concurrency: 4 });
  api = await startApi({
    service: stack.service,
    logger: stack.logger,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    eventIntervalMs: 100,
    heartbeatMs: 300,
    dashboardDir,
  });
  const submitted = await stack.service.submit(spec);
  campaignId = submitted.campaignId;
  const final = await follow(stack.service, campaignId, () => undefined, 200);
  expect(final).toMatchObject({ status: 'completed', total: 8, completed: 8 });
  const [training] = await stack.service.trainingResults(campaignId);
  trainingKey = training!.jobKey;
}, 240_000);

afterAll(async () => {
  await api?.close();
  await stack?.stop();
  if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
}, 60_000);

interface Route {
  method: string;
  /** `:id` is the test campaign. */
  path: string;
  body?: unknown;
  /** Answers without the token. */
  public?: boolean;
  /** The status with the token. */
  status: number;
  sse?: boolean;
}

/** Every documented route (apps/orchestrator/README.md, API), one row each. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/health', public: true, status: 200 },
  { method: 'GET', path: '/api/session', public: true, status: 200 },
  { method: 'POST', path: '/api/session', body: { token: TOKEN }, public: true, status: 204 },
  { method: 'DELETE', path: '/api/session', public: true, status: 204 },
  { method: 'GET', path: '/api/campaigns', status: 200 },
  { method: 'POST', path: '/api/campaigns', body: { spec: { name: 'x' }, concurrency: 0 }, status: 400 },
  { method: 'GET', path: '/api/campaigns/:id', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/progress', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/events', status: 200, sse: true },
  { method: 'POST', path: '/api/campaigns/:id/cancel', status: 202 },
  { method: 'GET', path: '/api/campaigns/:id/jobs?status=completed&limit=10&offset=0', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/job-page?status=completed&kind=sim&limit=2', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/training-progress', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/searches', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/export', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/export?checkpoints=false', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/trainings/:key/checkpoint', status: 200 },
  { method: 'GET', path: '/api/campaigns/:id/results?variant=fuse_half&array=32', status: 200 },
  { method: 'POST', path: '/api/import', body: { format: 'nope' }, status: 400 },
  { method: 'GET', path: '/api/results?network=mobilenet_v2&layers=true', status: 200 },
  { method: 'GET', path: '/api/result-page?network=mobilenet_v2&fields=jobKey,totalCycles&limit=2', status: 200 },
  { method: 'GET', path: '/api/training-results?campaign=:id', status: 200 },
  { method: 'GET', path: '/api/training-curves?campaign=:id', status: 200 },
  { method: 'GET', path: '/api/search-fronts?campaign=:id', status: 200 },
  { method: 'GET', path: '/api/events', status: 200, sse: true },
  {
    method: 'GET',
    path: '/api/views/compare?networks=mobilenet_v2&variants=baseline,fuse_half&model=reference&hardware=auto&campaign=:id',
    status: 200,
  },
  { method: 'GET', path: '/api/views/breakdown?network=mobilenet_v2&variants=baseline,fuse_half&array=32x32&campaign=:id', status: 200 },
  { method: 'GET', path: '/api/views/paper?network=mobilenet_v2&array=32x32', status: 200 },
  { method: 'GET', path: '/api/views/training?campaign=:id&maxPoints=3', status: 200 },
  { method: 'GET', path: '/api/views/search?campaign=:id', status: 200 },
  {
    method: 'POST',
    path: '/api/specs/validate',
    body: { spec: 'name: v\nsimulations: {networks: [mobilenet_v2], variants: all, arrays: [8, 16]}\n' },
    status: 200,
  },
  { method: 'GET', path: '/', status: 200 },
  { method: 'GET', path: '/compare?networks=mobilenet_v2', status: 200 },
  { method: 'GET', path: '/campaigns/:id', status: 200 },
  { method: 'GET', path: '/assets/app-abc123.js', status: 200 },
];
const pathOf = (route: Route) => route.path.replaceAll(':id', encodeURIComponent(campaignId)).replaceAll(':key', trainingKey.slice(0, 8));

describe('every API route', () => {
  it('answers 401 without the token (JSON under /api, the login page elsewhere), except the public routes', async () => {
    for (const route of ROUTES) {
      const response = route.sse
        ? await readStream(pathOf(route), () => true, 'none')
        : await call(route.method, pathOf(route), { auth: 'none', ...(route.body !== undefined ? { body: route.body } : {}) });
      const status = response.status;
      if (route.public) {
        expect(status, `${route.method} ${route.path}`).toBe(route.path === '/api/session' && route.method === 'POST' ? 204 : route.status);
        continue;
      }
      expect(status, `${route.method} ${route.path}`).toBe(401);
      const text = 'text' in response && typeof response.text === 'string' ? response.text : await (response as Response).text();
      if (route.path.startsWith('/api/')) expect(JSON.parse(text).error, route.path).toMatch(/not signed in/);
      else {
        expect(text, route.path).toMatch(/<form method="post" action="\/api\/session">/);
        expect(text, route.path).not.toContain('fuselab dashboard (test build)');
        expect(text).not.toContain('export const app');
      }
    }
    // A wrong bearer token is refused even on top of nothing else.
    expect(
      (await call('GET', '/api/campaigns', { auth: 'none', headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status,
    ).toBe(401);
  });

  it('answers the documented status with the token', async () => {
    for (const route of ROUTES) {
      if (route.sse) {
        const stream = await readStream(pathOf(route), (text) => /event: (done|campaigns)/.test(text));
        expect(stream.status, route.path).toBe(200);
        expect(stream.type).toMatch(/text\/event-stream/);
        continue;
      }
      const response = await call(route.method, pathOf(route), route.body !== undefined ? { body: route.body } : {});
      expect(response.status, `${route.method} ${route.path}: ${response.status >= 400 ? await response.clone().text() : ''}`).toBe(
        route.status,
      );
    }
  }, 60_000);
});

describe('filters, pagination and projection', () => {
  it('serves a campaign’s results at /api/campaigns/:id/results with the same filters as /api/results', async () => {
    const all = await json<Array<{ variant: string; rows: number; cols: number; jobKey: string }>>(
      'GET',
      `/api/campaigns/${campaignId}/results`,
    );
    expect(all).toHaveLength(6);
    const filtered = await json<typeof all>('GET', `/api/campaigns/${campaignId}/results?variant=fuse_half&array=16x32`);
    expect(filtered.map((r) => [r.variant, r.rows, r.cols])).toEqual([['fuse_half', 16, 32]]);
    expect(filtered).toEqual(await json('GET', `/api/results?campaign=${campaignId}&variant=fuse_half&array=16x32`));
    expect((await call('GET', '/api/campaigns/nope/results')).status).toBe(404);
  });

  it('pages jobs by keyset (every job once), filters by status and kind, and projects fields', async () => {
    const seen: Array<{ key: string; kind: string; status: string }> = [];
    let after: string | null = null;
    do {
      const page: { items: typeof seen; next: string | null } = await json(
        'GET',
        `/api/campaigns/${campaignId}/job-page?limit=3&fields=key,kind,status${after ? `&after=${after}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const item of page.items) expect(Object.keys(item).sort()).toEqual(['key', 'kind', 'status']);
      seen.push(...page.items);
      after = page.next;
    } while (after);
    const jobs = await json<Array<{ key: string; kind: string }>>('GET', `/api/campaigns/${campaignId}/jobs`);
    expect(seen.map((j) => j.key)).toEqual(jobs.map((j) => j.key));
    const sims = await json<{ items: Array<{ kind: string; durationMs: number; startedAt: string }> }>(
      'GET',
      `/api/campaigns/${campaignId}/job-page?kind=sim&status=completed`,
    );
    expect(sims.items).toHaveLength(6);
    for (const job of sims.items) {
      expect(job.kind).toBe('sim');
      expect(job.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(job.startedAt)).toBeGreaterThan(0);
    }
    expect((await json<{ items: unknown[] }>('GET', `/api/campaigns/${campaignId}/job-page?kind=train`)).items).toHaveLength(1);
    const forged = await call(
      'GET',
      `/api/campaigns/${campaignId}/job-page?after=${Buffer.from(JSON.stringify({ p: INJECTION })).toString('base64url')}`,
    );
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: string }).error).toMatch(/^query after: /);
  });

  it('pages results by keyset with projected fields', async () => {
    const first = await json<{ items: Array<Record<string, unknown>>; next: string }>(
      'GET',
      `/api/result-page?campaign=${campaignId}&limit=4&fields=jobKey,variant,totalCycles`,
    );
    expect(first.items).toHaveLength(4);
    expect(Object.keys(first.items[0]!).sort()).toEqual(['jobKey', 'totalCycles', 'variant']);
    const second = await json<typeof first>('GET', `/api/result-page?campaign=${campaignId}&limit=4&fields=jobKey&after=${first.next}`);
    expect(second.items).toHaveLength(2);
    expect(second.next).toBeNull();
    const all = await json<Array<{ jobKey: string; totalCycles: number }>>('GET', `/api/results?campaign=${campaignId}`);
    expect([...first.items, ...second.items].map((r) => r.jobKey).sort()).toEqual(all.map((r) => r.jobKey).sort());
    for (const item of first.items) expect(item.totalCycles).toBe(all.find((r) => r.jobKey === item.jobKey)!.totalCycles);
  });

  it('bounds the list routes by `limit`', async () => {
    for (const path of ['/api/training-curves', '/api/search-fronts', '/api/training-results']) {
      const all = await json<unknown[]>('GET', `${path}?campaign=${campaignId}`);
      expect(all.length, path).toBeGreaterThanOrEqual(1);
      expect(await json('GET', `${path}?campaign=${campaignId}&limit=1`), path).toEqual(all.slice(0, 1));
      const over = await call('GET', `${path}?limit=100001`);
      expect(over.status).toBe(400);
      expect(((await over.json()) as { error: string }).error).toBe('query limit: at most 100000');
    }
  });

  it('adds startedAt to the campaign list', async () => {
    const list = await json<Array<{ campaignId: string; startedAt: string | null; finishedAt: string; jobs: { total: number } }>>(
      'GET',
      '/api/campaigns',
    );
    const mine = list.find((c) => c.campaignId === campaignId)!;
    expect(mine.jobs.total).toBe(8);
    expect(Date.parse(mine.startedAt!)).toBeLessThanOrEqual(Date.parse(mine.finishedAt));
  });
});

describe('views', () => {
  it('/api/views/compare: speed-up = the baseline on plain ÷ the variant on its hardware, with the stored cycles', async () => {
    const results = await json<Array<{ variant: string; rows: number; cols: number; hardware: string; totalCycles: number }>>(
      'GET',
      `/api/results?campaign=${campaignId}`,
    );
    const { rows } = await json<{
      rows: Array<{
        network: string;
        variant: string;
        rows: number;
        cols: number;
        hardware: string;
        totalCycles: number;
        baselineCycles: number;
        speedup: number;
      }>;
    }>('GET', `/api/views/compare?networks=mobilenet_v2&variants=baseline,fuse_half&campaign=${campaignId}`);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const own = results.find((r) => r.variant === row.variant && r.rows === row.rows && r.cols === row.cols)!;
      const base = results.find((r) => r.variant === 'baseline' && r.hardware === 'plain' && r.rows === row.rows && r.cols === row.cols)!;
      expect(row.hardware).toBe(row.variant === 'baseline' ? 'plain' : 'fuse');
      expect(row.totalCycles).toBe(own.totalCycles);
      expect(row.baselineCycles).toBe(base.totalCycles);
      expect(row.speedup).toBeCloseTo(base.totalCycles / own.totalCycles, 12);
    }
    expect(rows.filter((r) => r.variant === 'fuse_half').every((r) => r.speedup > 1)).toBe(true);
    expect((await json<{ rows: unknown[] }>('GET', '/api/views/compare?networks=mobilenet_v2&model=stos')).rows).toEqual([]);
  });

  it('/api/views/breakdown: cycles by operator class add up to the total; layers and the utilisation heatmap', async () => {
    const results = await json<
      Array<{
        variant: string;
        rows: number;
        cols: number;
        totalCycles: number;
        cyclesByClass: Record<string, number>;
        layers: Array<{ name: string; cycles: number; utilization: number }>;
      }>
    >('GET', `/api/results?campaign=${campaignId}&layers=true`);
    const view = await json<{
      byClass: Array<{ variant: string; rows: number; cols: number; pointwise: number; depthwise: number; fuse1d: number; other: number }>;
      layers: Array<{ variant: string; index: number; cycles: number; baselineCycles: number | null; speedup: number | null }>;
      blocks: Array<{ variant: string; block: string; baselineCycles: number | null; speedup: number | null }>;
      heatmap: Array<{ variant: string; rows: number; cols: number; utilization: number[] }>;
    }>('GET', `/api/views/breakdown?network=mobilenet_v2&campaign=${campaignId}&array=32x32`);
    expect(view.byClass).toHaveLength(6);
    for (const row of view.byClass) {
      const stored = results.find((r) => r.variant === row.variant && r.rows === row.rows && r.cols === row.cols)!;
      expect(row.pointwise + row.depthwise + row.fuse1d + row.other).toBe(stored.totalCycles);
      expect(row.pointwise).toBe(stored.cyclesByClass.pointwise ?? 0);
      expect(row.fuse1d).toBe(stored.cyclesByClass['fuse-1d'] ?? 0);
    }
    expect(view.byClass.find((r) => r.variant === 'baseline')!.fuse1d).toBe(0);
    expect(view.byClass.find((r) => r.variant === 'fuse_half')!.fuse1d).toBeGreaterThan(0);
    const fuse32 = results.find((r) => r.variant === 'fuse_half' && r.rows === 32 && r.cols === 32)!;
    const layers = view.layers.filter((l) => l.variant === 'fuse_half');
    expect(layers.map((l) => l.cycles)).toEqual(fuse32.layers.map((l) => l.cycles));
    expect(view.layers.filter((l) => l.variant === 'baseline').every((l) => l.speedup === 1)).toBe(true);
    // Layer-wise speed-up by block (`features.3.…`): the baseline's cycles in the block ÷ the variant's.
    const base32 = results.find((r) => r.variant === 'baseline' && r.rows === 32 && r.cols === 32)!;
    const blockOf = (name: string) => name.split('.').slice(0, 2).join('.');
    const sum = (layerList: Array<{ name: string; cycles: number }>, block: string) =>
      layerList.filter((l) => blockOf(l.name) === block).reduce((a, l) => a + l.cycles, 0);
    const fuseBlocks = view.blocks.filter((b) => b.variant === 'fuse_half');
    expect(fuseBlocks.map((b) => b.block)).toEqual([...new Set(fuse32.layers.map((l) => blockOf(l.name)))]);
    for (const block of fuseBlocks) {
      expect(block.baselineCycles, block.block).toBe(sum(base32.layers, block.block));
      expect(block.speedup).toBeCloseTo(sum(base32.layers, block.block) / sum(fuse32.layers, block.block), 12);
    }
    expect(fuseBlocks.some((b) => b.speedup! > 1)).toBe(true);
    // The heatmap: one entry per variant and array, each layer's utilisation in layer order.
    expect(view.heatmap.filter((u) => u.variant === 'fuse_half' && u.rows === 32 && u.cols === 32).map((u) => u.utilization)).toEqual([
      fuse32.layers.map((l) => l.utilization),
    ]);
    expect(new Set(view.heatmap.map((u) => `${u.rows}x${u.cols}`))).toEqual(new Set(['16x16', '32x32', '16x32']));
    const heat = await json<typeof view>('GET', `/api/views/breakdown?network=mobilenet_v2&campaign=${campaignId}&heatmap=fuse_half`);
    expect(heat.heatmap).toEqual(view.heatmap.filter((u) => u.variant === 'fuse_half'));
    // Results written before migration 0004 have no copy of their layers' utilisations on the
    // result row: the heatmap is then aggregated from the layer rows, with the same numbers.
    const copied = await stack.database.db.execute(sql`select count(*)::int as n from sim_results where layer_utilization is not null`);
    expect((copied as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(results.length);
    await stack.database.db.execute(sql`update sim_results set layer_utilization = null where variant = 'fuse_half'`);
    const old = await json<typeof view>('GET', `/api/views/breakdown?network=mobilenet_v2&campaign=${campaignId}&heatmap=fuse_half`);
    expect(old.heatmap).toEqual(heat.heatmap);
  });

  it('/api/views/paper: the numbers of `fuselab table --json`', async () => {
    const cli = JSON.parse(
      execFileSync(
        process.execPath,
        [join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js'), 'table', '--network', 'mobilenet_v2', '--array', '32x32', '--json'],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      ),
    ) as Record<string, unknown>;
    const { tables } = await json<{
      tables: Array<
        Record<string, unknown> & {
          accuracy: Array<{
            variant: string;
            method: string;
            seeds: number;
            mean: number;
            epochs: number;
            setting: Record<string, string>;
          }>;
        }
      >;
    }>('GET', `/api/views/paper?network=mobilenet_v2&array=32x32&campaign=${campaignId}`);
    expect(tables).toHaveLength(1);
    const { accuracy, ...table } = tables[0]!;
    expect(table).toEqual(cli);
    expect(accuracy.map((a) => [a.variant, a.method, a.seeds])).toEqual([['baseline', 'scratch', 1]]);
    // Seeds are pooled only within a setting, the one /training names for the same run.
    const { finals } = await json<{ finals: Array<{ testAccuracy: number; epochs: number; setting: Record<string, string> }> }>(
      'GET',
      `/api/views/training?campaign=${campaignId}`,
    );
    expect(accuracy[0]).toMatchObject({ setting: finals[0]!.setting, epochs: finals[0]!.epochs, mean: finals[0]!.testAccuracy });
  }, 60_000);

  it('/api/views/training: curves downsampled on the server, epoch summaries and final accuracy', async () => {
    const curves = (
      await json<Array<{ jobKey: string; step: number; split: string; metric: string; value: number }>>(
        'GET',
        `/api/training-curves?campaign=${campaignId}`,
      )
    ).filter((c) => c.metric === 'loss' && c.split === 'train' && c.step >= 0);
    expect(curves.length).toBe(2); // 64 images, batch 32, one epoch
    const view = await json<{
      curves: Array<{
        network: string;
        variant: string;
        method: string;
        seed: number;
        points: Array<{ step: number; loss: number }>;
        epochs: Array<{ epoch: number; testAccuracy: number }>;
      }>;
      finals: Array<{ testAccuracy: number }>;
    }>('GET', `/api/views/training?campaign=${campaignId}&maxPoints=1`);
    expect(view.curves).toHaveLength(1);
    const [curve] = view.curves;
    expect(curve).toMatchObject({ network: 'mobilenet_v2', variant: 'baseline', method: 'scratch', seed: 1 });
    expect(curve!.points).toHaveLength(1); // two steps averaged into one point
    expect(curve!.points[0]!.step).toBe(1);
    expect(curve!.points[0]!.loss).toBeCloseTo((curves[0]!.value + curves[1]!.value) / 2, 12);
    const full = await json<typeof view>('GET', `/api/views/training?campaign=${campaignId}`);
    expect(full.curves[0]!.points.map((p) => p.loss)).toEqual(curves.map((c) => c.value));
    const finals = await json<Array<{ testAccuracy: number }>>('GET', `/api/training-results?campaign=${campaignId}`);
    expect(view.finals.map((f) => f.testAccuracy)).toEqual(finals.map((f) => f.testAccuracy));
    expect(curve!.epochs[0]!.testAccuracy).toBe(finals[0]!.testAccuracy);
  });

  it('/api/views/search: candidates, the final front and hypervolume per generation', async () => {
    const view = await json<{
      searches: Array<{ name: string }>;
      candidates: Array<{ objectives: Record<string, number> }>;
      front: Array<{ key: string }>;
      hypervolume: Array<{ generation: number; hypervolume: number }>;
    }>('GET', `/api/views/search?campaign=${campaignId}&search=tiny-search`);
    expect(view.searches.map((s) => s.name)).toEqual(['tiny-search']);
    expect(view.candidates).toHaveLength(8);
    const [searched] = await json<Array<{ front: Array<{ key: string }> }>>('GET', `/api/campaigns/${campaignId}/searches`);
    expect(view.front.map((p) => p.key).sort()).toEqual(searched!.front.map((p) => p.key).sort());
    expect(view.hypervolume.length).toBeGreaterThanOrEqual(1);
    const hv = view.hypervolume.map((h) => h.hypervolume);
    for (let i = 1; i < hv.length; i++) expect(hv[i]!).toBeGreaterThanOrEqual(hv[i - 1]! - 1e-12); // fronts only improve
    expect(hv.at(-1)!).toBeGreaterThan(0);
    expect((await call('GET', `/api/views/search?campaign=${campaignId}&search=nope`)).status).toBe(400);
  });

  it('POST /api/specs/validate counts the jobs, or answers the CLI’s one-line message', async () => {
    const ok = await json<{ ok: boolean; name: string; jobs: Record<string, number> }>('POST', '/api/specs/validate', { body: { spec } });
    expect(ok).toEqual({ ok: true, name: 'routes', jobs: { simulations: 6, trainings: 1, searches: 1, total: 8 } });
    const bad = await call('POST', '/api/specs/validate', {
      body: { spec: { name: 'x', simulations: { networks: ['resnet'], variants: 'all', arrays: [8] } } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^simulations\.networks\[0\]: unknown network "resnet"/);
  });
});

describe('hostile input', () => {
  /** Every filter of every GET route with a query. */
  const FILTERS: Array<[string, string[]]> = [
    ['/api/results', ['campaign', 'network', 'variant', 'array', 'model', 'hardware', 'layers', 'limit']],
    ['/api/campaigns/:id/results', ['network', 'variant', 'array', 'model', 'hardware']],
    ['/api/result-page', ['campaign', 'network', 'variant', 'array', 'model', 'fields', 'after']],
    ['/api/campaigns/:id/jobs', ['status', 'limit', 'offset']],
    ['/api/campaigns/:id/job-page', ['status', 'kind', 'limit', 'after', 'fields']],
    ['/api/campaigns/:id/export', ['checkpoints']],
    ['/api/training-results', ['campaign', 'limit']],
    ['/api/training-curves', ['campaign', 'limit']],
    ['/api/search-fronts', ['campaign', 'limit']],
    ['/api/views/compare', ['networks', 'variants', 'model', 'hardware', 'campaign', 'dataflow', 'inputSize']],
    ['/api/views/breakdown', ['network', 'variants', 'arrays', 'array', 'model', 'campaign']],
    ['/api/views/paper', ['network', 'array', 'model', 'campaign']],
    ['/api/views/training', ['campaign', 'maxPoints', 'limit']],
    ['/api/views/search', ['campaign', 'search', 'limit']],
  ];
  const base: Record<string, string> = { '/api/views/breakdown': 'network=mobilenet_v2', '/api/views/search': 'campaign=:id' };

  it('an SQL-injection string in any filter is a 400 naming it or an empty answer, and changes nothing', async () => {
    const before = await counts();
    for (const [path, params] of FILTERS) {
      for (const param of params) {
        const others = (base[path] ?? '').split('&').filter((p) => p && !p.startsWith(`${param}=`));
        const url = `${path.replaceAll(':id', encodeURIComponent(campaignId))}?${[...others.map((p) => p.replace(':id', encodeURIComponent(campaignId))), `${param}=${encodeURIComponent(INJECTION)}`].join('&')}`;
        const response = await call('GET', url);
        const body = (await response.json()) as unknown;
        if (response.status === 400) {
          expect((body as { error: string }).error, url).toMatch(new RegExp(`^query ${param}(\\[\\d+\\])?: `));
          continue;
        }
        if (response.status === 404) {
          expect((body as { error: string }).error, url).toMatch(/^no campaign "/);
          continue;
        }
        expect(response.status, url).toBe(200);
        const { rows, items, curves, byClass } = body as Record<string, unknown[] | undefined>;
        expect(Array.isArray(body) ? body : (rows ?? items ?? curves ?? byClass), url).toEqual([]);
      }
    }
    expect(await counts()).toEqual(before);
  }, 60_000);

  it('answers 400 naming the field for bad queries, 414 for an overlong URL', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/views/compare?model=fast', /^query model: expected one of reference, scalesim, stos/],
      ['/api/views/compare?networks=mobilenet_v2,resnet', /^query networks(\[1\])?: unknown network "resnet"/],
      ['/api/views/breakdown', /^query network: /],
      ['/api/views/breakdown?network=mobilenet_v2&array=big', /^query array: expected N or RxC/],
      ['/api/campaigns/:id/job-page?limit=5000', /^query limit: at most 1000/],
      ['/api/views/training?maxPoints=0', /^query maxPoints: expected a positive integer/],
      ['/api/results?colour=red', /^query: unknown field "colour"/],
      ['/api/results?network=a&network=b', /^query network: /],
    ];
    for (const [path, message] of cases) {
      const response = await call('GET', path.replace(':id', encodeURIComponent(campaignId)));
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error, path).toMatch(message);
    }
    expect((await call('GET', `/api/results?network=${'a'.repeat(5000)}`)).status).toBe(414);
  });

  it('refuses oversized bodies with 413 (a large import is allowed) and writes nothing', async () => {
    const before = await counts();
    const big = 'x'.repeat(1_200_000);
    for (const path of ['/api/campaigns', '/api/specs/validate']) {
      const response = await call('POST', path, { body: { spec: `name: big\n# ${big}` } });
      expect(response.status, path).toBe(413);
      expect(((await response.json()) as { error: string }).error).toMatch(/^body: larger than the limit/);
    }
    const imported = await call('POST', '/api/import', { body: { format: 'fuselab-campaign-export', padding: big } });
    expect(imported.status).toBe(400); // parsed (not 413), then refused as an export document
    expect(await counts()).toEqual(before);
  });

  it('imports its own export again without adding anything', async () => {
    const before = await counts();
    const doc = await json('GET', `/api/campaigns/${campaignId}/export`);
    const response = await call('POST', '/api/import', { body: doc });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ campaignId, jobs: 8, simResults: 6, trainingResults: 1, searchResults: 1 });
    expect(await counts()).toEqual(before);
  });
});

describe('trained checkpoints', () => {
  it("serves a training's checkpoint as the file `fuselab train` writes; the HTTP client reads it as the local service does", async () => {
    const path = `/api/campaigns/${campaignId}/trainings/${trainingKey.slice(0, 8)}/checkpoint`;
    const response = await call('GET', path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/gzip/);
    const local = await stack.service.trainedCheckpoint(campaignId, trainingKey);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename=${local.fileName}`);
    expect(local.fileName).toMatch(
      new RegExp(`^mobilenet_v2-baseline-scratch-w0.25-synthetic-s1-${trainingKey.slice(0, 8)}\\.ckpt\\.json\\.gz$`),
    );
    expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), Buffer.from(local.bytes))).toBe(0);
    // A checkpoint: gzip-compressed JSON with the network's weights.
    expect(JSON.parse(gunzipSync(local.bytes).toString())).toMatchObject({ weights: expect.any(Array) });
    const client = new HttpCampaignService(api.url, TOKEN);
    const remote = await client.trainedCheckpoint(campaignId, trainingKey.slice(0, 6));
    // (Bytes by Buffer.compare: a deep equality over a megabyte holds the event loop for seconds.)
    expect(Buffer.compare(Buffer.from(remote.bytes), Buffer.from(local.bytes))).toBe(0);
    expect({ ...remote, bytes: null }).toEqual({ ...local, bytes: null });
    // Bad keys: 400 naming `key`, or 404; through the client, the local service's errors.
    const bad = await call('GET', `/api/campaigns/${campaignId}/trainings/zz/checkpoint`);
    expect([bad.status, await bad.json()]).toEqual([
      400,
      expect.objectContaining({ field: 'key', problem: expect.stringMatching(/not a job key/) }),
    ]);
    const other = trainingKey.startsWith('000000') ? '111111' : '000000';
    expect((await call('GET', `/api/campaigns/${campaignId}/trainings/${other}/checkpoint`)).status).toBe(404);
    expect((await call('GET', `/api/campaigns/no-such-campaign/trainings/${trainingKey}/checkpoint`)).status).toBe(404);
    await expect(client.trainedCheckpoint(campaignId, 'zz')).rejects.toMatchObject({ name: 'SpecError', field: 'key' });
    await expect(client.trainedCheckpoint(campaignId, other)).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('caching, sessions, events and static files', () => {
  it('answers an unchanged GET with 304 when the ETag matches', async () => {
    for (const path of ['/api/campaigns', `/api/views/compare?campaign=${campaignId}`, `/api/campaigns/${campaignId}/job-page`]) {
      const first = await call('GET', path);
      const etag = first.headers.get('etag');
      expect(etag, path).toBeTruthy();
      expect(first.headers.get('cache-control')).toBe('no-cache');
      // As a browser's HTTP cache revalidates (fetch would add `cache-control: no-cache` to a
      // hand-set If-None-Match, which asks the server for the full answer).
      const again = await call('GET', path, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe('');
    }
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie that opens the API and the dashboard until signed out', async () => {
    expect(await json('GET', '/api/session', { auth: 'none' })).toEqual({ authRequired: true, authenticated: false });
    const wrong = await call('POST', '/api/session', { auth: 'none', body: { token: 'not-the-token-0123456789' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const signIn = await call('POST', '/api/session', { auth: 'none', body: { token: TOKEN } });
    expect(signIn.status).toBe(204);
    const setCookie = signIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^fuselab_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\//);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = { cookie: setCookie.split(';')[0]! };
    expect(await json('GET', '/api/session', { auth: cookie })).toEqual({ authRequired: true, authenticated: true });
    expect((await call('GET', '/api/campaigns', { auth: cookie })).status).toBe(200);
    const page = await call('GET', '/compare', { auth: cookie });
    expect(await page.text()).toBe(INDEX_HTML);
    const events = await readStream('/api/events', (text) => text.includes('event: campaigns'), cookie);
    expect(events.status).toBe(200);
    // The login form (no script): form-encoded, then back to the page asked for.
    const form = await fetch(`${api.url}/api/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, next: '/paper?network=mobilenet_v2' }),
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/paper?network=mobilenet_v2');
    const offsite = await fetch(`${api.url}/api/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, next: '//evil.example/' }),
    });
    expect(offsite.headers.get('location')).toBe('/');
    const signOut = await call('DELETE', '/api/session', { auth: cookie });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/^fuselab_session=; .*Max-Age=0/);
    expect((await call('GET', '/api/campaigns', { auth: cookie })).status).toBe(401);
  });

  it('streams the campaign list and heartbeats on /api/events', async () => {
    const stream = await readStream('/api/events', (text) => text.includes('event: campaigns') && text.includes(': heartbeat'));
    const [, data] = /event: campaigns\ndata: (.*)\n/.exec(stream.text)!;
    const list = JSON.parse(data!) as Array<{ campaignId: string; status: string; startedAt: string | null }>;
    expect(list.find((c) => c.campaignId === campaignId)).toMatchObject({ status: 'completed' });
    expect(stream.text).toContain(': heartbeat');
  });

  it('ends a finished campaign’s own stream with `done`', async () => {
    const stream = await readStream(`/api/campaigns/${campaignId}/events`, () => false);
    const events = [...stream.text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => [m[1], JSON.parse(m[2]!).status]);
    expect(events).toEqual([
      ['progress', 'completed'],
      ['done', 'completed'],
    ]);
  });

  it('serves the built dashboard: index.html for the app’s routes, assets, 404 elsewhere', async () => {
    const paths = ROUTE_LIST.map((route) => route.pattern.replace(':id', 'abc'));
    expect(paths).toEqual(expect.arrayContaining(['/', '/campaigns/abc', '/compare', '/breakdown', '/paper', '/training', '/search']));
    for (const path of [...paths, '/compare?networks=a', '/compare/', '/campaigns/abc/']) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe(INDEX_HTML);
    }
    const asset = await call('GET', '/assets/app-abc123.js');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await call('GET', '/assets/missing.js')).status).toBe(404);
    expect((await call('GET', '/no-such-view')).status).toBe(404);
    expect((await call('GET', '/campaigns/abc/jobs')).status).toBe(404);
    expect((await call('GET', '/campaigns')).status).toBe(404);
    expect((await call('GET', '/api/no-such-route')).status).toBe(404);
  });

  it('without a build (no index.html or routes.json), a page says how to build the dashboard', async () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'fuselab-unbuilt-'));
    writeFileSync(join(unbuilt, 'index.html'), INDEX_HTML); // an old build without routes.json
    const bare = await startApi({
      service: stack.service,
      logger: stack.logger,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      dashboardDir: unbuilt,
    });
    try {
      const response = await fetch(`${bare.url}/compare`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/the dashboard is not built: run .*build/);
      expect((await fetch(`${bare.url}/api/campaigns`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await bare.close();
      rmSync(unbuilt, { recursive: true, force: true });
    }
  });
});
