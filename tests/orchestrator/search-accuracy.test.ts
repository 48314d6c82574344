// Searches with the `accuracy` objective end to end on the real Temporal dev server (PGlite,
// in-process workers on fuselab-nas and fuselab-train): every candidate is trained as a
// fuselab-train activity, its accuracy is that training's stored test accuracy, the search makes
// the same asks and front as libs/nas' runSearch fed those accuracies in-process, the trainings'
// results and curves belong to the campaign, and a training is never run twice — not by a forced
// re-run of the search, not by a `trainings` entry asking for the same network.
import { readdirSync } from 'node:fs';
import { evaluateStatic, makeSpace, runSearch, searchSummary, type Candidate } from '@fuselab/nas';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, LocalCampaignService } from '../../apps/orchestrator/dist/campaigns/service.js';
import { expandSpec, type SearchJobParams } from '../../apps/orchestrator/dist/campaigns/expand.js';
import { renderSearchFronts } from '../../apps/orchestrator/dist/cli/commands/campaign.js';
import { candidateTraining } from '../../apps/orchestrator/dist/campaigns/search.js';
import { normaliseSpec, specHash } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { jobKey } from '../../apps/orchestrator/dist/campaigns/versions.js';
import { DashboardQueries } from '../../apps/orchestrator/dist/store/dashboard-queries.js';
import { openDatabase } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { WORKFLOW_BUNDLE_PATH } from '../../apps/orchestrator/dist/temporal/worker.js';
import { runTraining } from '../../apps/orchestrator/dist/train/training.js';
import type { RunningSearch } from '../../apps/orchestrator/dist/workflows/campaign.js';
import { expectSameAsRunSearch } from './helpers/run-search.js';
import { HISTORIES, RECORD_HISTORIES as record, readHistory, writeHistory, type History } from './helpers/histories.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const training = { dataset: 'synthetic', width: 0.25, epochs: 1, limit: 64, batch: 32, seed: 3 } as const;
const search = {
  name: 'acc',
  network: 'mobilenet_v2',
  space: 'blocks',
  operators: ['dw', 'fuse_half'],
  strategy: 'random',
  objectives: ['accuracy', 'latency'],
  budget: 3,
  seed: 7,
  training,
};
const spec = { name: 'accuracy-search', searches: [search] };

// FUSELAB_RECORD_HISTORIES=1 rewrites histories/accuracy-*.json from this run.
/** Search workflow histories of this run, replayed (and with `record`, written) by the last test. */
const recorded: Array<{ name: string; history: History }> = [];
const keepHistory = async (name: string, campaignId: string, position = 0) => {
  const history = await stack.client.client.workflow.getHandle(`${campaignId}/search-${position}`).fetchHistory();
  recorded.push({ name, history });
  return history;
};

let stack: TestStack;
let store: TestStack['store'];
let service: TestStack['service'];
let params: SearchJobParams;
/** The network trained in this process with the search's training settings, spelled out (not through candidateTraining). */
const retrain = (operators: readonly string[], seed: number) =>
  runTraining({
    dataset: 'synthetic',
    network: 'mobilenet_v2',
    variant: 'custom',
    operators: operators as never,
    method: 'scratch',
    width: 0.25,
    epochs: 1,
    limit: 64,
    batch: 32,
    seed,
  });
const trainingKey = (operators: readonly string[]) => jobKey('train', candidateTraining(params, { operators }));

