// The REST API with SSE over a real stack: Temporal dev server, PGlite, in-process workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../apps/orchestrator/dist/api/server.js';
import { silentLogger } from './helpers/services.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const TOKEN = 'test-token-0123456789abcdef';
let stack: TestStack;
let api: RunningApi;
let service: TestStack['service'];

const call = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

beforeAll(async () => {
  stack = await startTestStack({ queues: ['sim'], concurrency: 4 });
  service = stack.service;
  api = await startApi({ service, logger: stack.logger, host: '127.0.0.1', port: 0, token: TOKEN, eventIntervalMs: 100 });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await stack?.stop();
}, 60_000);

describe('fuselab API', () => {
  it('requires the bearer token when one is set', async () => {
    expect((await call('GET', '/api/campaigns', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/campaigns', undefined, 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await call('GET', '/api/campaigns')).status).toBe(200);
  });

  it('refuses to bind a non-loopback address without a token', async () => {
    await expect(startApi({ service, logger: await silentLogger(), host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /not a loopback address: set FUSELAB_API_TOKEN/,
    );
  });

  it('answers 400 naming the field for invalid bodies, and writes nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { spec: { name: 'x', simulations: { networks: ['resnet'], variants: 'all', arrays: [8] } } },
        /^simulations\.networks\[0\]: unknown network "resnet"/,
      ],
      [
        { spec: 'name: x\ntrainings:\n  - { dataset: cifar10, network: mobilenet_v2, variants: all, epochs: 1 }\n' },
        /^trainings\[0\]\.dataDir: cifar10 needs dataDir/,
      ],
      [
        { spec: { name: 'x', simulations: { networks: 'all', variants: 'all', arrays: [8] } }, concurrency: -1 },
        /^concurrency: expected a positive integer/,
      ],
      [{ specification: {} }, /^spec: |unknown field/],
      ['{not json', /^body: not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const response = await call('POST', '/api/campaigns', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect(await (await call('GET', '/api/campaigns')).json()).toEqual([]);
    expect((await call('GET', '/api/results?hardware=gpu')).status).toBe(400);
  });

  it('creates a campaign from a spec, streams progress as server-sent events, and serves results with filters', async () => {
    const created = await call('POST', '/api/campaigns', {
      spec: 'name: tiny\nsimulations: {networks: [mobilenet_v2], variants: [baseline, fuse_half], arrays: [32, 64]}\n',
    });
    expect(created.status).toBe(201);
    const { campaignId, total } = (await created.json()) as { campaignId: string; total: number };
    expect(total).toBe(4);

    const events = await call('GET', `/api/campaigns/${campaignId}/events`);
    expect(events.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await events.text(); // the stream ends after the `done` event
    const parsed = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]!) as { status: string; completed: number; total: number },
    }));
    expect(parsed.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed', completed: 4, total: 4 } });
    expect(parsed.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(1);

    const detail = (await (await call('GET', `/api/campaigns/${campaignId}`)).json()) as { status: string; jobs: { completed: number } };
    expect(detail).toMatchObject({ status: 'completed', jobs: { completed: 4 } });
    const jobs = (await (await call('GET', `/api/campaigns/${campaignId}/jobs?status=completed`)).json()) as unknown[];
    expect(jobs).toHaveLength(4);
    const filtered = (await (
      await call('GET', `/api/results?campaign=${campaignId}&network=mobilenet_v2&variant=fuse_half&array=64&hardware=fuse&model=reference`)
    ).json()) as Array<{ rows: number; variant: string }>;
    expect(filtered.map((r) => [r.variant, r.rows])).toEqual([['fuse_half', 64]]);
    expect(await (await call('GET', `/api/training-curves?campaign=${campaignId}`)).json()).toEqual([]);
    expect(await (await call('GET', `/api/search-fronts?campaign=${campaignId}`)).json()).toEqual([]);
    expect((await call('GET', '/api/campaigns/nope')).status).toBe(404);
    expect(await (await call('POST', `/api/campaigns/${campaignId}/cancel`)).json()).toEqual({ campaignId, status: 'completed' });
  }, 60_000);
});
