// Training jobs in a campaign on the real Temporal dev server (PGlite, in-process workers on
// fuselab-sim and fuselab-train): a baseline and a NOS student taught by it. Fault injection makes
// attempt 1 of every training stop right after its step-2 checkpoint reached the database; the
// retry resumes from that checkpoint and must end with bitwise the same weights and accuracy as an
// uninterrupted run of the same job (same process, same backend). Since a retry that ignored the
// checkpoint and re-ran from step 0 would end there too, `resumedFrom` (which the activity derives
// from the optimizer steps the retry executed) must say the retry ran steps 2… only.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { expandSpec } from '../../apps/orchestrator/dist/campaigns/expand.js';
import { normaliseSpec } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { jobKey } from '../../apps/orchestrator/dist/campaigns/versions.js';
import { DashboardQueries } from '../../apps/orchestrator/dist/store/dashboard-queries.js';
import {
  checkpoints as checkpointsTable,
  jobs as jobsTable,
  trainingMetrics as trainingMetricsTable,
  trainingResults as trainingResultsTable,
} from '../../apps/orchestrator/dist/store/schema.js';
import { createTrainActivities } from '../../apps/orchestrator/dist/activities/train.js';
import { decodeCheckpoint, encodeCheckpoint, runTraining } from '../../apps/orchestrator/dist/train/training.js';
import { writeImageFolder } from '../helpers/image-folder.js';
import { trainingChildrenOf, waitFor } from './helpers/probes.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const spec = {
  name: 'nos-tiny',
  seed: 1,
  trainings: [
    {
      name: 'base',
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variants: ['baseline'],
      width: 0.25,
      epochs: 2,
      limit: 128,
      batch: 32,
      seeds: [5],
    },
    {
      name: 'nos',
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variants: ['fuse_half'],
      width: 0.25,
      method: 'nos',
      teacher: 'base',
      epochs: 1,
      limit: 128,
      batch: 32,
      seeds: [5],
    },
  ],
};

let stack: TestStack;
let store: TestStack['store'];
let client: TestStack['client'];
let service: TestStack['service'];

