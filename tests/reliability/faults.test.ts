// Faults, with the real parts: the Temporal dev server, a PostgreSQL server and `fuselab worker`
// processes (separate OS processes, as on separate machines), all on loopback.
//  - PostgreSQL stopped for a while in the middle of a sweep: activities retry with backoff, the
//    campaign completes once it is back, and no row is lost or doubled (counted).
//  - The Temporal server restarted (same state file, same port) in the middle of a campaign: the
//    workers reconnect and the campaign completes.
//  - A worker process killed with SIGKILL in the middle of a training activity: another worker
//    resumes it from the last stored checkpoint; one result row; the final weights are bitwise
//    those of an uninterrupted run.
//  - Cancel while training and searches run: everything stops within seconds, status cancelled,
//    no workflow or job left running.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCampaignService } from '../../apps/orchestrator/dist/campaigns/service.js';
import { openDatabase, type Database } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { connectClient } from '../../apps/orchestrator/dist/temporal/client.js';
import { decodeCheckpoint, runTraining } from '../../apps/orchestrator/dist/train/training.js';
import { startDevServer } from '../../apps/orchestrator/dist/embedded/dev-server.js';
import { startPostgres, startTemporal, type Postgres } from '../orchestrator/helpers/services.js';
import { startWorkerProcess, type WorkerProcess } from '../orchestrator/helpers/cluster.js';
import { sqlOn, waitFor } from '../orchestrator/helpers/probes.js';
import { closesTheRun, openWorkAt } from '../orchestrator/helpers/histories.js';

let temporal: Awaited<ReturnType<typeof startTemporal>>;
let postgres: Postgres;
let client: Awaited<ReturnType<typeof connectClient>>;

beforeAll(async () => {
  [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
  client = await connectClient(temporal.address, 'default');
}, 180_000);

afterAll(async () => {
  await client?.close();
  await postgres?.stop();
  await temporal?.stop();
}, 60_000);

/** One campaign's database, service and worker processes; everything stopped by `close`. */
async function setUp(name: string, workerQueues: string[], concurrency = 2) {
  const url = await postgres.createDatabase(name);
  const database: Database = await openDatabase({ kind: 'postgres', url });
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url };
  const workers: WorkerProcess[] = await Promise.all(
    workerQueues.map((queues, i) => startWorkerProcess(`${name}-${i}`, env, concurrency, queues)),
  );
  const service = new LocalCampaignService(new Store(database.db), async () => client.client);
  /** A query on a connection of its own, so it works across an outage. */
  const sql = sqlOn(url);
  return {
    url,
    env,
    workers,
    service,
    sql,
    /** The workers' logs, for a failure's message. */
    logs: () =>
      workers
        .map((w) => `--- ${w.identity} (exit ${w.child.exitCode ?? w.child.signalCode ?? 'running'})\n${w.log().slice(-3000)}`)
        .join('\n'),
    close: async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await database.close();
    },
  };
}

const campaignStatus = async (sql: Awaited<ReturnType<typeof setUp>>['sql'], id: string) =>
  (await sql<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [id]))[0]?.status;
const finished = (status: string | undefined) => status === 'completed' || status === 'failed' || status === 'cancelled';

/** 25 network × variant pairs × 12 arrays × 2 models = 600 simulation jobs, a few seconds of work. */
const bigSweep = (name: string) => ({
  name,
  simulations: {
    networks: 'all',
    variants: 'all',
    arrays: [8, 16, 32, 64, 128, 256, '16x64', '64x16', '32x128', '8x32', '32x8', '128x32'],
    models: ['reference', 'stos'],
  },
});