beforeAll(async () => {
  params = expandSpec(normaliseSpec(spec))[0]!.params as SearchJobParams;
  stack = await startTestStack({ queues: ['nas', 'train'], concurrency: 2 });
  ({ store, service } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('searches with the accuracy objective', () => {
  let campaignId: string;
  let candidates: Awaited<ReturnType<TestStack['store']['searchCandidates']>>;

  it('trains every candidate on fuselab-train and takes its stored test accuracy as the objective', async () => {
    const submitted = await service.submit(spec);
    campaignId = submitted.campaignId;
    expect(submitted.total).toBe(1);
    const seen: RunningSearch[] = [];
    const final = await follow(service, campaignId, (p) => seen.push(...(p.searches ?? [])), 200);
    expect(final).toMatchObject({ status: 'completed', total: 1, completed: 1, failed: 0 });
    // The one job stood at "running" throughout; the campaign's progress showed the search move.
    const running = seen.filter((s) => s.status === 'running');
    expect(running.length).toBeGreaterThan(0);
    for (const s of running) expect(s).toMatchObject({ name: 'acc', position: 0, strategy: 'random', budget: 3 });
    const counts = running.map((s) => s.evaluations);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    // Counted as each candidate's training lands, not once per batch (all 3 are one batch).
    expect(counts.some((n) => n > 0 && n < 3)).toBe(true);
    expect(final.searches).toBeUndefined();
    await keepHistory('accuracy-search', campaignId);

    const [result] = await service.searchResults(campaignId);
    expect(result).toMatchObject({ objectives: ['accuracy', 'latency'], evaluations: 3 });
    candidates = await store.searchCandidates(result!.jobKey);
    expect(candidates).toHaveLength(3);
    const trainings = await store.trainingResults(campaignId);
    expect(trainings).toHaveLength(3);
    const space = makeSpace({ network: 'mobilenet_v2', space: 'blocks', operators: ['dw', 'fuse_half'] });
    for (const c of candidates) {
      expect(c.trainingKey).toBe(trainingKey(c.operators));
      const trained = trainings.find((t) => t.jobKey === c.trainingKey)!;
      expect(trained).toMatchObject({ variant: 'custom', method: 'scratch', operators: c.operators, seed: 3, width: 0.25 });
      expect(trained.testAccuracy).toBeGreaterThan(0);
      // Minimised, so negated — and the hardware objectives as libs/nas computes them.
      expect(c.objectives).toEqual({
        accuracy: -trained.testAccuracy!,
        latency: evaluateStatic({
          network: 'mobilenet_v2',
          array: space.arrays[0]!,
          candidate: { operators: c.operators } as Candidate,
          objectives: ['latency'],
        }).latency,
      });
    }

    // The campaign's training results and curves include the candidates', in the API and in the dashboard's training view.
    const queries = new DashboardQueries(stack.database.db);
    // The search view says which objectives are stored negated (the charts label them −accuracy).
    expect(await queries.searches(campaignId)).toMatchObject([{ objectives: ['accuracy', 'latency'], negated: ['accuracy'] }]);
    const view = await queries.training({ campaignId, maxPoints: 50, limit: 10 });
    expect(view.curves.map((c) => c.jobKey).sort()).toEqual(trainings.map((t) => t.jobKey).sort());
    for (const curve of view.curves) {
      expect(curve).toMatchObject({ variant: 'custom', method: 'scratch', seed: 3, width: 0.25, dataset: 'synthetic' });
      expect(curve.operators).toEqual(trainings.find((t) => t.jobKey === curve.jobKey)!.operators);
      expect(curve.points.length).toBeGreaterThan(0);
    }
    expect(view.finals).toHaveLength(3);
    const curves = (await service.trainingCurves(campaignId)) as Array<{ jobKey: string; split: string; metric: string; value: number }>;
    for (const t of trainings) {
      const test = curves.filter((c) => c.jobKey === t.jobKey && c.split === 'test' && c.metric === 'accuracy');
      expect(test.map((c) => c.value)).toEqual([t.testAccuracy]);
    }
  }, 300_000);

  it('records each candidate training as it starts, so the training views show it running; export and import carry them', async () => {
    const recorded = await store.searchTrainings(campaignId);
    expect(recorded.map((t) => t.trainingKey).sort()).toEqual(candidates.map((c) => c.trainingKey).sort());
    for (const c of candidates)
      expect(recorded.find((t) => t.trainingKey === c.trainingKey)!.params).toEqual(candidateTraining(params, { operators: c.operators }));
    // A training that has started (metrics, no result yet) is part of the campaign's curves and the dashboard's view.
    const [result] = await service.searchResults(campaignId);
    const running = jobKey('train', candidateTraining(params, { operators: new Array(17).fill('fuse_half') }));
    await store.recordSearchTraining(result!.jobKey, running, candidateTraining(params, { operators: new Array(17).fill('fuse_half') }));
    await store.saveMetrics(running, [{ epoch: 0, step: 0, split: 'train', metric: 'loss', value: 1.5 }]);
    const curves = (await service.trainingCurves(campaignId)) as Array<{ jobKey: string }>;
    expect(curves.some((c) => c.jobKey === running)).toBe(true);
    const view = await new DashboardQueries(stack.database.db).training({ campaignId, maxPoints: 50, limit: 10 });
    expect(view.curves.find((c) => c.jobKey === running)).toMatchObject({ variant: 'custom', points: [{ step: 0, loss: 1.5 }] });

    const doc = JSON.parse(JSON.stringify(await service.exportCampaign(campaignId, { checkpoints: false })));
    expect(doc.searchTrainings).toHaveLength(4);
    expect(doc.searchCandidates.map((c: { trainingKey: string }) => c.trainingKey)).toEqual(candidates.map((c) => c.trainingKey));
    const other = await openDatabase({ kind: 'pglite' });
    try {
      const otherService = new LocalCampaignService(new Store(other.db), async () => stack.client.client);
      await otherService.importCampaign(doc);
      expect((await otherService.trainingResults(campaignId)).map((t) => t.jobKey).sort()).toEqual(
        (await service.trainingResults(campaignId)).map((t) => t.jobKey).sort(),
      );
    } finally {
      await other.close();
    }
  }, 120_000);

  it("lists a search's trainings in progress beside the training jobs (training-progress) while a worker holds them", async () => {
    const queries = new DashboardQueries(stack.database.db);
    const id = 'progress-view';
    const normalised = normaliseSpec(spec);
    await store.createCampaign({ id, spec: normalised, specHash: specHash(normalised), codeVersion: 'test', versions: {}, force: true });
    const searchKey = `${id}-search`;
    await store.registerCampaign(id, [{ position: 0, kind: 'nas', group: 'acc', key: searchKey, params }], true);
    await store.startJob(id, searchKey, 'w1', 1);
    const [searchJob] = (await queries.jobPage(id, { limit: 1, fields: ['id', 'status'] })).items as Array<{ id: number; status: string }>;
    expect(searchJob!.status).toBe('running');
    const candidate = candidateTraining(params, { operators: new Array(17).fill('dw') });
    const key = `${id}-candidate`;
    await store.recordSearchTraining(searchKey, key, candidate);
    // Recorded but not claimed by any worker (not started, or its worker let go): not in progress.
    expect(await queries.trainingProgress(id)).toEqual([]);
    expect(await store.claimTraining(key, 'w1', 60)).toBe(true);
    await store.saveMetrics(key, [
      { epoch: 0, step: 4, split: 'train', metric: 'loss', value: 1.25 },
      { epoch: 0, step: -1, split: 'train', metric: 'total_steps', value: 10 },
    ]);
    expect(await queries.trainingProgress(id)).toMatchObject([
      {
        jobId: null,
        jobKey: key,
        search: { jobId: Number(searchJob!.id), group: 'acc' },
        network: 'mobilenet_v2',
        variant: 'custom',
        operators: candidate.operators,
        method: 'scratch',
        seed: 3,
        step: 5,
        totalSteps: 10,
        loss: 1.25,
      },
    ]);
    await store.releaseTraining(key, 'w1');
    expect(await queries.trainingProgress(id)).toEqual([]);
    // Held again, but its search has ended: nothing of it is in progress.
    expect(await store.claimTraining(key, 'w2', 60)).toBe(true);
    expect(await queries.trainingProgress(id)).toHaveLength(1);
    await store.completeJob(id, searchKey, 'w1');
    expect(await queries.trainingProgress(id)).toEqual([]);
  }, 60_000);

  it('trains the network it says: one candidate retrained in this process gives the same accuracy', async () => {
    const c = candidates[0]!;
    const again = await retrain(c.operators, 3);
    expect(-again.testAccuracy!).toBe(c.objectives.accuracy);
  }, 120_000);

  it('asks and keeps what libs/nas runSearch does with the same accuracies in-process', async () => {
    const [result] = await service.searchResults(campaignId);
    await expectSameAsRunSearch(search, { candidates, front: result!.front });
  }, 60_000);

  it('never trains a network twice: a forced re-run of the search and a training entry of a candidate reuse the stored trainings', async () => {
    const before = new Map((await store.trainingResults(campaignId)).map((t) => [t.jobKey, t.createdAt]));
    const forced = await service.submit(spec, { force: true });
    expect(await follow(service, forced.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [again] = await service.searchResults(forced.campaignId);
    const rerun = await store.searchCandidates(again!.jobKey);
    expect(rerun.map((c) => [c.operators, c.objectives, c.trainingKey])).toEqual(
      candidates.map((c) => [c.operators, c.objectives, c.trainingKey]),
    );
    const after = await store.trainingResults(forced.campaignId);
    expect(new Map(after.map((t) => [t.jobKey, t.createdAt]))).toEqual(before);

    const operators = candidates[1]!.operators;
    const entry = await service.submit({
      name: 'one-candidate',
      trainings: [
        { dataset: 'synthetic', network: 'mobilenet_v2', operators: [operators], width: 0.25, epochs: 1, limit: 64, batch: 32, seeds: [3] },
      ],
    });
    expect(await follow(service, entry.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', total: 1, reused: 1 });
    const [reused] = await store.trainingResults(entry.campaignId);
    expect(reused!.jobKey).toBe(trainingKey(operators));
    expect(reused!.createdAt).toEqual(before.get(reused!.jobKey));
  }, 300_000);

  it('trains a network once when candidates differ only in their array (co-design)', async () => {
    const codesign = { ...search, name: 'codesign', operators: ['dw'], arrays: [32, 64], strategy: 'exhaustive', budget: 2 };
    const submitted = await service.submit({ name: 'accuracy-codesign', searches: [codesign] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [result] = await service.searchResults(submitted.campaignId);
    const stored = await store.searchCandidates(result!.jobKey);
    expect(stored.map((c) => c.array?.rows).sort()).toEqual([32, 64]);
    // One network, one training: the same key and accuracy; the latencies are the arrays'.
    expect(new Set(stored.map((c) => c.trainingKey)).size).toBe(1);
    expect(stored[0]!.objectives.accuracy).toBe(stored[1]!.objectives.accuracy);
    expect(stored[0]!.objectives.latency).not.toBe(stored[1]!.objectives.latency);
    expect(await store.searchTrainings(submitted.campaignId)).toHaveLength(1);
    // Trained by one activity: the search workflow scheduled one training for both candidates
    // (two would have trained the same key side by side, and still stored one row).
    const history = await stack.client.client.workflow.getHandle(`${submitted.campaignId}/search-0`).fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainSearchCandidate');
    expect(scheduled).toHaveLength(1);
  }, 300_000);

  it('does not train a candidate that misses the latency constraint', async () => {
    const array = { rows: 64, cols: 64, hardware: 'fuse' } as const;
    const cycles = (operators: string[]) =>
      evaluateStatic({ network: 'mobilenet_v2', array, candidate: { operators } as Candidate, objectives: ['latency'] }).latency!;
    // The speed-up of a network whose latency is half-way between the all-dw and the all-FuSe-half one's:
    // about half of the random mixes meet it.
    const [dw, half] = [cycles(new Array(17).fill('dw')), cycles(new Array(17).fill('fuse_half'))];
    const speedup = Number(((2 * dw) / (dw + half)).toFixed(3));
    const constrained = { ...search, name: 'constrained', budget: 6, seed: 11, constraints: { speedup } };
    // Which of the asked networks meet the bound, from libs/nas in-process (accuracy made up: only the asks matter).
    const planned = await runSearch({ ...constrained, array, evaluate: async () => 0.5 });
    expect(planned.infeasible).toBeGreaterThan(0);
    expect(planned.all.length).toBeGreaterThan(0);
    const submitted = await service.submit({ name: 'accuracy-constrained', searches: [constrained] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [result] = await service.searchResults(submitted.campaignId);
    const stored = await store.searchCandidates(result!.jobKey);
    expect(stored.map((c) => c.operators)).toEqual(planned.all.map((c) => c.operators));
    // One training per network that meets the bound, none for the others.
    const trained = await store.trainingResults(submitted.campaignId);
    expect(trained.map((t) => t.jobKey).sort()).toEqual(stored.map((c) => c.trainingKey).sort());
  }, 300_000);

  it('halving: trains each rung for its share of the epochs, promotes from the Pareto front of the first rung, keeps only full trainings on the front', async () => {
    const halving = {
      ...search,
      name: 'halving',
      strategy: 'halving',
      population: 3,
      eta: 3,
      rungs: 2,
      budget: 4,
      training: { ...training, epochs: 3 },
    };
    const submitted = await service.submit({ name: 'accuracy-halving', searches: [halving] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    await keepHistory('accuracy-halving', submitted.campaignId);
    const [result] = await service.searchResults(submitted.campaignId);
    const stored = await store.searchCandidates(result!.jobKey);
    expect(stored.map((c) => c.fidelity)).toEqual([1 / 3, 1 / 3, 1 / 3, null]);
    const trainings = await store.trainingResults(submitted.campaignId);
    const epochsOf = new Map(trainings.map((t) => [t.jobKey, t.epochs]));
    expect(stored.map((c) => epochsOf.get(c.trainingKey!))).toEqual([1, 1, 1, 3]);
    // The full training went to a network of the first rung's Pareto front (accuracy at 1/3 of the epochs, latency).
    const rung = stored.slice(0, 3);
    const promoted = rung.find((c) => c.operators.join() === stored[3]!.operators.join())!;
    const beats = (a: (typeof rung)[number], b: (typeof rung)[number]) =>
      a.objectives.accuracy! <= b.objectives.accuracy! &&
      a.objectives.latency! <= b.objectives.latency! &&
      (a.objectives.accuracy! < b.objectives.accuracy! || a.objectives.latency! < b.objectives.latency!);
    expect(rung.some((other) => beats(other, promoted))).toBe(false);
    expect(result!.front.map((e) => e.operators)).toEqual([stored[3]!.operators]);
    // The same asks and front as runSearch fed the same accuracies in-process.
    const accuracyOf = new Map(stored.map((c) => [`${c.operators.join(',')}~${c.fidelity}`, -c.objectives.accuracy!]));
    const run = await runSearch({
      ...halving,
      array: { rows: 64, cols: 64 },
      populationSize: 3,
      evaluate: async (candidate) => accuracyOf.get(`${candidate.operators.join(',')}~${candidate.fidelity ?? null}`)!,
    });
    expect(run.all.map((c) => [c.operators, c.fidelity ?? null, c.objectives])).toEqual(
      stored.map((c) => [c.operators, c.fidelity, c.objectives]),
    );
    expect(result!.front.map((e) => ({ operators: e.operators, objectives: e.objectives }))).toEqual(searchSummary(run).front);
  }, 300_000);

  it('confirm: trains the one-seed front again at more seeds and reports the front of the mean accuracies', async () => {
    const confirming = { ...search, name: 'confirmed', confirm: { seeds: [5, 4] } };
    const submitted = await service.submit({ name: 'accuracy-confirm', searches: [confirming] });
    const seen: RunningSearch[] = [];
    expect(await follow(service, submitted.campaignId, (p) => seen.push(...(p.searches ?? [])), 200)).toMatchObject({
      status: 'completed',
      completed: 1,
    });
    const [result] = await service.searchResults(submitted.campaignId);
    // The same candidates as the search without confirm (same seeds): their seed-3 trainings reused.
    const stored = await store.searchCandidates(result!.jobKey);
    expect(stored.map((c) => [c.operators, c.objectives, c.trainingKey])).toEqual(
      candidates.map((c) => [c.operators, c.objectives, c.trainingKey]),
    );
    const confirmed = result!.confirmed!;
    expect(confirmed.seeds).toEqual([3, 4, 5]);
    // While the front was trained again, the campaign's progress said how far along that was.
    const during = seen.filter((s) => s.confirmations);
    for (const s of during) {
      expect(s).toMatchObject({ name: 'confirmed', evaluations: 3, confirmations: { total: 2 * confirmed.networks.length } });
      expect(s.confirmations!.done).toBeLessThanOrEqual(s.confirmations!.total);
    }
    expect(during.some((s) => s.confirmations!.done < s.confirmations!.total)).toBe(true);
    expect(confirmed.networks.map((n) => n.key)).toEqual(result!.front.map((e) => e.key));
    // More than one network, so the front of the means below is a real comparison.
    expect(confirmed.networks.length).toBeGreaterThan(1);
    const confirmParams = expandSpec(normaliseSpec({ name: 'x', searches: [confirming] }))[0]!.params as SearchJobParams;
    const trained = new Map((await store.trainingResults(submitted.campaignId)).map((t) => [t.jobKey, t]));
    for (const n of confirmed.networks) {
      const candidate = stored.find((c) => c.candidateKey === n.key)!;
      // Seed 3: the search's own training; seeds 4 and 5: the jobs a trainings entry of that network and seed makes.
      expect(n.trainingKeys).toEqual([
        candidate.trainingKey,
        jobKey('train', candidateTraining(confirmParams, { operators: n.operators }, 4)),
        jobKey('train', candidateTraining(confirmParams, { operators: n.operators }, 5)),
      ]);
      expect(n.trainingKeys.map((key) => trained.get(key)?.seed)).toEqual([3, 4, 5]);
      expect(n.accuracies).toEqual(n.trainingKeys.map((key) => trained.get(key)!.testAccuracy));
      expect(n.accuracies[0]).toBe(-candidate.objectives.accuracy!);
      const mean = (n.accuracies[0]! + n.accuracies[1]! + n.accuracies[2]!) / 3;
      expect(n.mean).toBeCloseTo(mean, 12);
      expect(n.sd).toBeCloseTo(Math.sqrt(n.accuracies.reduce((sum, a) => sum + (a - mean) ** 2, 0) / 2), 12);
      expect(n.objectives).toEqual({ ...candidate.objectives, accuracy: -n.mean });
    }
    // On the front of the means exactly when no other confirmed network is at least as good on both and better on one.
    const beats = (a: (typeof confirmed.networks)[number], b: (typeof confirmed.networks)[number]) =>
      a.mean >= b.mean &&
      a.objectives.latency! <= b.objectives.latency! &&
      (a.mean > b.mean || a.objectives.latency! < b.objectives.latency!);
    for (const n of confirmed.networks) expect(n.onFront).toBe(!confirmed.networks.some((o) => beats(o, n)));
    // One training per network and confirmation seed, and the workflow replays its own history.
    const history = await keepHistory('accuracy-confirm', submitted.campaignId);
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainSearchCandidate');
    expect(scheduled).toHaveLength(stored.length + 2 * confirmed.networks.length);
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, history, 'confirm-replay');
    // The confirmation trainings belong to the campaign's training views (recorded by the search).
    const recorded = new Set((await store.searchTrainings(submitted.campaignId)).map((t) => t.trainingKey));
    for (const n of confirmed.networks) for (const key of n.trainingKeys) expect(recorded.has(key)).toBe(true);
    // A confirmation training is what it says: retrained in this process at seed 4, the same accuracy.
    const first = confirmed.networks[0]!;
    const again = await retrain(first.operators, 4);
    expect(again.testAccuracy).toBe(first.accuracies[1]);
    // The CLI's report, the dashboard's search view and an export carry it.
    const text = renderSearchFronts([result!]);
    expect(text).toContain(
      `confirmed over 3 seeds: ${confirmed.networks.filter((n) => n.onFront).length} of ${confirmed.networks.length} networks on the front of the mean accuracies`,
    );
    expect(text).toContain('accuracy % at seeds 3 / 4 / 5');
    const [view] = await new DashboardQueries(stack.database.db).searches(submitted.campaignId);
    expect(view!.confirmed).toEqual(confirmed);
    const doc = JSON.parse(JSON.stringify(await service.exportCampaign(submitted.campaignId, { checkpoints: false })));
    const other = await openDatabase({ kind: 'pglite' });
    try {
      const otherService = new LocalCampaignService(new Store(other.db), async () => stack.client.client);
      await otherService.importCampaign(doc);
      expect((await otherService.searchResults(submitted.campaignId))[0]!.confirmed).toEqual(confirmed);
    } finally {
      await other.close();
    }
  }, 300_000);

  it('training seeds: trains every candidate at each seed and takes the mean accuracy as its objective', async () => {
    const seeded = { ...search, name: 'seeded', training: { ...training, seed: undefined, seeds: [6, 3] } };
    const submitted = await service.submit({ name: 'accuracy-seeds', searches: [seeded] });
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({ status: 'completed', completed: 1 });
    const [result] = await service.searchResults(submitted.campaignId);
    const stored = await store.searchCandidates(result!.jobKey);
    // The same asks as the one-seed search (random: the objectives do not steer it).
    expect(stored.map((c) => c.operators)).toEqual(candidates.map((c) => c.operators));
    const seededParams = expandSpec(normaliseSpec({ name: 'x', searches: [seeded] }))[0]!.params as SearchJobParams;
    const trained = new Map((await store.trainingResults(submitted.campaignId)).map((t) => [t.jobKey, t]));
    for (const c of stored) {
      const keys = [3, 6].map((seed) => jobKey('train', candidateTraining(seededParams, { operators: c.operators }, seed)));
      // Seed 3: the very training the one-seed search made (reused, not trained again).
      expect(keys[0]).toBe(candidates.find((o) => o.candidateKey === c.candidateKey)!.trainingKey);
      expect(c.trainingKey).toBe(keys[0]);
      expect(c.seedTrainings).toEqual(keys.map((key, i) => ({ seed: [3, 6][i], key, testAccuracy: trained.get(key)!.testAccuracy })));
      expect(keys.map((key) => trained.get(key)!.seed)).toEqual([3, 6]);
      expect(c.objectives.accuracy).toBe(-(trained.get(keys[0]!)!.testAccuracy! + trained.get(keys[1]!)!.testAccuracy!) / 2);
    }
    // The report says what the accuracy is.
    expect(result!.trainingSeeds).toEqual([3, 6]);
    expect(renderSearchFronts([result!])).toContain('−accuracy (mean of seeds 3 / 6)');
    // Two trainings per candidate in the history, and the workflow replays it.
    const history = await keepHistory('accuracy-seeds', submitted.campaignId);
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainSearchCandidate');
    expect(scheduled).toHaveLength(2 * stored.length);
    await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, history, 'seeds-replay');
    // A seed-6 training is what it says: retrained in this process, the same accuracy.
    const again = await retrain(stored[0]!.operators, 6);
    expect(again.testAccuracy).toBe(stored[0]!.seedTrainings![1]!.testAccuracy);
    // An export carries the per-seed trainings, and an import into another database gives them back.
    const doc = await service.exportCampaign(submitted.campaignId, { checkpoints: false });
    const other = await openDatabase({ kind: 'pglite' });
    try {
      await new LocalCampaignService(new Store(other.db), async () => stack.client.client).importCampaign(doc);
      expect((await new Store(other.db).searchCandidates(result!.jobKey)).map((c) => c.seedTrainings)).toEqual(
        stored.map((c) => c.seedTrainings),
      );
    } finally {
      await other.close();
    }
  }, 300_000);

  it('trains candidates with NOS from the baseline training of the campaign, once that job has finished', async () => {
    const nos = {
      name: 'nos-search',
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
          seeds: [3],
        },
      ],
      searches: [{ ...search, name: 'nos', budget: 2, training: { ...training, method: 'nos', teacher: 'base' } }],
    };
    const submitted = await service.submit(nos);
    expect(submitted.total).toBe(2);
    expect(await follow(service, submitted.campaignId, () => undefined, 200)).toMatchObject({
      status: 'completed',
      completed: 2,
      failed: 0,
    });
    await keepHistory('accuracy-nos', submitted.campaignId, 1);
    // The search started once its teacher's job had finished (not in parallel, leaning on retries).
    const jobs = (await store.listJobs(submitted.campaignId)) as Array<{ kind: string; startedAt: string; finishedAt: string }>;
    const teacherJob = jobs.find((j) => j.kind === 'train')!;
    const searchJob = jobs.find((j) => j.kind === 'nas')!;
    expect(Date.parse(searchJob.startedAt)).toBeGreaterThanOrEqual(Date.parse(teacherJob.finishedAt));
    const results = await store.trainingResults(submitted.campaignId);
    const teacher = results.find((r) => r.variant === 'baseline')!;
    const students = results.filter((r) => r.variant === 'custom');
    expect(students).toHaveLength(2);
    const curves = (await service.trainingCurves(submitted.campaignId)) as Array<{ jobKey: string; metric: string }>;
    for (const student of students) {
      expect(student.method).toBe('nos');
      // Trained after the teacher's result was stored, and with NOS' operator loss.
      expect(student.createdAt.getTime()).toBeGreaterThan(teacher.createdAt.getTime());
      expect(curves.some((c) => c.jobKey === student.jobKey && c.metric === 'operator_loss')).toBe(true);
    }
  }, 300_000);

  it('replays recorded accuracy search histories against the current workflow code', async () => {
    const names = ['accuracy-search', 'accuracy-halving', 'accuracy-confirm', 'accuracy-seeds', 'accuracy-nos'];
    expect(recorded.map((r) => r.name)).toEqual(names);
    if (record) for (const { name, history } of recorded) writeHistory(name, history);
    const files = readdirSync(HISTORIES).filter((file) => file.startsWith('accuracy-') && file.endsWith('.json'));
    expect(files.sort()).toEqual(names.map((name) => `${name}.json`).sort());
    const histories = [
      ...recorded.map(({ name, history }) => ({ workflowId: `live-${name}`, history })),
      ...files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: readHistory(file) })),
    ];
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }, histories))
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    expect(failures).toEqual([]);
  }, 120_000);
});