beforeAll(async () => {
  stack = await startTestStack({ queues: ['sim', 'train'], concurrency: 2, train: { checkpointEvery: 2, failAfterStep: 2 } });
  ({ store, client, service } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const floats = (b64: string) => new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer);

describe('training jobs (fuselab-train)', () => {
  it('run after their teacher, resume from the stored checkpoint after a failed attempt, and match an uninterrupted run', async () => {
    const submitted = await service.submit(spec);
    expect(submitted.total).toBe(2);
    const final = await follow(service, submitted.campaignId, () => undefined, 200);
    expect(final).toMatchObject({ status: 'completed', total: 2, completed: 2, failed: 0 });

    const jobs = (await store.listJobs(submitted.campaignId)) as Array<{ key: string; group: string; status: string; attempts: number }>;
    expect(jobs.map((j) => [j.group, j.status, j.attempts])).toEqual([
      ['base', 'completed', 2],
      ['nos', 'completed', 2],
    ]);
    // Each attempt wrote signs of life to its job row (what the dashboard reads to tell a lost
    // worker); the last attempt's came after it started.
    const signs = await stack.database.db
      .select({ startedAt: jobsTable.startedAt, heartbeatAt: jobsTable.heartbeatAt })
      .from(jobsTable)
      .where(eq(jobsTable.campaignId, submitted.campaignId));
    for (const sign of signs) expect(sign.heartbeatAt!.getTime()).toBeGreaterThanOrEqual(sign.startedAt!.getTime());
    const results = await store.trainingResults(submitted.campaignId);
    expect(results.map((r) => [r.variant, r.method, r.resumedFrom, r.checkpointStep])).toEqual([
      ['baseline', 'scratch', 2, 8],
      ['fuse_half', 'nos', 2, 4],
    ]);

    // Metrics: every step of both attempts' ranges once, epoch summaries with test accuracy.
    const curves = (await service.trainingCurves(submitted.campaignId)) as Array<{
      jobKey: string;
      epoch: number;
      step: number;
      split: string;
      metric: string;
      value: number;
    }>;
    const base = jobs[0]!.key;
    expect(curves.filter((c) => c.jobKey === base && c.metric === 'loss' && c.split === 'train' && c.step >= 0).map((c) => c.step)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const testAcc = curves.filter((c) => c.jobKey === base && c.split === 'test' && c.metric === 'accuracy');
    expect(testAcc).toHaveLength(2);
    expect(testAcc[1]!.value).toBe(results[0]!.testAccuracy);
    expect(curves.some((c) => c.jobKey === jobs[1]!.key && c.metric === 'operator_loss')).toBe(true);

    // The same jobs without interruption, in this process.
    const normalised = normaliseSpec(spec);
    const expanded = expandSpec(normalised);
    expect(jobKey('train', expanded[0]!.params)).toBe(base);
    const stored = async (key: string) => {
      const row = await store.latestCheckpoint(key);
      return decodeCheckpoint(row!.data, key);
    };
    const baseStored = await stored(base);
    const request = { dataset: 'synthetic', network: 'mobilenet_v2', width: 0.25, epochs: 2, batch: 32, limit: 128, seed: 5 } as const;
    const uninterrupted = await runTraining({ ...request, variant: 'baseline', method: 'scratch' });
    expect(uninterrupted.testAccuracy).toBe(results[0]!.testAccuracy);
    expect(uninterrupted.checkpoint.weights.length).toBe(baseStored.weights.length);
    for (let i = 0; i < baseStored.weights.length; i++)
      expect(maxDiff(floats(baseStored.weights[i]!.data), floats(uninterrupted.checkpoint.weights[i]!.data))).toBe(0);

    const nosStored = await stored(jobs[1]!.key);
    const student = await runTraining({
      ...request,
      epochs: 1,
      variant: 'fuse_half',
      method: 'nos',
      teacher: { checkpoint: baseStored, source: 'base' },
    });
    expect(student.testAccuracy).toBe(results[1]!.testAccuracy);
    for (let i = 0; i < nosStored.weights.length; i++)
      expect(maxDiff(floats(nosStored.weights[i]!.data), floats(student.checkpoint.weights[i]!.data))).toBe(0);

    // A re-run reuses both.
    const again = await service.submit(spec);
    expect(await follow(service, again.campaignId, () => undefined, 200)).toMatchObject({
      status: 'completed',
      total: 2,
      completed: 0,
      reused: 2,
    });

    if (process.env.FUSELAB_RECORD_HISTORIES === '1') {
      const history = await client.client.workflow.getHandle(submitted.campaignId).fetchHistory();
      const json = JSON.stringify(
        proto.api.history.v1.History.toObject(history as InstanceType<typeof proto.api.history.v1.History>, {
          longs: String,
          enums: String,
          bytes: String,
        }),
      );
      writeFileSync(join(fileURLToPath(new URL('./histories', import.meta.url)), 'v2-training-resumed.json'), `${json}\n`);
    }
  }, 180_000);

  it('train a network given by its per-block operators (variant custom), stored and shown with them', async () => {
    const operators = [
      'dw',
      'fuse_half',
      'fuse_full',
      'dw',
      'fuse_half',
      'dw',
      'dw',
      'fuse_full',
      'fuse_half',
      'dw',
      'dw',
      'fuse_half',
      'fuse_full',
    ];
    operators.push('dw', 'dw', 'fuse_half', 'dw'); // mobilenet_v2: 17 searchable blocks
    const custom = {
      name: 'custom-tiny',
      seed: 1,
      trainings: [
        { dataset: 'synthetic', network: 'mobilenet_v2', operators: [operators], width: 0.25, epochs: 1, limit: 64, batch: 32, seeds: [5] },
      ],
    };
    const submitted = await service.submit(custom);
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({
      status: 'completed',
      total: 1,
      completed: 1,
    });
    const [result] = await store.trainingResults(submitted.campaignId);
    expect(result).toMatchObject({ network: 'mobilenet_v2', variant: 'custom', operators });
    const stored = decodeCheckpoint((await store.latestCheckpoint(result!.jobKey))!.data, 'stored');
    expect(stored.meta).toMatchObject({ variant: 'custom', operators });
    // The dashboard's training view names it by its operators (curves from the job, finals from the result).
    const view = await new DashboardQueries(stack.database.db).training({ campaignId: submitted.campaignId, maxPoints: 50, limit: 10 });
    expect(view.curves.map((c) => [c.variant, c.operators])).toEqual([['custom', operators]]);
    expect(view.finals.map((f) => [f.variant, f.operators])).toEqual([['custom', operators]]);
  }, 180_000);

  it("train with their entry's recipe and distillation knobs: the worker's runs are the in-process runs of them", async () => {
    const entry = { dataset: 'synthetic', network: 'mobilenet_v2', width: 0.25, epochs: 1, limit: 64, batch: 32, seeds: [5] };
    const recipe = { lr: 0.2, momentum: 0.5, weightDecay: 0 };
    const distill = { lambdaOp: 0.1, anneal: 'linear', annealFraction: 1 } as const;
    const submitted = await service.submit({
      name: 'recipe-tiny',
      seed: 1,
      trainings: [
        { name: 'base', ...entry, ...recipe, variants: ['baseline'] },
        { name: 'student', ...entry, variants: ['fuse_half'], method: 'nos', teacher: 'base', distill },
      ],
    });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 2 });
    const jobs = await store.loadJobs(submitted.campaignId, [0, 1]);
    const hyperparameters = { optimizer: 'sgd', momentum: 0.5, learningRate: 0.2, schedule: 'cosine', weightDecay: 0 } as const;
    expect((jobs[0]!.params as { hyperparameters: unknown }).hyperparameters).toEqual(hyperparameters);
    expect((jobs[1]!.params as { distill?: unknown }).distill).toEqual(distill);
    const stored = async (key: string) => decodeCheckpoint((await store.latestCheckpoint(key))!.data, key);
    const request = { dataset: 'synthetic', network: 'mobilenet_v2', width: 0.25, epochs: 1, limit: 64, batch: 32, seed: 5 } as const;

    const base = await stored(jobs[0]!.key);
    const inProcess = await runTraining({ ...request, variant: 'baseline', method: 'scratch', hyperparameters });
    expect(base.weights).toEqual(inProcess.checkpoint.weights);
    // …and not what the default recipe trains (the recipe reached the worker's child process).
    expect(base.weights).not.toEqual((await runTraining({ ...request, variant: 'baseline', method: 'scratch' })).checkpoint.weights);

    const student = await stored(jobs[1]!.key);
    const nos = { ...request, variant: 'fuse_half', method: 'nos', teacher: { checkpoint: base, source: 'base' } } as const;
    expect(student.weights).toEqual((await runTraining({ ...nos, distill })).checkpoint.weights);
    expect(student.weights).not.toEqual((await runTraining(nos)).checkpoint.weights);
  }, 240_000);

  it('a student finds the teacher its campaign registered after the code version (part of every key) changed', async () => {
    const small = {
      name: 'nos-rekeyed',
      seed: 1,
      trainings: [
        {
          name: 'base',
          dataset: 'synthetic',
          network: 'mobilenet_v2',
          variants: ['baseline'],
          width: 0.25,
          epochs: 1,
          limit: 64,
          batch: 32,
          seeds: [6],
        },
        {
          name: 'nos',
          dataset: 'synthetic',
          network: 'mobilenet_v2',
          variants: ['fuse_half'],
          width: 0.25,
          method: 'nos',
          teacher: 'base',
          epochs: 1,
          limit: 64,
          batch: 32,
          seeds: [6],
        },
      ],
    };
    const submitted = await service.submit(small);
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 2 });
    const [teacher, student] = (await store.listJobs(submitted.campaignId)) as Array<{ key: string; position: number }>;
    const before = (await store.trainingResult(student!.key))!;
    // As if registered (and trained) by an older fuselab: the teacher's rows under another key.
    const older = 'e'.repeat(64);
    const { db } = stack.database;
    await db.update(jobsTable).set({ key: older }).where(eq(jobsTable.key, teacher!.key));
    await db.update(trainingResultsTable).set({ jobKey: older }).where(eq(trainingResultsTable.jobKey, teacher!.key));
    await db.update(checkpointsTable).set({ jobKey: older }).where(eq(checkpointsTable.jobKey, teacher!.key));
    await store.dropTraining(student!.key);
    const activities = createTrainActivities(store, 'rekeyed-test');
    const result = await new MockActivityEnvironment().run(activities.runTraining, {
      campaignId: submitted.campaignId,
      position: student!.position,
      force: false,
    });
    expect(result.testAccuracy).toBe(before.testAccuracy);
  }, 180_000);

  it("a teacher checkpoint file enters its students' keys by content: the same file is reused, another at its path trains anew, one changed after submit is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuselab-teacher-file-'));
    const file = join(dir, 'teacher.ckpt.json.gz');
    const teacher = { dataset: 'synthetic', network: 'mobilenet_v2', width: 0.25, epochs: 1, batch: 32, limit: 64 } as const;
    const teach = async (seed: number) => (await runTraining({ ...teacher, variant: 'baseline', method: 'scratch', seed })).checkpoint;
    const [first, second] = [await teach(7), await teach(8)];
    const kd = {
      name: 'kd-from-file',
      seed: 1,
      trainings: [{ ...teacher, name: 'kd', variants: ['fuse_half'], method: 'kd', teacher: file, seeds: [7] }],
    };
    const run = async () => {
      const submitted = await service.submit(kd);
      const progress = await follow(service, submitted.campaignId, () => undefined, 200);
      const [job] = (await store.listJobs(submitted.campaignId)) as Array<{ key: string; position: number }>;
      return { campaignId: submitted.campaignId, progress, job: job! };
    };
    try {
      writeFileSync(file, encodeCheckpoint(first));
      const a = await run();
      expect(a.progress).toMatchObject({ status: 'completed', completed: 1, reused: 0 });
      const same = await run();
      expect(same.progress).toMatchObject({ status: 'completed', completed: 0, reused: 1 });
      expect(same.job.key).toBe(a.job.key);

      // Another teacher at the same path: new key, trained, not the first file's result.
      writeFileSync(file, encodeCheckpoint(second));
      const b = await run();
      expect(b.progress).toMatchObject({ status: 'completed', completed: 1, reused: 0 });
      expect(b.job.key).not.toBe(a.job.key);

      // The file changes after submit (here: back to the first teacher): the worker refuses it.
      writeFileSync(file, encodeCheckpoint(first));
      await store.dropTraining(b.job.key);
      const activities = createTrainActivities(store, 'digest-test');
      await expect(
        new MockActivityEnvironment().run(activities.runTraining, { campaignId: b.campaignId, position: b.job.position, force: false }),
      ).rejects.toThrow(
        /^teacher: .*teacher\.ckpt\.json\.gz on worker digest-test has sha256 [0-9a-f]{16}…, not the [0-9a-f]{16}… it had when the campaign was submitted/,
      );
      expect(await store.trainingResult(b.job.key)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('an image-folder archive trains through a worker, its decoded cache named by the digest the campaign was submitted with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuselab-folder-job-'));
    try {
      // Two classes, 8 train and 4 test PNGs each, 8×8 px, packed with tar as a user would.
      writeImageFolder(join(dir, 'pets'), { classes: ['dark', 'light'], train: 8, test: 4, level: (c, i) => (c === 0 ? 20 : 230) + i });
      const archive = join(dir, 'pets.tar.gz');
      execFileSync('tar', ['-czf', archive, '-C', join(dir, 'pets'), 'train', 'test']);
      const cache = join(dir, 'cache');
      const submitted = await service.submit({
        name: 'folder-archive',
        seed: 1,
        trainings: [
          {
            dataset: 'folder',
            data: archive,
            dataDir: cache,
            network: 'mobilenet_v2',
            variants: ['baseline'],
            width: 0.25,
            epochs: 1,
            batch: 8,
          },
        ],
      });
      const progress = await follow(service, submitted.campaignId, () => undefined, 200);
      expect(progress).toMatchObject({ status: 'completed', completed: 1, failed: 0 });
      const [result] = (await service.trainingResults(submitted.campaignId)) as Array<{ testAccuracy: number | null }>;
      expect(result?.testAccuracy).not.toBeNull();
      const digest = createHash('sha256').update(readFileSync(archive)).digest('hex');
      expect(readdirSync(cache)).toEqual([`image-folder-${digest.slice(0, 32)}-native.bin`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a cancelled campaign reads cancelled only once its training has stopped: nothing is stored for it afterwards', async () => {
    const long = {
      name: 'cancel-long',
      seed: 1,
      trainings: [
        {
          name: 'long',
          dataset: 'synthetic',
          network: 'mobilenet_v2',
          variants: ['baseline'],
          width: 0.25,
          epochs: 50,
          limit: 512,
          batch: 32,
          seeds: [7],
        },
      ],
    };
    const submitted = await service.submit(long);
    const job = await waitFor(
      'the job to be registered',
      async () => ((await store.listJobs(submitted.campaignId)) as Array<{ key: string }>)[0],
      60_000,
    );
    const stored = async () =>
      (await stack.database.db.select().from(trainingMetricsTable).where(eq(trainingMetricsTable.jobKey, job.key))).length;
    // Past attempt 1 (stopped by the fault injection at step 2): the retry is training.
    await waitFor(
      'the retry to store its step-8 checkpoint',
      async () => ((await store.latestCheckpoint(job.key))?.step ?? 0) >= 8,
      120_000,
      200,
    );
    // The training's process (this worker's only child) paused, as on a machine too busy to run
    // it: it cannot heartbeat, so it learns of the cancellation only once it runs again.
    const [child] = trainingChildrenOf(process.pid);
    expect(child).toBeDefined();
    process.kill(child!, 'SIGSTOP');
    try {
      await service.cancel(submitted.campaignId);
      await new Promise((r) => setTimeout(r, 3_000));
      // Not cancelled yet, but shown as cancelling (the API, the dashboard's list and its stream).
      expect((await service.progress(submitted.campaignId)).status).toBe('cancelling');
      expect((await service.get(submitted.campaignId)).status).toBe('cancelling');
    } finally {
      process.kill(child!, 'SIGCONT');
    }
    expect(await follow(service, submitted.campaignId, () => undefined, 100)).toMatchObject({ status: 'cancelled' });
    const atClose = await stored();
    expect(trainingChildrenOf(process.pid)).toEqual([]);
    // A checkpoint (with the metrics before it) every 2 steps here: a training still running
    // would show in the count.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await stored()).toBe(atClose);
    expect(((await store.listJobs(submitted.campaignId)) as Array<{ status: string }>).map((j) => j.status)).toEqual(['cancelled']);
  }, 180_000);
});
