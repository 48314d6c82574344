// The campaign workflow end to end on the real Temporal dev server, with in-process workers and
// PGlite, and the replay check: recorded histories must replay against the current workflow code.
import { readdirSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { WORKFLOW_BUNDLE_PATH } from '../../apps/orchestrator/dist/temporal/worker.js';
import { simulateVariant } from '../../apps/orchestrator/dist/sim/variant-simulation.js';
import { HISTORIES, RECORD_HISTORIES as record, readHistory, writeHistory, type History } from './helpers/histories.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const tiny = {
  name: 'tiny',
  seed: 1,
  simulations: { networks: ['mobilenet_v2'], variants: ['baseline', 'fuse_half'], arrays: [32, 64], models: ['reference'] },
};
const paper = { name: 'paper-sweep', simulations: { networks: 'all', variants: 'all', arrays: [8, 16, 32, 64, 128, 256] } };

let stack: TestStack;
let store: TestStack['store'];
let workers: TestStack['workers'];
let client: TestStack['client'];
let service: TestStack['service'];
const finished: Array<{ name: string; id: string }> = [];

beforeAll(async () => {
  stack = await startTestStack({ queues: ['sim'], concurrency: 4 });
  ({ store, workers, client, service } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('campaignWorkflow on the Temporal dev server', () => {
  it('runs every simulation job, stores each result once, and reports progress through a query', async () => {
    const submitted = await service.submit(tiny);
    expect(submitted.total).toBe(4);
    const seen: number[] = [];
    const final = await follow(service, submitted.campaignId, (p) => seen.push(p.completed), 100);
    expect(final).toMatchObject({ status: 'completed', total: 4, completed: 4, failed: 0, reused: 0 });
    const results = await store.simResults({ campaignId: submitted.campaignId });
    expect(results).toHaveLength(4);
    for (const row of results) {
      const expected = simulateVariant({
        network: 'mobilenet_v2',
        variant: row.variant as 'baseline',
        rows: row.rows,
        cols: row.cols,
        model: 'reference',
      });
      expect(row.totalCycles).toBe(expected.totalCycles);
      expect(row.hardware).toBe(row.variant === 'baseline' ? 'plain' : 'fuse');
    }
    const jobs = (await store.listJobs(submitted.campaignId)) as Array<{ status: string; worker: string; attempts: number }>;
    expect(jobs.every((j) => j.status === 'completed' && j.worker === workers.identity && j.attempts === 1)).toBe(true);
    const detail = await store.getCampaign(submitted.campaignId);
    expect(detail).toMatchObject({
      status: 'completed',
      codeVersion: expect.stringContaining('systolic-sim@'),
      jobs: { total: 4, completed: 4 },
    });
    finished.push({ name: 'tiny-completed', id: submitted.campaignId });
  }, 60_000);

  it('reuses finished jobs on a re-run and recomputes them with force', async () => {
    const again = await service.submit(tiny);
    expect(await follow(service, again.campaignId, () => undefined, 100)).toMatchObject({
      status: 'completed',
      total: 4,
      completed: 0,
      reused: 4,
    });
    finished.push({ name: 'tiny-reused', id: again.campaignId });
    const forced = await service.submit(tiny, { force: true });
    expect(await follow(service, forced.campaignId, () => undefined, 100)).toMatchObject({
      status: 'completed',
      total: 4,
      completed: 4,
      reused: 0,
    });
    expect(await store.simResults({ network: 'mobilenet_v2' })).toHaveLength(4);
  }, 60_000);

  it('cancels through the signal: running jobs stop being scheduled, the rest are marked cancelled', async () => {
    // One lane, chunks of 5 simulations: the cancel lands while most chunks are still unscheduled.
    const submitted = await service.submit(paper, { concurrency: 1, batchSize: 5 });
    expect(submitted.total).toBe(150);
    for (let i = 0; i < 200 && (await service.progress(submitted.campaignId)).completed < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await service.cancel(submitted.campaignId)).toEqual({ campaignId: submitted.campaignId, status: 'cancelling' });
    const final = await follow(service, submitted.campaignId, () => undefined, 100);
    expect(final.status).toBe('cancelled');
    expect(final.cancelled).toBeGreaterThan(100);
    expect(final.completed + final.cancelled + final.reused).toBe(150);
    expect((await store.getCampaign(submitted.campaignId))!.status).toBe('cancelled');
    // The chunk that was running when the cancel came had stopped before the campaign took its
    // final counts: what is stored is what the campaign says (its completed jobs, and the reused
    // ones an earlier test stored), and stays so.
    expect(await store.simResults({ campaignId: submitted.campaignId })).toHaveLength(final.completed + final.reused);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await store.simResults({ campaignId: submitted.campaignId })).toHaveLength(final.completed + final.reused);
    finished.push({ name: 'paper-cancelled', id: submitted.campaignId });
  }, 60_000);

  it('sends simulation chunks as position ranges, and grows a chunk past 100 jobs rather than exceed the chunk bound', async () => {
    // At most one chunk (maxSimChunks 1): the 150 jobs run as one activity whose input is one range.
    const submitted = await service.submit({ ...paper, name: 'paper-ranged' }, { force: true, concurrency: 4, maxSimChunks: 1 });
    const final = await follow(service, submitted.campaignId, () => undefined, 100);
    expect(final).toMatchObject({ status: 'completed', total: 150, completed: 150, failed: 0 });
    expect(await store.simResults({ campaignId: submitted.campaignId })).toHaveLength(150);
    const history = (await client.client.workflow.getHandle(submitted.campaignId).fetchHistory()) as History;
    const inputs = (history.events ?? [])
      .map((event) => event.activityTaskScheduledEventAttributes)
      .filter((attributes) => attributes?.activityType?.name === 'runSimulationBatch')
      .map((attributes) => JSON.parse(Buffer.from(attributes!.input!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>);
    expect(inputs).toEqual([{ campaignId: submitted.campaignId, ranges: [[0, 150]], force: true }]);
    finished.push({ name: 'paper-ranged', id: submitted.campaignId });
  }, 60_000);

  it('replays recorded histories against the current workflow code', async () => {
    const histories: Array<{ workflowId: string; history: History }> = [];
    for (const { name, id } of finished) {
      const history = await client.client.workflow.getHandle(id).fetchHistory();
      histories.push({ workflowId: id, history: history as History });
      // Fixtures of earlier versions stay (v1: tiny-completed, tiny-reused, paper-cancelled, before
      // batched-jobs-v2; v2-*: before sim-ranges-v4); recording writes the current version's beside them.
      if (record) writeHistory(`v4-${name}`, history);
    }
    // Fixtures recorded by earlier versions of the workflow code (FUSELAB_RECORD_HISTORIES=1 writes them).
    const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files)
      histories.push({
        workflowId: file.replace(/\.json$/, ''),
        history: readHistory(file),
      });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
