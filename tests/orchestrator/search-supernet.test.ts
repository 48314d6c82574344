// One-shot searches end to end on the real Temporal dev server (PGlite, in-process workers on
// fuselab-nas and fuselab-train): a search with training method `supernet` trains one supernet as a
// fuselab-train activity (in a child process), stores it like a training (result, curve, the
// supernet as its checkpoint), and takes each candidate's accuracy from that supernet — the same
// figure libs/nas gives in this process for the stored supernet, which is itself the supernet the
// same settings train in this process. The supernet is trained once per key, whichever search asks.
import { evaluateStatic, makeSpace, type Candidate } from '@fuselab/nas';
import { evaluateSubnet, recalibrateBatchNorm, Supernet, zeroCostPt } from '@fuselab/nas/supernet';
import { DEFAULT_INIT, makeBatch } from '@fuselab/nos';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainActivities } from '../../apps/orchestrator/dist/activities/train.js';
import { follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { expandSpec, type SearchJobParams } from '../../apps/orchestrator/dist/campaigns/expand.js';
import { supernetTraining } from '../../apps/orchestrator/dist/campaigns/search.js';
import { normaliseSpec } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { supernetCodeVersion, supernetKey } from '../../apps/orchestrator/dist/campaigns/versions.js';
import { DashboardQueries } from '../../apps/orchestrator/dist/store/dashboard-queries.js';
import { decodeStoredSupernet, runSupernetTask, SUPERNET_STORAGE_FORMAT } from '../../apps/orchestrator/dist/train/supernet-run.js';
import { ensureBackend, loadTrainingData } from '../../apps/orchestrator/dist/train/training.js';
import { expectSameAsRunSearch } from './helpers/run-search.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const training = {
  dataset: 'synthetic',
  width: 0.25,
  epochs: 2,
  limit: 128,
  batch: 16,
  seed: 3,
  method: 'supernet',
  recalibrate: 1,
} as const;
const search = {
  name: 'one-shot',
  network: 'mobilenet_v2',
  space: 'blocks',
  operators: ['dw', 'fuse_half'],
  strategy: 'random',
  objectives: ['accuracy', 'latency'],
  budget: 5,
  seed: 7,
  training,
};
const spec = { name: 'supernet-search', searches: [search] };
const data = { dataset: 'synthetic', limit: 128, seed: 3 } as const;

/** The supernet of this file's settings (seed and epochs as given) trained in this process: the reference. */
async function trainInProcess(seed: number, epochs: number) {
  const trained = await runSupernetTask({
    kind: 'supernet-train',
    data: { ...data, seed },
    network: 'mobilenet_v2',
    width: 0.25,
    choices: ['dw', 'fuse_half'],
    epochs,
    batch: 16,
    seed,
  });
  if (trained.kind !== 'supernet-train') throw new Error('expected a training result');
  return trained;
}

let stack: TestStack;
let store: TestStack['store'];
let service: TestStack['service'];
let params: SearchJobParams;