/** Rows of a campaign's simulations: results, distinct keys, and layer rows written twice. */
async function simRowCounts(sql: Awaited<ReturnType<typeof setUp>>['sql'], campaignId: string) {
  const [jobs] = await sql<{ total: string; completed: string }>(
    "SELECT count(*) AS total, count(*) FILTER (WHERE status = 'completed') AS completed FROM jobs WHERE campaign_id = $1",
    [campaignId],
  );
  const [results] = await sql<{ n: string; keys: string }>(
    'SELECT count(*) AS n, count(DISTINCT job_key) AS keys FROM sim_results WHERE job_key IN (SELECT key FROM jobs WHERE campaign_id = $1)',
    [campaignId],
  );
  const [dupes] = await sql<{ n: string }>(
    'SELECT count(*) AS n FROM (SELECT job_key, layer_index FROM sim_layer_results GROUP BY 1, 2 HAVING count(*) > 1) d',
  );
  const [withoutLayers] = await sql<{ n: string }>(
    'SELECT count(*) AS n FROM sim_results r WHERE NOT EXISTS (SELECT 1 FROM sim_layer_results l WHERE l.job_key = r.job_key)',
  );
  return {
    jobs: Number(jobs!.total),
    completed: Number(jobs!.completed),
    results: Number(results!.n),
    distinctKeys: Number(results!.keys),
    duplicateLayerRows: Number(dupes!.n),
    resultsWithoutLayers: Number(withoutLayers!.n),
  };
}

