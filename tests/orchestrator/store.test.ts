// The store against both databases it serves: PGlite (embedded) and a real PostgreSQL server.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../apps/orchestrator/dist/store/db.js';
import { Store, type TrainingResultInput } from '../../apps/orchestrator/dist/store/store.js';
import {
  checkpoints,
  jobs as jobsTable,
  trainingLeases,
  trainingMetrics,
  trainingResults,
} from '../../apps/orchestrator/dist/store/schema.js';
import { parseExport } from '../../apps/orchestrator/dist/campaigns/service.js';
import { loadSpecText, specHash } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { expandSpec, type SimJobParams } from '../../apps/orchestrator/dist/campaigns/expand.js';
import { jobKey } from '../../apps/orchestrator/dist/campaigns/versions.js';
import { runSimulationJob } from '../../apps/orchestrator/dist/activities/index.js';
import { startPostgres, type Postgres } from './helpers/services.js';

const spec = loadSpecText(
  'name: tiny\nseed: 1\nsimulations: {networks: [mobilenet_v2], variants: [baseline, fuse_half], arrays: [32, 64]}\n',
);
const jobs = expandSpec(spec).map((job, position) => ({
  position,
  kind: job.kind,
  group: job.group,
  key: jobKey(job.kind, job.params, 'test'),
  params: job.params,
}));

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

const backends: Array<[string, () => Promise<Database>]> = [
  ['PGlite', () => openDatabase({ kind: 'pglite' })],
  ['PostgreSQL', async () => openDatabase({ kind: 'postgres', url: await postgres.createDatabase(`store_${Date.now()}`) })],
];