beforeAll(async () => {
  params = expandSpec(normaliseSpec(spec))[0]!.params as SearchJobParams;
  // The backend the workers' child processes select (wasm here), for the in-process references.
  await ensureBackend();
  // Claims time out in 4 s here (90 s in service), so the take-over case runs in seconds.
  stack = await startTestStack({
    queues: ['nas', 'train'],
    concurrency: 2,
    // Two trainings at once, as two train workers would run them (the claims' cases need it).
    trainConcurrency: 2,
    train: { claim: { staleSeconds: 4, renewMs: 1_000, pollMs: 300 } },
  });
  ({ store, service } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('searches that score candidates on a supernet (training method supernet)', () => {
  let campaignId: string;
  let candidates: Awaited<ReturnType<TestStack['store']['searchCandidates']>>;
  const key = () => supernetKey(supernetTraining(params));

  it('trains one supernet, stores it as a training of the campaign, and scores every candidate on it', async () => {
    const submitted = await service.submit(spec);
    campaignId = submitted.campaignId;
    expect(await follow(service, campaignId, () => undefined, 200)).toMatchObject({
      status: 'completed',
      total: 1,
      completed: 1,
      failed: 0,
    });
    const [result] = await service.searchResults(campaignId);
    expect(result).toMatchObject({ objectives: ['accuracy', 'latency'], evaluations: 5 });
    candidates = await store.searchCandidates(result!.jobKey);
    expect(candidates).toHaveLength(5);

    // One training: the supernet, over the search's operators, with no test accuracy of its own.
    const trainings = await store.trainingResults(campaignId);
    expect(trainings).toHaveLength(1);
    expect(trainings[0]).toMatchObject({
      jobKey: key(),
      variant: 'supernet',
      method: 'supernet',
      operators: ['dw', 'fuse_half'],
      epochs: 2,
      seed: 3,
      width: 0.25,
      testAccuracy: null,
    });
    expect((await store.searchTrainings(campaignId)).map((t) => t.trainingKey)).toEqual([key()]);
    // Its curve: 8 steps per epoch (128 images, batch 16), 2 epochs, and the epoch summaries.
    const curves = (await service.trainingCurves(campaignId)) as Array<{ jobKey: string; step: number; metric: string }>;
    expect(curves.filter((c) => c.jobKey === key() && c.metric === 'loss' && c.step >= 0)).toHaveLength(16);
    expect(curves.filter((c) => c.jobKey === key() && c.metric === 'loss' && c.step === -1)).toHaveLength(2);
    const view = await new DashboardQueries(stack.database.db).training({ campaignId, maxPoints: 50, limit: 10 });
    expect(view.curves.map((c) => c.jobKey)).toEqual([key()]);

    const space = makeSpace({ network: 'mobilenet_v2', space: 'blocks', operators: ['dw', 'fuse_half'] });
    for (const c of candidates) {
      expect(c.trainingKey).toBe(key());
      expect(-c.objectives.accuracy!).toBeGreaterThanOrEqual(0);
      expect(c.objectives.latency).toBe(
        evaluateStatic({
          network: 'mobilenet_v2',
          array: space.arrays[0]!,
          candidate: { operators: c.operators } as Candidate,
          objectives: ['latency'],
        }).latency,
      );
    }
  }, 300_000);

  it('stores the supernet these settings train in this process, and each accuracy is its inherited accuracy here', async () => {
    const row = await store.checkpoint(key(), 2, 16);
    expect(row?.format).toBe('fuselab-supernet+gzip');
    const job = supernetTraining(params);
    // data's seed is 3, the training's too.
    const again = await trainInProcess(3, 2);
    expect(job).toMatchObject({ network: 'mobilenet_v2', operators: ['dw', 'fuse_half'], epochs: 2, batch: 16, seed: 3 });
    expect(Buffer.from(row!.data).equals(Buffer.from(again.supernet))).toBe(true);

    // The reference is libs/nas itself: recalibrate each path, then evaluate it on the test set.
    const supernet = await decodeStoredSupernet(row!.data, 'stored supernet');
    const loaded = await loadTrainingData(data);
    try {
      const accuracies = [];
      for (const c of candidates) {
        await recalibrateBatchNorm(supernet, c.operators as never, loaded.train, { batches: 1, batchSize: 16, seed: 3 });
        accuracies.push((await evaluateSubnet(supernet, c.operators as never, loaded.test)).accuracy);
      }
      expect(candidates.map((c) => -c.objectives.accuracy!)).toEqual(accuracies);
      // Not one figure for all (which any path would give): the paths differ.
      expect(new Set(accuracies).size).toBeGreaterThan(1);
    } finally {
      supernet.dispose();
    }
  }, 180_000);

  it('asks and keeps what libs/nas runSearch does with the same accuracies in-process', async () => {
    const [result] = await service.searchResults(campaignId);
    await expectSameAsRunSearch(search, { candidates, front: result!.front });
  }, 60_000);

  it('trains the supernet once: another search over it scores on the stored one, in chunks across activities', async () => {
    const [before] = await store.trainingResults(campaignId);
    // Another budget and seed: another search job, the same supernet key (recalibration is not part of it).
    const other = { ...search, name: 'more', budget: 12, seed: 8, training: { ...training, recalibrate: 3 } };
    const submitted = await service.submit({ name: 'supernet-search-2', searches: [other] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [after] = await store.trainingResults(submitted.campaignId);
    expect(after).toMatchObject({ jobKey: before!.jobKey });
    expect(after!.createdAt).toEqual(before!.createdAt);
    const history = await stack.client.client.workflow.getHandle(`${submitted.campaignId}/search-0`).fetchHistory();
    const scheduled = (name: string) => history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
    expect(scheduled('trainSearchSupernet')).toHaveLength(1);
    // 12 distinct networks in one generation: chunks of 8 → two scoring activities.
    expect(scheduled('scoreSupernetCandidates')).toHaveLength(2);
    expect(scheduled('trainSearchCandidate')).toHaveLength(0);
    const [result] = await service.searchResults(submitted.campaignId);
    expect((await store.searchCandidates(result!.jobKey)).every((c) => c.trainingKey === before!.jobKey)).toBe(true);
  }, 300_000);
  it('zero-cost-pt on the trained supernet: the network libs/nas chooses on it in this process, with its inherited accuracy', async () => {
    const zcpt = { ...search, name: 'zcpt', strategy: 'zero-cost-pt', budget: undefined };
    const submitted = await service.submit({ name: 'supernet-zcpt', searches: [zcpt] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [result] = await service.searchResults(submitted.campaignId);
    expect(result).toMatchObject({ strategy: 'zero-cost-pt', evaluations: 1 });
    const [chosen] = await store.searchCandidates(result!.jobKey);
    // The same supernet as the first search's (same training settings): not trained again.
    expect(chosen!.trainingKey).toBe(key());
    expect((await store.trainingResults(submitted.campaignId)).map((t) => t.jobKey)).toEqual([key()]);

    const row = await store.checkpoint(key(), 2, 16);
    const supernet = await decodeStoredSupernet(row!.data, 'stored supernet');
    const loaded = await loadTrainingData(data);
    try {
      const made = makeBatch(
        loaded.train,
        Array.from({ length: 16 }, (_, i) => i),
        { channels: supernet.spec.inputChannels },
      );
      const expected = zeroCostPt(supernet, { ...made, labels: made.y }, { seed: 3 });
      expect(chosen!.operators).toEqual(expected.path);
      await recalibrateBatchNorm(supernet, expected.path, loaded.train, { batches: 1, batchSize: 16, seed: 3 });
      expect(-chosen!.objectives.accuracy!).toBe((await evaluateSubnet(supernet, expected.path, loaded.test)).accuracy);
    } finally {
      supernet.dispose();
    }
    expect(result!.front).toHaveLength(1);
  }, 300_000);

  it('zero-cost-pt without a supernet to train: chosen on an untrained one of the seed, then trained as a candidate', async () => {
    const scratch = { ...training, method: 'scratch', recalibrate: undefined };
    const zcpt = { ...search, name: 'zcpt-scratch', strategy: 'zero-cost-pt', budget: undefined, training: scratch };
    const submitted = await service.submit({ name: 'scratch-zcpt', searches: [zcpt] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [result] = await service.searchResults(submitted.campaignId);
    const [chosen] = await store.searchCandidates(result!.jobKey);
    const loaded = await loadTrainingData(data);
    const untrained = new Supernet(
      { network: 'mobilenet_v2', width: 0.25, inputSize: 16, numClasses: loaded.numClasses, stem: 'cifar' },
      { operators: ['dw', 'fuse_half'], seed: 3, init: DEFAULT_INIT },
    );
    try {
      const made = makeBatch(
        loaded.train,
        Array.from({ length: 16 }, (_, i) => i),
        { channels: untrained.spec.inputChannels },
      );
      expect(chosen!.operators).toEqual(zeroCostPt(untrained, { ...made, labels: made.y }, { seed: 3 }).path);
    } finally {
      untrained.dispose();
    }
    // Trained standalone: one training of that network, whose test accuracy is the objective.
    const trainings = await store.trainingResults(submitted.campaignId);
    expect(trainings).toHaveLength(1);
    expect(trainings[0]).toMatchObject({ variant: 'custom', method: 'scratch', operators: chosen!.operators, jobKey: chosen!.trainingKey });
    expect(-chosen!.objectives.accuracy!).toBe(trainings[0]!.testAccuracy);
  }, 300_000);
  /** A one-search spec over the supernet of training seed `seed` (a new supernet per case), and its key. */
  function ofSeed(seed: number, searches = [search]) {
    const specOf = { name: `claims-${seed}`, searches: searches.map((s) => ({ ...s, training: { ...training, seed } })) };
    const p = expandSpec(normaliseSpec(specOf))[0]!.params as SearchJobParams;
    return { spec: specOf, key: supernetKey(supernetTraining(p)) };
  }

  it('two searches that need one supernet at once train it once: one holds the claim, the other waits for its result', async () => {
    const { spec: both, key: k } = ofSeed(11, [search, { ...search, name: 'other', budget: 4, seed: 9 }]);
    const submitted = await service.submit(both);
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 2 });
    const results = await service.searchResults(submitted.campaignId);
    expect(results).toHaveLength(2);
    for (const r of results) expect((await store.searchCandidates(r.jobKey)).every((c) => c.trainingKey === k)).toBe(true);
    // Both searches asked for it (one trainSearchSupernet each, as their histories record): one
    // trained, the other says whose training it waited for — the first search's activity.
    const answers: Array<{ key: string; waitedFor?: string }> = [];
    for (const i of [0, 1]) {
      const history = await stack.client.client.workflow.getHandle(`${submitted.campaignId}/search-${i}`).fetchHistory();
      const asked = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainSearchSupernet');
      expect(asked).toHaveLength(1);
      const done = history.events!.find(
        (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(asked[0]!.eventId),
      );
      answers.push(JSON.parse(Buffer.from(done!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString()));
    }
    expect(answers.map((a) => a.key)).toEqual([k, k]);
    const waited = answers.filter((a) => a.waitedFor !== undefined);
    expect(waited).toHaveLength(1);
    const trainer = answers.indexOf(answers.find((a) => a.waitedFor === undefined)!);
    expect(waited[0]!.waitedFor).toMatch(new RegExp(`^${submitted.campaignId}/search-${trainer}/`));
    expect(await store.trainingLease(k)).toEqual({ holder: null, claims: 1 });
  }, 300_000);

  it('waits while another live holder trains the supernet, then scores on what that holder stored', async () => {
    const { spec: one, key: k } = ofSeed(12);
    // This test is the other holder: it renews its claim while it trains the supernet in-process.
    expect(await store.claimTraining(k, 'test/holder', 4)).toBe(true);
    const renew = setInterval(() => void store.renewTraining(k, 'test/holder'), 500);
    try {
      const submitted = await service.submit(one);
      const trained = await trainInProcess(12, 2);
      // Past the 4 s timeout, still renewed: the search has trained nothing and waits.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await store.trainingResult(k)).toBeUndefined();
      expect(await store.latestCheckpoint(k)).toBeUndefined();
      expect((await service.get(submitted.campaignId)).status).toBe('running');
      const last = trained.result.epochs.at(-1)!;
      await store.saveCheckpoint(k, 2, 16, SUPERNET_STORAGE_FORMAT, trained.supernet);
      await store.saveTrainingResult(
        submitted.campaignId,
        k,
        {
          dataset: 'synthetic',
          network: 'mobilenet_v2',
          variant: 'supernet',
          operators: ['dw', 'fuse_half'],
          method: 'supernet',
          width: 0.25,
          epochs: 2,
          seed: 12,
          backend: trained.backend,
          testAccuracy: null,
          testLoss: null,
          trainLoss: last.trainLoss,
          trainAccuracy: last.trainAccuracy,
          trainImagesPerSec: 0,
          checkpointEpoch: 2,
          checkpointStep: 16,
          resumedFrom: null,
        },
        supernetCodeVersion(),
        'test-holder',
      );
      clearInterval(renew);
      await store.releaseTraining(k, 'test/holder');
      expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
      // The holder's result, not one of the workers': the search only waited, then scored on it.
      expect(await store.trainingResult(k)).toMatchObject({ worker: 'test-holder' });
      expect(await store.trainingLease(k)).toEqual({ holder: null, claims: 1 });
      const [result] = await service.searchResults(submitted.campaignId);
      expect((await store.searchCandidates(result!.jobKey)).every((c) => c.trainingKey === k)).toBe(true);
    } finally {
      clearInterval(renew);
    }
  }, 300_000);

  it('takes over a claim whose holder stopped renewing it (a dead worker) and trains the supernet itself', async () => {
    const { spec: one, key: k } = ofSeed(13);
    expect(await store.claimTraining(k, 'dead/worker', 4)).toBe(true); // never renewed
    const submitted = await service.submit(one);
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    expect(await store.trainingLease(k)).toEqual({ holder: null, claims: 2 });
    expect((await store.trainingResult(k))?.worker).not.toBe('dead/worker');
    expect(await store.trainingResult(k)).toMatchObject({ epochs: 2, seed: 13 });
  }, 300_000);

  it('a candidate (any training job) two activities need at once is trained by one; the other answers its result', async () => {
    const scratch = { ...search, name: 'scratch', training: { ...training, method: 'scratch', recalibrate: undefined, seed: 14 } };
    const p = expandSpec(normaliseSpec({ name: 'candidate-claims', searches: [scratch] }))[0]!.params as SearchJobParams;
    const activities = createTrainActivities(store, 'claim-test', { claim: { staleSeconds: 4, renewMs: 1_000, pollMs: 200 } });
    const candidate = { operators: Array(17).fill('fuse_half') as string[] };
    const run = (activityId: string) =>
      new MockActivityEnvironment({ activityId }).run(activities.trainSearchCandidate, {
        campaignId: 'no-campaign',
        params: p,
        candidate,
      });
    const [a, b] = await Promise.all([run('first'), run('second')]);
    expect(a.key).toBe(b.key);
    expect(a.testAccuracy).toBe(b.testAccuracy);
    // Exactly one trained; the other names the one it waited for.
    expect([a.waitedFor, b.waitedFor].filter((w) => w !== undefined)).toHaveLength(1);
    expect([a.waitedFor, b.waitedFor].find((w) => w !== undefined)).toMatch(/\/(first|second)$/);
    expect(await store.trainingLease(a.key)).toEqual({ holder: null, claims: 1 });
  }, 300_000);

  it('a supernet training killed after an epoch resumes from its checkpoint and ends as an uninterrupted one', async () => {
    const resumable = { ...search, name: 'resumed', training: { ...training, epochs: 3, seed: 5 } };
    const p = expandSpec(normaliseSpec({ name: 'resume', searches: [resumable] }))[0]!.params as SearchJobParams;
    const k = supernetKey(supernetTraining(p));
    // Attempt 1 stops once the checkpoint of the epoch ending at step 8 (of 3 × 8) is stored.
    const activities = createTrainActivities(store, 'fault-test', { failAfterStep: 8 });
    const input = { campaignId, jobKey: 'search-resumed', params: p };
    await expect(new MockActivityEnvironment({ attempt: 1 }).run(activities.trainSearchSupernet, input)).rejects.toThrow(
      'fault injected after step 8',
    );
    expect(await store.trainingResult(k)).toBeUndefined();
    expect(await store.latestCheckpoint(k)).toMatchObject({ epoch: 1, step: 8, format: 'fuselab-supernet+gzip' });
    expect(await new MockActivityEnvironment({ attempt: 2 }).run(activities.trainSearchSupernet, input)).toEqual({ key: k, epochs: 3 });
    expect(await store.trainingResult(k)).toMatchObject({ epochs: 3, resumedFrom: 8, checkpointEpoch: 3, checkpointStep: 24 });
    // Every step's loss once, from both attempts: the curve has no gap and no repeat.
    const curve = ((await store.trainingCurves()) as Array<{ jobKey: string; step: number; metric: string }>).filter(
      (c) => c.jobKey === k && c.metric === 'loss' && c.step >= 0,
    );
    expect(curve.map((c) => c.step).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const uninterrupted = await trainInProcess(5, 3);
    expect(uninterrupted.resumedFrom).toBeNull();
    const row = await store.checkpoint(k, 3, 24);
    expect(Buffer.from(row!.data).equals(Buffer.from(uninterrupted.supernet))).toBe(true);
  }, 300_000);
});