describe('faults', () => {
  it('PostgreSQL stopped for 10 s in the middle of a sweep: the campaign completes, no row lost or doubled', async () => {
    const run = await setUp('pg-outage', ['sim', 'sim']);
    try {
      const submitted = await run.service.submit(bigSweep('pg-outage'), { concurrency: 8 });
      expect(submitted.total).toBe(600);
      const atPause = await waitFor(
        'the first results',
        async () => {
          const [row] = await run.sql<{ n: string }>('SELECT count(*) AS n FROM sim_results');
          return Number(row!.n) > 0 && Number(row!.n);
        },
        120_000,
        20,
      );
      postgres.pause();
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, 10_000));
      postgres.resume();
      const outageMs = Date.now() - pausedAt;
      const status = await waitFor(
        'the campaign to finish',
        async () => {
          const s = await campaignStatus(run.sql, submitted.campaignId);
          return finished(s) && s;
        },
        240_000,
        250,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${run.logs()}`);
      });
      expect(status).toBe('completed');
      expect(atPause).toBeLessThan(600); // the outage really fell in the middle of the sweep
      expect(outageMs).toBeGreaterThanOrEqual(10_000);
      expect(await simRowCounts(run.sql, submitted.campaignId)).toEqual({
        jobs: 600,
        completed: 600,
        results: 600,
        distinctKeys: 600,
        duplicateLayerRows: 0,
        resultsWithoutLayers: 0,
      });
    } finally {
      await run.close();
    }
  }, 420_000);

  it('the Temporal server restarted (same state file and port) in the middle of a campaign: it completes', async () => {
    const run = await setUp('temporal-restart', ['sim', 'sim']);
    try {
      const submitted = await run.service.submit(bigSweep('temporal-restart'), { concurrency: 8 });
      const atStop = await waitFor(
        'the first results',
        async () => {
          const [row] = await run.sql<{ n: string }>('SELECT count(*) AS n FROM sim_results');
          return Number(row!.n) > 0 && Number(row!.n);
        },
        120_000,
        20,
      );
      await restartTemporal(5_000);
      const status = await waitFor(
        'the campaign to finish',
        async () => {
          const s = await campaignStatus(run.sql, submitted.campaignId);
          return finished(s) && s;
        },
        300_000,
        250,
      );
      expect(status).toBe('completed');
      expect(atStop).toBeLessThan(600);
      expect(await simRowCounts(run.sql, submitted.campaignId)).toEqual({
        jobs: 600,
        completed: 600,
        results: 600,
        distinctKeys: 600,
        duplicateLayerRows: 0,
        resultsWithoutLayers: 0,
      });
    } finally {
      await run.close();
    }
  }, 420_000);

  it('a worker process killed (SIGKILL) mid-training: another resumes from the checkpoint, one result, the weights of an uninterrupted run', async () => {
    // Worker 0 alone takes the training; worker 1 starts only after worker 0 is killed.
    const run = await setUp('worker-kill', ['sim,train']);
    try {
      const started = Date.now();
      const phase = (what: string) => console.log(`worker kill: ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const training = {
        name: 'base',
        dataset: 'synthetic',
        network: 'mobilenet_v2',
        variants: ['baseline'],
        width: 0.25,
        epochs: 1,
        limit: 3200,
        batch: 32,
        seeds: [3],
      };
      const submitted = await run.service.submit({ name: 'worker-kill', seed: 1, trainings: [training] });
      // 100 steps; checkpoints every 20 steps. Kill once one is stored, long before the end.
      const killedAt = await waitFor(
        'a stored checkpoint',
        async () => {
          const [row] = await run.sql<{ step: number }>('SELECT max(step) AS step FROM checkpoints');
          return row?.step !== null && row?.step !== undefined && Number(row.step);
        },
        240_000,
        20,
      );
      run.workers[0]!.child.kill('SIGKILL');
      phase(`killed worker 0 at checkpoint step ${killedAt}`);
      const [before] = await run.sql<{ n: string }>('SELECT count(*) AS n FROM training_results');
      expect(Number(before!.n)).toBe(0);
      run.workers.push(await startWorkerProcess('worker-kill-1', run.env, 2, 'sim,train'));
      // The killed attempt is noticed by its heartbeat timeout (30 s), then retried on worker 1.
      const status = await waitFor(
        'the campaign to finish',
        async () => {
          const s = await campaignStatus(run.sql, submitted.campaignId);
          return finished(s) && s;
        },
        360_000,
        500,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${run.logs()}`);
      });
      phase('campaign finished');
      expect(status).toBe('completed');

      const results = await run.sql<{ job_key: string; worker: string; resumed_from: number | null; test_accuracy: number }>(
        'SELECT job_key, worker, resumed_from, test_accuracy FROM training_results',
      );
      expect(results).toHaveLength(1);
      expect(results[0]!.worker).toBe('worker-kill-1');
      expect(results[0]!.resumed_from).toBeGreaterThanOrEqual(killedAt);
      expect(results[0]!.resumed_from).toBeLessThan(100);

      // Bitwise: the resumed run's final weights and accuracy are those of an uninterrupted run.
      const [latest] = await run.sql<{ data: Buffer | string }>(
        'SELECT data FROM checkpoints WHERE job_key = $1 ORDER BY step DESC LIMIT 1',
        [results[0]!.job_key],
      );
      const stored = decodeCheckpoint(latest!.data as never, results[0]!.job_key);
      const uninterrupted = await runTraining({
        dataset: 'synthetic',
        network: 'mobilenet_v2',
        width: 0.25,
        epochs: 1,
        batch: 32,
        limit: 3200,
        seed: 3,
        variant: 'baseline',
        method: 'scratch',
      });
      phase('uninterrupted run done');
      expect(uninterrupted.testAccuracy).toBe(results[0]!.test_accuracy);
      // Compared tensor by tensor (a diff of megabytes of base64 would take minutes to print).
      const floats = (b64: string) => new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer);
      const expected = new Map(uninterrupted.checkpoint.weights.map((w: { name: string; data: string }) => [w.name, w.data]));
      const differing = stored.weights
        .filter((w: { name: string; data: string }) => expected.get(w.name) !== w.data)
        .map((w: { name: string; data: string }) => {
          const other = expected.get(w.name);
          if (other === undefined) return { name: w.name, maxDiff: Number.NaN };
          const a = floats(w.data);
          const b = floats(other);
          return { name: w.name, maxDiff: a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0) };
        });
      expect(stored.weights.length).toBe(expected.size);
      expect(differing).toEqual([]);
    } finally {
      await run.close();
    }
  }, 600_000);

  it('cancel while a training and a search run: both stop within seconds, status cancelled, nothing left running', async () => {
    const run = await setUp('cancel-all', ['sim,train,nas']);
    try {
      const submitted = await run.service.submit({
        name: 'cancel-all',
        seed: 1,
        trainings: [
          {
            name: 'long-training',
            dataset: 'synthetic',
            network: 'mobilenet_v2',
            variants: ['baseline'],
            width: 0.25,
            epochs: 50,
            limit: 1024,
            batch: 32,
            seeds: [1],
          },
        ],
        searches: [
          {
            name: 'long-search',
            network: 'mobilenet_v2',
            space: 'blocks',
            operators: ['dw', 'fuse_full', 'fuse_half'],
            array: 64,
            strategy: 'random',
            objectives: ['latency', 'params'],
            budget: 1_000_000,
            seed: 1,
          },
        ],
      });
      await waitFor(
        'the training and the search to run',
        async () => {
          const rows = await run.sql<{ kind: string }>("SELECT kind FROM jobs WHERE campaign_id = $1 AND status = 'running'", [
            submitted.campaignId,
          ]);
          const [candidates] = await run.sql<{ n: string }>('SELECT count(*) AS n FROM search_candidates');
          const [metrics] = await run.sql<{ n: string }>('SELECT count(*) AS n FROM training_metrics');
          return rows.length === 2 && Number(candidates!.n) > 0 && Number(metrics!.n) > 0;
        },
        240_000,
        100,
      );
      const cancelledAt = Date.now();
      await run.service.cancel(submitted.campaignId);
      const status = await waitFor(
        'the campaign to stop',
        async () => {
          const s = await campaignStatus(run.sql, submitted.campaignId);
          return finished(s) && s;
        },
        60_000,
        100,
      );
      expect(status).toBe('cancelled');
      // No workflow of this campaign (the campaign or its search children) stays open.
      const openWorkflows = async () => {
        const open: string[] = [];
        for await (const execution of client.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
          if (execution.workflowId.startsWith(submitted.campaignId)) open.push(execution.workflowId);
        }
        return open;
      };
      await waitFor('every workflow of the campaign to close', async () => (await openWorkflows()).length === 0, 30_000, 200);
      const stopMs = Date.now() - cancelledAt;
      expect(stopMs).toBeLessThan(30_000);
      expect(
        await run.sql("SELECT key, status FROM jobs WHERE campaign_id = $1 AND status IN ('running', 'pending')", [submitted.campaignId]),
      ).toEqual([]);
      // The campaign recorded its outcome only once all its work had stopped: the training (it
      // hears of the cancellation at its next heartbeat) and the search child, which in turn
      // closed only once its evaluations had ended. Read from the histories, so it holds
      // whichever of them happens to stop first.
      const history = (id: string) => client.client.workflow.getHandle(id).fetchHistory();
      expect(
        openWorkAt(
          await history(submitted.campaignId),
          (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'finishCampaign',
        ),
      ).toEqual([]);
      expect(openWorkAt(await history(`${submitted.campaignId}/search-1`), closesTheRun)).toEqual([]);
      // The activities really stopped: the campaign reads cancelled only once its training (which
      // learns of the cancellation through its heartbeat) and the search evaluations running when
      // it came (they have no heartbeat: they are waited for) have ended, so nothing more lands.
      const count = async () =>
        (
          await run.sql<{ metrics: string; candidates: string }>(
            'SELECT (SELECT count(*) FROM training_metrics) AS metrics, (SELECT count(*) FROM search_candidates) AS candidates',
          )
        )[0]!;
      const settled = await count();
      await new Promise((r) => setTimeout(r, 3_000));
      const later = await count();
      expect(later).toEqual(settled);
      console.log(`cancel → stopped in ${stopMs} ms`);
    } finally {
      await run.close();
    }
  }, 420_000);
});

/** Stops the dev server process (keeping its SQLite state) and starts it again on the same port. */
async function restartTemporal(downMs: number) {
  const old = temporal;
  await new Promise<void>((resolveExit) => {
    old.process.once('exit', () => resolveExit());
    old.process.kill('SIGTERM');
  });
  await new Promise((r) => setTimeout(r, downMs));
  const server = await startDevServer({ dbFile: old.dbFile, port: old.port });
  expect(server.port).toBe(old.port);
  temporal = {
    ...server,
    dir: old.dir,
    stop: async () => {
      await server.stop();
      rmSync(old.dir, { recursive: true, force: true });
    },
  };
}