describe.each(backends)('store on %s', (_name, open) => {
  let database: Database;
  let store: Store;
  beforeAll(async () => {
    database = await open();
    store = new Store(database.db);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it('records a campaign and its jobs once, however often registration runs', async () => {
    await store.createCampaign({ id: 'c1', spec, specHash: specHash(spec), codeVersion: 'test', versions: { x: '1' }, force: false });
    const first = await store.registerJobs('c1', jobs, false);
    const again = await store.registerJobs('c1', jobs, false);
    expect(first.map((j) => j.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(again).toEqual(first);
    expect((await store.getCampaign('c1'))!.jobs).toMatchObject({ total: 4, pending: 4 });
  });

  it('lists counts and the first start; a finished campaign is counted once per version of its row', async () => {
    const id = 'tally';
    await store.createCampaign({ id, spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: true });
    await store.registerJobs(id, jobs, true);
    await store.setCampaignStatus(id, 'running');
    const listed = async (from = store) => (await from.listCampaigns()).find((c) => c.campaignId === id)!;
    expect((await listed()).startedAt).toBeNull();
    await store.startJob(id, jobs[0]!.key, 'w1', 1);
    const running = await listed();
    expect(running.jobs).toMatchObject({ total: 4, running: 1, pending: 3 });
    expect(Date.parse(running.startedAt!)).toBeGreaterThan(Date.parse(running.createdAt) - 1000);
    await store.completeJob(id, jobs[0]!.key, 'w1');
    expect((await listed()).jobs).toMatchObject({ completed: 1, pending: 3 }); // running: counted afresh

    await store.finishCampaign(id, 'cancelled');
    const finished = await listed();
    expect(finished.jobs).toMatchObject({ total: 4, completed: 1, cancelled: 3 });
    expect((await store.getCampaign(id))!.jobs).toEqual(finished.jobs);
    // Jobs of a finished campaign do not move (finishCampaign ended them); a row changed behind the
    // store's back shows that the listing reuses the tally instead of counting 100,000 jobs again...
    await database.db.update(jobsTable).set({ status: 'failed' }).where(eq(jobsTable.campaignId, id));
    expect((await listed()).jobs).toEqual(finished.jobs);
    // ...while another process counts for itself, and a change of the campaign row counts afresh.
    expect((await listed(new Store(database.db))).jobs).toMatchObject({ failed: 4, cancelled: 0 });
    await store.setCampaignStatus(id, 'cancelled', 'again');
    expect((await listed()).jobs).toMatchObject({ failed: 4, cancelled: 0 });
  });

  it('keeps one result (and one set of layer rows) when an activity runs twice', async () => {
    const job = jobs[3]!;
    const result = runSimulationJob(job.params as SimJobParams);
    await store.saveSimResult('c1', job.key, job.params as SimJobParams, result, 'test', 'w1');
    await store.saveSimResult('c1', job.key, job.params as SimJobParams, result, 'test', 'w2');
    const rows = await store.simResults({ campaignId: 'c1' }, true);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      rows: 64,
      cols: 64,
      hardware: 'fuse',
      totalCycles: result.totalCycles,
    });
    expect(rows[0]!.layers).toHaveLength(result.layers.length);
    expect(rows[0]!.layers!.reduce((sum, layer) => sum + layer.cycles, 0)).toBe(result.totalCycles);
    expect((await store.getCampaign('c1'))!.jobs).toMatchObject({ total: 4, completed: 1, pending: 3 });
  });

  it('marks jobs with existing results as reused in a later campaign, unless forced', async () => {
    await store.createCampaign({ id: 'c2', spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: false });
    expect((await store.registerJobs('c2', jobs, false)).map((j) => j.status)).toEqual(['pending', 'pending', 'pending', 'reused']);
    await store.createCampaign({ id: 'c3', spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: true });
    expect((await store.registerJobs('c3', jobs, true)).map((j) => j.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('filters results and exports/imports a campaign into another database', async () => {
    for (const job of jobs.slice(0, 3))
      await store.saveSimResult('c1', job.key, job.params as SimJobParams, runSimulationJob(job.params as SimJobParams), 'test', 'w1');
    await store.finishCampaign('c1', 'completed');
    expect(await store.simResults({ campaignId: 'c1', variant: 'baseline' })).toHaveLength(2);
    expect(await store.simResults({ campaignId: 'c1', rows: 32, cols: 32, hardware: 'fuse' })).toHaveLength(1);
    expect(await store.trainingCurves('c1')).toEqual([]);
    expect(await store.searchFronts('c1')).toEqual([]);
    const doc = JSON.parse(JSON.stringify(await store.exportCampaign('c1')));
    const other = await openDatabase({ kind: 'pglite' });
    try {
      const target = new Store(other.db);
      expect(await target.importCampaign(doc)).toEqual({
        campaignId: 'c1',
        jobs: 4,
        simResults: 4,
        searchResults: 0,
        trainingResults: 0,
        trainingMetrics: 0,
        checkpoints: 0,
      });
      await target.importCampaign(doc); // twice changes nothing
      const copied = await target.simResults({ campaignId: 'c1' }, true);
      expect(copied).toEqual(await store.simResults({ campaignId: 'c1' }, true));
      expect((await target.getCampaign('c1'))!).toMatchObject({
        status: 'completed',
        specHash: specHash(spec),
        jobs: { total: 4, completed: 4 },
      });
    } finally {
      await other.close();
    }
  });

  it('stores a chunk of results once however often it is saved (also with replace), and failJobs leaves finished jobs alone', async () => {
    // Keys of another code version, so these results do not meet the other tests' ones.
    const bjobs = jobs.map((job) => ({ ...job, key: jobKey(job.kind, job.params, 'test-b') }));
    const last = bjobs[3]!;
    await store.saveSimResult('none', last.key, last.params as SimJobParams, runSimulationJob(last.params as SimJobParams), 'test', 'w0');
    await store.createCampaign({ id: 'b1', spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: false });
    const registered = await store.registerCampaign('b1', bjobs, false);
    // Job 3 already has a result: reused; the rest to run, as one range.
    expect(registered).toEqual({ total: 4, reused: 1, completed: 0, todo: [[0, 3]] });
    const loaded = await store.loadJobs('b1', [2, 0, 1]);
    expect(loaded.map((j) => j.position)).toEqual([0, 1, 2]);
    const items = loaded
      .slice(0, 2)
      .map((j) => ({ key: j.key, params: j.params as SimJobParams, result: runSimulationJob(j.params as SimJobParams) }));
    await store.startJobs(
      'b1',
      items.map((i) => i.key),
      'w1',
      1,
    );
    await store.saveSimResults('b1', items, 'test', 'w1');
    await store.saveSimResults('b1', items, 'test', 'w2');
    await store.saveSimResults('b1', items, 'test', 'w3', true);
    const rows = await store.simResults({ campaignId: 'b1' }, true);
    expect(rows).toHaveLength(3); // two from the chunk + the reused one
    for (const item of items) {
      const row = rows.find((r) => r.jobKey === item.key)!;
      expect(row.totalCycles).toBe(item.result.totalCycles);
      expect(row.layers).toHaveLength(item.result.layers.length);
    }
    expect(await store.failJobs('b1', [0, 1, 2, 3], 'boom')).toBe(1); // only the unfinished job 2
    expect((await store.getCampaign('b1'))!.jobs).toMatchObject({ total: 4, completed: 2, failed: 1, reused: 1 });
    expect(await store.finishCampaign('b1', 'failed', '1 of 4 jobs failed')).toEqual({
      total: 4,
      completed: 2,
      failed: 1,
      reused: 1,
      cancelled: 0,
    });
  });

  it('registers a campaign of several batches (1,000 jobs a round trip): counts and todo ranges across the boundaries, twice the same', async () => {
    const id = 'streamed';
    const base = jobs[0]!;
    const many = Array.from({ length: 2500 }, (_, position) => ({ ...base, position, key: `streamed-${position}` }));
    // Results already stored for the jobs on either side of the first batch boundary: reused.
    const result = runSimulationJob(base.params as SimJobParams);
    for (const position of [999, 1000])
      await store.saveSimResult('none', `streamed-${position}`, base.params as SimJobParams, result, 'test', 'w0');
    await store.createCampaign({ id, spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: false });
    // Given one at a time, as the activity streams them.
    const stream = function* () {
      yield* many;
    };
    const first = await store.registerCampaign(id, stream(), false);
    expect(first).toEqual({
      total: 2500,
      reused: 2,
      completed: 0,
      todo: [
        [0, 999],
        [1001, 2500],
      ],
    });
    await store.completeJob(id, 'streamed-2000', 'w1');
    expect(await store.registerCampaign(id, stream(), false)).toEqual({
      total: 2500,
      reused: 2,
      completed: 1,
      todo: [
        [0, 999],
        [1001, 2000],
        [2001, 2500],
      ],
    });
    expect((await store.getCampaign(id))!.jobs).toMatchObject({ total: 2500, reused: 2, completed: 1, pending: 2497 });
  });

  it('a cancel shows as cancelling until the outcome is recorded; registration does not undo it, a finished campaign keeps its outcome', async () => {
    const status = async (id: string) => (await store.getCampaign(id))!.status;
    const stream = (id: string) => jobs.slice(0, 2).map((job, position) => ({ ...job, position, key: `${id}-${position}` }));
    // Cancelled before the workflow registered its jobs: registration counts them, keeps `cancelling`.
    await store.createCampaign({ id: 'early', spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: true });
    expect(await store.markCancelling('early')).toBe(true);
    await store.registerCampaign('early', stream('early'), true);
    expect(await status('early')).toBe('cancelling');
    expect((await store.getCampaign('early'))!.jobs.total).toBe(2);
    await store.finishCampaign('early', 'cancelled');
    expect(await status('early')).toBe('cancelled');
    // A running campaign moves; one that finished first does not, nor one already cancelling.
    await store.createCampaign({ id: 'late', spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: true });
    await store.registerCampaign('late', stream('late'), true);
    expect(await status('late')).toBe('running');
    expect(await store.markCancelling('late')).toBe(true);
    expect(await store.markCancelling('late')).toBe(false);
    await store.finishCampaign('late', 'completed');
    expect(await store.markCancelling('late')).toBe(false);
    expect(await status('late')).toBe('completed');
  });

  it('a sign of life lands on a running job only, and a new attempt starts without the old one', async () => {
    const id = 'touch';
    const tjobs = jobs.map((job) => ({ ...job, key: jobKey(job.kind, job.params, 'test-touch') }));
    await store.createCampaign({ id, spec, specHash: specHash(spec), codeVersion: 'test', versions: {}, force: true });
    await store.registerJobs(id, tjobs, true);
    const [running, pending] = [tjobs[0]!.key, tjobs[1]!.key];
    const heartbeat = async (key: string) =>
      (await database.db.select({ at: jobsTable.heartbeatAt }).from(jobsTable).where(eq(jobsTable.key, key)))[0]!.at;
    await store.startJob(id, running, 'w1', 1);
    await store.touchJob(id, running);
    await store.touchJob(id, pending);
    expect(await heartbeat(running)).toBeInstanceOf(Date);
    expect(await heartbeat(pending)).toBeNull();
    await store.startJob(id, running, 'w2', 2); // the retry: silent until it says otherwise
    expect(await heartbeat(running)).toBeNull();
    await store.completeJob(id, running, 'w2');
    await store.touchJob(id, running); // a late one from a lost attempt
    expect(await heartbeat(running)).toBeNull();
  });

  it('grants a training claim to one holder at a time: its own retry gets it back, a stale one loses it', async () => {
    expect(await store.claimTraining('lk', 'a/1', 90)).toBe(true);
    expect(await store.claimTraining('lk', 'b/1', 90)).toBe(false);
    expect(await store.claimTraining('lk', 'a/1', 90)).toBe(true); // a retried attempt of the same activity
    expect(await store.renewTraining('lk', 'b/1')).toBe(false);
    expect(await store.renewTraining('lk', 'a/1')).toBe(true);
    await store.releaseTraining('lk', 'b/1'); // not b's to release
    expect(await store.trainingLease('lk')).toEqual({ holder: 'a/1', claims: 2 });
    // a/1 stops renewing (its worker died): two minutes later it is stale for a 90 s timeout, not for 300 s.
    await database.db
      .update(trainingLeases)
      .set({ renewedAt: new Date(Date.now() - 120_000) })
      .where(eq(trainingLeases.jobKey, 'lk'));
    expect(await store.claimTraining('lk', 'b/1', 300)).toBe(false);
    expect(await store.claimTraining('lk', 'b/1', 90)).toBe(true);
    expect(await store.renewTraining('lk', 'a/1')).toBe(false);
    await store.releaseTraining('lk', 'a/1');
    expect(await store.trainingLease('lk')).toEqual({ holder: 'b/1', claims: 3 });
    await store.releaseTraining('lk', 'b/1');
    expect(await store.claimTraining('lk', 'c/1', 90)).toBe(true);
    expect(await store.trainingLease('lk')).toEqual({ holder: 'c/1', claims: 4 });
    expect(await store.trainingLease('none')).toBeUndefined();
  });

  it('keeps the newest checkpoints of a training job and upserts its metrics', async () => {
    for (const step of [2, 4, 6]) await store.saveCheckpoint('tk', 0, step, 'f', new Uint8Array([step]));
    await store.saveCheckpoint('tk', 0, 6, 'f', new Uint8Array([7]));
    const latest = await store.latestCheckpoint('tk');
    expect([latest!.step, Array.from(latest!.data)]).toEqual([6, [7]]);
    expect(await store.checkpoint('tk', 0, 2)).toBeUndefined();
    expect(await store.checkpoint('tk', 0, 4)).toBeDefined();
    await store.saveMetrics('tk', [{ epoch: 0, step: 0, split: 'train', metric: 'loss', value: 1 }]);
    await store.saveMetrics('tk', [{ epoch: 0, step: 0, split: 'train', metric: 'loss', value: 0.5 }]);
    const curves = (await store.trainingCurves()).filter((c) => c.jobKey === 'tk');
    expect(curves.map((c) => c.value)).toEqual([0.5]);
  });

  it('exports/imports training results, metrics and the latest checkpoints: twice changes nothing, old files still import, a bad file writes nothing', async () => {
    // Two training jobs (synthetic rows through the store's own save methods): one finished, one with a resumable checkpoint.
    const tjobs = [0, 1].map((position) => ({
      position,
      kind: 'train',
      group: 'kd-small',
      key: `export-train-${position}`,
      params: { seed: position },
    }));
    const [done, partial] = tjobs.map((j) => j.key) as [string, string];
    await store.createCampaign({ id: 't1', spec, specHash: specHash(spec), codeVersion: 'test', versions: { x: '1' }, force: false });
    await store.registerJobs('t1', tjobs, false);
    const result: TrainingResultInput = {
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      method: 'kd',
      width: 0.25,
      epochs: 2,
      seed: 0,
      backend: 'cpu',
      testAccuracy: 0.5,
      testLoss: 1.25,
      trainLoss: 0.75,
      trainAccuracy: 0.625,
      trainImagesPerSec: 123.5,
      checkpointEpoch: 1,
      checkpointStep: 8,
      resumedFrom: 4,
    };
    const checkpointData = (step: number) =>
      new TextEncoder().encode(JSON.stringify({ step, weights: Array.from({ length: 300 }, (_, i) => (i * step) % 7) }));
    await store.saveCheckpoint(done, 0, 4, 'json', checkpointData(4));
    await store.saveCheckpoint(done, 1, 8, 'json', checkpointData(8));
    await store.saveCheckpoint(partial, 0, 2, 'json', checkpointData(2));
    await store.saveMetrics(
      done,
      [0, 1].flatMap((epoch) => [
        { epoch, step: epoch * 4 + 4, split: 'train', metric: 'loss', value: 1 - epoch / 4 },
        { epoch, step: epoch * 4 + 4, split: 'test', metric: 'accuracy', value: 0.25 + epoch / 4 },
      ]),
    );
    await store.saveMetrics(partial, [{ epoch: 0, step: 2, split: 'train', metric: 'loss', value: 2 }]);
    await store.saveTrainingResult('t1', done, result, 'test', 'w1');
    await store.finishCampaign('t1', 'failed', '1 of 2 jobs failed');

    const doc = JSON.parse(JSON.stringify(await store.exportCampaign('t1')));
    expect(doc).toMatchObject({ formatVersion: 2, checkpointsIncluded: true });
    expect(doc.trainingResults).toHaveLength(1);
    expect(doc.trainingMetrics).toHaveLength(5);
    expect(doc.checkpoints.map((c: { jobKey: string; step: number }) => [c.jobKey, c.step])).toEqual([
      [done, 8],
      [partial, 2],
    ]);
    const lean = (await store.exportCampaign('t1', { checkpoints: false }))!;
    expect([lean.checkpointsIncluded, lean.checkpoints, lean.trainingResults.length]).toEqual([false, [], 1]);

    const strip = <T extends { createdAt: unknown }>(rows: T[]) => rows.map(({ createdAt: _c, ...row }) => row);
    const counts = async (s: Store) => [
      (await s.db.select().from(trainingResults)).length,
      (await s.db.select().from(trainingMetrics)).length,
      (await s.db.select().from(checkpoints)).length,
      (await s.db.select().from(jobsTable)).length,
    ];
    const latest = async (s: Store, key: string) => {
      const cp = await s.latestCheckpoint(key);
      return cp && { ...cp, data: Array.from(cp.data) };
    };

    const second = await open();
    try {
      const target = new Store(second.db);
      const summary = {
        campaignId: 't1',
        jobs: 2,
        simResults: 0,
        searchResults: 0,
        trainingResults: 1,
        trainingMetrics: 5,
        checkpoints: 2,
      };
      expect(await target.importCampaign(parseExport(doc))).toEqual(summary);
      const after = await counts(target);
      expect(after).toEqual([1, 5, 2, 2]);
      expect(await target.importCampaign(parseExport(doc))).toEqual(summary); // twice changes nothing
      expect(await counts(target)).toEqual(after);
      expect(strip(await target.trainingResults('t1'))).toEqual(strip(await store.trainingResults('t1')));
      expect(strip(await target.trainingCurves('t1'))).toEqual(strip(await store.trainingCurves('t1')));
      for (const key of [done, partial]) expect(await latest(target, key)).toEqual(await latest(store, key));
      expect(JSON.parse(new TextDecoder().decode((await target.latestCheckpoint(done))!.data))).toMatchObject({ step: 8 });
      expect(await target.checkpoint(done, 0, 4)).toBeUndefined(); // only the latest travels
      expect((await target.getCampaign('t1'))!).toMatchObject({ status: 'failed', jobs: { total: 2, completed: 1, pending: 1 } });

      // An old (format version 1) file without the training sections still imports.
      const { trainingResults: _r, trainingMetrics: _m, checkpoints: _c, checkpointsIncluded: _i, ...old } = doc;
      const oldDoc = { ...old, formatVersion: 1, campaign: { ...old.campaign, id: 't1-old' } };
      expect(await target.importCampaign(parseExport(oldDoc))).toEqual({
        ...summary,
        campaignId: 't1-old',
        trainingResults: 0,
        trainingMetrics: 0,
        checkpoints: 0,
      });
      expect(await counts(target)).toEqual([1, 5, 2, 4]);

      // A corrupt training section: a clear error naming the field, and nothing written.
      const corrupt = (edit: (d: typeof doc) => void) => {
        const d = JSON.parse(JSON.stringify({ ...doc, campaign: { ...doc.campaign, id: 't1-bad' } }));
        edit(d);
        return d;
      };
      expect(() => parseExport(corrupt((d) => (d.trainingResults[0].trainLoss = 'low')))).toThrow(
        /^export file trainingResults\[0\]\.trainLoss: /,
      );
      expect(() => parseExport(corrupt((d) => delete d.trainingMetrics[2].metric))).toThrow(/^export file trainingMetrics\[2\]\.metric: /);
      expect(() => parseExport(corrupt((d) => (d.checkpoints[1].data = 'not base64!')))).toThrow(
        'export file checkpoints[1].data: expected base64 checkpoint data',
      );
      expect(() => parseExport(corrupt((d) => (d.formatVersion = 3)))).toThrow('export file formatVersion: expected one of 1, 2');
      // One that passes validation but fails in the database (as if the check were bypassed): the transaction leaves nothing.
      const failing = corrupt((d) => (d.checkpoints[1].jobKey = null));
      await expect(target.importCampaign(failing)).rejects.toThrow();
      expect(await target.getCampaign('t1-bad')).toBeUndefined();
      expect(await counts(target)).toEqual([1, 5, 2, 4]);
    } finally {
      await second.close();
    }
  });
});
