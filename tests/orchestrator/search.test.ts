// Search jobs end to end on the real Temporal dev server with in-process workers (fuselab-nas) and
// PGlite: a campaign search runs as a searchWorkflow child (ask/tell in workflow code, evaluations
// as activities), gives exactly libs/nas' in-process runSearch front, stores each candidate once,
// gives the same front when it continues as new after every generation, is reused on a re-run, and
// recorded search histories replay against the current workflow code.
import { readdirSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { evaluateStatic, runSearch, searchSummary, type Candidate } from '@fuselab/nas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCampaignService, follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { openDatabase } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { WORKFLOW_BUNDLE_PATH } from '../../apps/orchestrator/dist/temporal/worker.js';
import { HISTORIES, RECORD_HISTORIES as record, readHistory, writeHistory, type History } from './helpers/histories.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

const search = {
  name: 'v2-stages',
  network: 'mobilenet_v2',
  space: 'stages',
  strategy: 'nsga2',
  objectives: ['latency', 'params'],
  budget: 24,
  population: 8,
  seed: 3,
};
const spec = { name: 'search-small', searches: [search] };

/**
 * The store the search workers write through; `holdNextFront` makes the next search-front write
 * wait until the test lets it go, so a cancel can be sent while a front is being recorded.
 */
class FrontGateStore extends Store {
  private gate: { reached: () => void; release: Promise<void> } | undefined;
  holdNextFront(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const hit = new Promise<void>((resolve) => (reached = resolve));
    this.gate = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
    return { reached: hit, release };
  }
  override async saveSearchFront(...args: Parameters<Store['saveSearchFront']>) {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) {
      gate.reached();
      await gate.release;
    }
    return super.saveSearchFront(...args);
  }
}

let stack: TestStack;
let store: TestStack['store'];
let workers: TestStack['workers'];
let client: TestStack['client'];
let service: TestStack['service'];
let expected: ReturnType<typeof searchSummary>;
const recorded: Array<{ name: string; history: History }> = [];

async function childHistories(campaignId: string): Promise<{ first: History; last: History }> {
  const childId = `${campaignId}/search-0`;
  const parent = (await client.client.workflow.getHandle(campaignId).fetchHistory()) as History;
  const started = parent.events!.find((e) => e.childWorkflowExecutionStartedEventAttributes)!.childWorkflowExecutionStartedEventAttributes!;
  expect(started.workflowExecution!.workflowId).toBe(childId);
  const first = (await client.client.workflow.getHandle(childId, started.workflowExecution!.runId!).fetchHistory()) as History;
  const last = (await client.client.workflow.getHandle(childId).fetchHistory()) as History;
  return { first, last };
}

