/**
 * Activity implementations: they call the libs and write SQL. Created per worker process with the
 * store they write to and the worker's identity (recorded on every job it runs).
 */
import { Context } from '@temporalio/activity';
import { iterateSpec, type JobSpec, type SimJobParams } from '../campaigns/expand.js';
import { positionsOf } from '../campaigns/position-ranges.js';
import { codeVersion, jobKey } from '../campaigns/versions.js';
import { simulateVariant } from '../sim/variant-simulation.js';
import type { SimResultInput, Store } from '../store/store.js';
import type { CampaignActivities, SimActivities } from './types.js';
import type { NetworkName, VariantName } from '@fuselab/fuseconv';
import type { Dataflow, Hardware, TimingModel } from '@fuselab/systolic-sim';

export function createCampaignActivities(store: Store): CampaignActivities {
  return {
    async registerJobs({ campaignId, jobs, force }) {
      const rows = jobs.map((job: JobSpec, position) => ({
        position,
        kind: job.kind,
        group: job.group,
        key: jobKey(job.kind, job.params),
        params: job.params,
      }));
      const registered = await store.registerJobs(campaignId, rows, force);
      // The workflow pairs keys with its own expansion by position.
      const byKey = new Map(registered.map((row) => [row.key, row.status]));
      return rows.map((row) => ({ key: row.key, status: byKey.get(row.key) ?? 'pending' }));
    },
    async failJob({ campaignId, key, error }) {
      await store.failJob(campaignId, key, error);
    },
    async registerCampaign({ campaignId, spec, force }) {
      // The same pure expansion the v2 workflow runs (positions pair the two), streamed into the
      // database a batch at a time: memory does not grow with the number of jobs. On the way it
      // notes what the v4 workflow takes instead of expanding: each kind's span, the teachers.
      const kinds = { sim: 0, train: 0, nas: 0 };
      const rank = { sim: 0, train: 1, nas: 2 } as const;
      const teachers: Array<[number, number]> = [];
      let highest = 0;
      function* rows() {
        let position = 0;
        for (const job of iterateSpec(spec)) {
          if (rank[job.kind] < highest) throw new Error(`iterateSpec put a ${job.kind} job at position ${position}, out of kind order`);
          highest = rank[job.kind];
          kinds[job.kind]++;
          if (job.dependsOn !== undefined) teachers.push([position, job.dependsOn]);
          yield { position, kind: job.kind, group: job.group, key: jobKey(job.kind, job.params), params: job.params };
          position++;
        }
      }
      const registered = await store.registerCampaign(campaignId, rows(), force);
      return { ...registered, kinds, teachers };
    },
    async failJobs({ campaignId, positions, ranges, error }) {
      return store.failJobs(campaignId, positionsOf({ positions, ranges }), error);
    },
    async finishCampaign({ campaignId, status, error }) {
      return store.finishCampaign(campaignId, status, error);
    },
  };
}

/** Runs one simulation job; the result lands once however often the activity runs. */
export function runSimulationJob(params: SimJobParams) {
  return simulateVariant({
    network: params.network as NetworkName,
    variant: params.variant as VariantName,
    rows: params.rows,
    cols: params.cols,
    model: params.model as TimingModel,
    hardware: params.hardware as Hardware,
    dataflow: params.dataflow as Dataflow,
    inputSize: params.inputSize,
    numClasses: params.numClasses,
    ...(params.stem ? { stem: params.stem } : {}),
  });
}

/** Results are written to SQL in flushes of this many jobs (one transaction each). */
const FLUSH_JOBS = 50;

export function createSimActivities(store: Store, worker: string): SimActivities {
  return {
    async runSimulationBatch({ campaignId, positions: listed, ranges, force }) {
      const positions = positionsOf({ positions: listed, ranges });
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      // How far an earlier attempt of this chunk got (heartbeat details): with --force those jobs
      // are already recomputed and are not replaced again; everything is ON CONFLICT anyway.
      const stored = attempt > 1 ? Number((ctx.info.heartbeatDetails as { stored?: number } | undefined)?.stored ?? 0) : 0;
      const jobs = await store.loadJobs(campaignId, positions);
      await store.startJobs(
        campaignId,
        jobs.map((job) => job.key),
        worker,
        attempt,
      );
      let completed = 0;
      let failed = 0;
      let pending: SimResultInput[] = [];
      let done = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        await store.saveSimResults(campaignId, pending, codeVersion('sim'), worker, force && done >= stored);
        completed += pending.length;
        pending = [];
      };
      for (const job of jobs) {
        if (ctx.cancellationSignal.aborted) break;
        const params = job.params as SimJobParams;
        try {
          pending.push({ key: job.key, params, result: runSimulationJob(params) });
        } catch (error) {
          // The simulator is deterministic: a job it rejects fails alone and is not retried.
          await store.failJob(campaignId, job.key, error instanceof Error ? error.message : String(error));
          failed++;
        }
        if (pending.length >= FLUSH_JOBS) {
          await flush();
          done = completed + failed;
        }
        // After every job, not every flush: the heartbeat timeout (campaign.ts) is short, and a
        // flush of slow simulations must not outlast it. `stored` counts flushed jobs only.
        ctx.heartbeat({ stored: done });
      }
      await flush();
      ctx.heartbeat({ stored: completed + failed });
      return { completed, failed };
    },
    async runSimulation({ campaignId, key, params, force }) {
      const attempt = Context.current().info.attempt;
      await store.startJob(campaignId, key, worker, attempt);
      const result = runSimulationJob(params);
      // --force recomputes: the first attempt replaces an earlier result, a retry keeps its own.
      if (force && attempt === 1) await store.dropSimResult(key);
      await store.saveSimResult(campaignId, key, params, result, codeVersion('sim'), worker);
      return { key, totalCycles: result.totalCycles, worker };
    },
  };
}