beforeAll(async () => {
  const result = await runSearch({
    network: 'mobilenet_v2',
    space: 'stages',
    array: { rows: 64, cols: 64 },
    strategy: 'nsga2',
    objectives: ['latency', 'params'],
    budget: 24,
    seed: 3,
    populationSize: 8,
  });
  expected = searchSummary(result);
  stack = await startTestStack({ queues: ['nas'], concurrency: 4 }, (db) => new FrontGateStore(db));
  ({ store, workers, client, service } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

const frontOf = (rows: Awaited<ReturnType<Store['searchResults']>>) =>
  rows[0]!.front.map((e) => ({ operators: e.operators, objectives: e.objectives }));

describe('search jobs on the Temporal dev server', () => {
  it('runs a campaign search as a searchWorkflow child: the same front as runSearch in-process, each candidate stored once', async () => {
    expect(expected.evaluations).toBe(24);
    expect(expected.front.length).toBeGreaterThan(1);
    const submitted = await service.submit(spec);
    expect(submitted.total).toBe(1);
    const final = await follow(service, submitted.campaignId, () => undefined, 100);
    expect(final).toMatchObject({ status: 'completed', total: 1, completed: 1, failed: 0, reused: 0 });

    const results = await service.searchResults(submitted.campaignId);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      name: 'v2-stages',
      network: 'mobilenet_v2',
      space: 'stages',
      strategy: 'nsga2',
      objectives: ['latency', 'params'],
      evaluations: 24,
      generations: 3,
      runs: 1,
    });
    expect(frontOf(results)).toEqual(expected.front);

    const key = results[0]!.jobKey;
    const candidates = await store.searchCandidates(key);
    expect(candidates.map((c) => c.candidateIndex)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(new Set(candidates.map((c) => c.candidateKey)).size).toBe(24);
    expect(candidates.map((c) => c.generation)).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    // The front after each generation; the last one is the result's.
    const fronts = await store.searchFronts(submitted.campaignId);
    expect(fronts.map((f) => [f.generation, f.evaluations])).toEqual([
      [1, 8],
      [2, 16],
      [3, 24],
    ]);
    expect(fronts[2]!.front).toEqual(results[0]!.front);

    // The search's progress query, like the campaign's.
    const progress = await client.client.workflow
      .getHandle(`${submitted.campaignId}/search-0`)
      .query<{ status: string; evaluations: number; generation: number; front: number; run: number }>('progress');
    expect(progress).toMatchObject({ status: 'completed', evaluations: 24, generation: 3, front: expected.front.length, run: 1 });

    const jobs = (await store.listJobs(submitted.campaignId)) as Array<{ kind: string; status: string; worker: string }>;
    expect(jobs).toMatchObject([{ kind: 'nas', status: 'completed', worker: workers.identity }]);
    const { last } = await childHistories(submitted.campaignId);
    recorded.push({ name: 'v3-search-completed', history: last });
    recorded.push({
      name: 'v3-campaign-search',
      history: (await client.client.workflow.getHandle(submitted.campaignId).fetchHistory()) as History,
    });
  }, 60_000);

  it('reuses a finished search on a re-run', async () => {
    const again = await service.submit(spec);
    expect(await follow(service, again.campaignId, () => undefined, 100)).toMatchObject({
      status: 'completed',
      total: 1,
      completed: 0,
      reused: 1,
    });
    expect(frontOf(await service.searchResults(again.campaignId))).toEqual(expected.front);
  }, 60_000);

  it('continues as new after every generation (the strategy state carried over) and gives the same front', async () => {
    const forced = await service.submit(spec, { force: true, searchGenerationsPerRun: 1 });
    expect(await follow(service, forced.campaignId, () => undefined, 100)).toMatchObject({
      status: 'completed',
      total: 1,
      completed: 1,
      reused: 0,
    });
    const results = await service.searchResults(forced.campaignId);
    expect(results[0]).toMatchObject({ evaluations: 24, generations: 3, runs: 3 });
    expect(frontOf(results)).toEqual(expected.front);
    expect(await store.searchCandidates(results[0]!.jobKey)).toHaveLength(24);
    const { first, last } = await childHistories(forced.campaignId);
    expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(last.events!.at(-1)!.workflowExecutionCompletedEventAttributes).toBeTruthy();
    recorded.push({ name: 'v3-search-continued', history: first });
    recorded.push({ name: 'v3-search-resumed', history: last });
  }, 60_000);

  it('shows fronts through the export and loads them on import', async () => {
    const [campaign] = (await service.list()).filter((c) => c.name === 'search-small' && c.jobs.completed === 1);
    const doc = await service.exportCampaign(campaign!.campaignId);
    expect(doc.searchResults).toHaveLength(1);
    expect(doc.searchCandidates).toHaveLength(24);
    const other = await openDatabase({ kind: 'pglite' });
    try {
      const otherStore = new Store(other.db);
      const otherService = new LocalCampaignService(otherStore, async () => client.client);
      await otherService.importCampaign(JSON.parse(JSON.stringify(doc)));
      await otherService.importCampaign(JSON.parse(JSON.stringify(doc)));
      expect(frontOf(await otherService.searchResults(campaign!.campaignId))).toEqual(expected.front);
      expect(await otherStore.searchCandidates(doc.searchResults[0]!.jobKey)).toHaveLength(24);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('cancelling the campaign cancels its running search: the child workflow is cancelled, the job marked cancelled', async () => {
    const long = {
      name: 'search-long',
      searches: [
        { network: 'mobilenet_v2', space: 'blocks', strategy: 'random', objectives: ['latency', 'params'], budget: 5000, seed: 1 },
      ],
    };
    const submitted = await service.submit(long);
    const childId = `${submitted.campaignId}/search-0`;
    let evaluations = 0;
    for (let i = 0; i < 400 && evaluations < 64; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        evaluations = (await client.client.workflow.getHandle(childId).query<{ evaluations: number }>('progress')).evaluations;
      } catch {
        /* not started yet */
      }
    }
    expect(evaluations).toBeGreaterThanOrEqual(64);
    await service.cancel(submitted.campaignId);
    const final = await follow(service, submitted.campaignId, () => undefined, 100);
    expect(final).toMatchObject({ status: 'cancelled', total: 1, completed: 0, cancelled: 1 });
    expect((await client.client.workflow.getHandle(childId).describe()).status.name).toBe('CANCELLED');
    const [job] = (await store.listJobs(submitted.campaignId)) as Array<{ key: string; status: string }>;
    expect(job!.status).toBe('cancelled');
    const stored = (await store.searchCandidates(job!.key)).length;
    expect(stored).toBeGreaterThanOrEqual(64);
    expect(stored).toBeLessThan(5000);
    expect(await service.searchResults(submitted.campaignId)).toEqual([]);
    // What the search evaluated before the cancel is exported with the campaign (it used to be left out).
    const exported = await service.exportCampaign(submitted.campaignId, { checkpoints: false });
    expect(exported.searchCandidates).toHaveLength(stored);
    const other = await openDatabase({ kind: 'pglite' });
    try {
      const otherStore = new Store(other.db);
      await new LocalCampaignService(otherStore, async () => client.client).importCampaign(JSON.parse(JSON.stringify(exported)));
      expect(await otherStore.searchCandidates(job!.key)).toHaveLength(stored);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('a cancel that comes while a search front is being written waits for the write: nothing lands after the campaign closes', async () => {
    const gated = store as FrontGateStore;
    const hold = gated.holdNextFront();
    const long = {
      name: 'search-front-cancel',
      searches: [
        {
          network: 'mobilenet_v2',
          space: 'blocks',
          strategy: 'nsga2',
          objectives: ['latency', 'params'],
          budget: 400,
          population: 8,
          seed: 2,
        },
      ],
    };
    const submitted = await service.submit(long);
    await hold.reached; // generation 1's front is being written, and held there
    await service.cancel(submitted.campaignId);
    // While the write is held the campaign reads `cancelling`, never `cancelled` (before v6 it was
    // cancelled within about a second, and the front row landed after it had closed).
    const seenWhileHeld = new Set<string>();
    for (let i = 0; i < 30 && !seenWhileHeld.has('cancelled'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      seenWhileHeld.add((await service.progress(submitted.campaignId)).status);
    }
    hold.release();
    const final = await follow(service, submitted.campaignId, () => undefined, 100);
    expect([...seenWhileHeld]).toEqual(['cancelling']);
    expect(final).toMatchObject({ status: 'cancelled', total: 1, cancelled: 1 });
    const atClose = (await store.searchFronts(submitted.campaignId)).length;
    expect(atClose).toBe(1); // the held front was written before the campaign closed
    await new Promise((r) => setTimeout(r, 1000));
    expect((await store.searchFronts(submitted.campaignId)).length).toBe(atClose);
  }, 60_000);

  it('honours latency constraints as runSearch does: the same front, nothing that misses the bound evaluated or stored', async () => {
    const constrained = {
      name: 'v2-constrained',
      network: 'mobilenet_v2',
      space: 'blocks',
      operators: ['dw', 'fuse_half'],
      strategy: 'evolution',
      objectives: ['latency', 'params'],
      budget: 40,
      population: 8,
      seed: 5,
    };
    const array = { rows: 64, cols: 64, hardware: 'fuse' } as const;
    const cycles = (operators: string[]) =>
      evaluateStatic({ network: 'mobilenet_v2', array, candidate: { operators } as Candidate, objectives: ['latency'] }).latency!;
    const dw = cycles(new Array(17).fill('dw'));
    // A bound half-way between the all-dw and the all-FuSe-half network.
    const speedup = Number(((1 + dw / cycles(new Array(17).fill('fuse_half'))) / 2).toFixed(3));
    const inProcess = await runSearch({ ...constrained, populationSize: 8, constraints: { speedup } });
    expect(inProcess.infeasible).toBeGreaterThan(0);
    const submitted = await service.submit({ name: 'search-constrained', searches: [{ ...constrained, constraints: { speedup } }] });
    expect(await follow(service, submitted.campaignId, () => undefined, 100)).toMatchObject({ status: 'completed', completed: 1 });
    const results = await service.searchResults(submitted.campaignId);
    expect(results[0]!.evaluations).toBe(inProcess.all.length);
    expect(frontOf(results)).toEqual(searchSummary(inProcess).front);
    const stored = await store.searchCandidates(results[0]!.jobKey);
    expect(stored.map((c) => [c.operators, c.objectives])).toEqual(inProcess.all.map((c) => [c.operators, c.objectives]));
    for (const c of stored) expect(cycles(c.operators)).toBeLessThanOrEqual(dw / speedup);
  }, 60_000);

  it('replays recorded search workflow histories against the current workflow code', async () => {
    expect(recorded.map((r) => r.name)).toEqual(['v3-search-completed', 'v3-campaign-search', 'v3-search-continued', 'v3-search-resumed']);
    if (record) for (const { name, history } of recorded) writeHistory(name, history);
    const histories = recorded.map(({ name, history }) => ({ workflowId: `live-${name}`, history }));
    const files = readdirSync(HISTORIES).filter((file) => file.startsWith('v3-') && file.endsWith('.json'));
    expect(files.sort()).toEqual([
      'v3-campaign-search.json',
      'v3-search-completed.json',
      'v3-search-continued.json',
      'v3-search-resumed.json',
    ]);
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
