/**
 * Activity implementations: they call the libs and write SQL. Created per worker process with the
 * store they write to and the worker's identity (recorded on every job it runs).
 */
import { Context } from '@temporalio/activity';
import type { JobSpec, SimJobParams } from '../campaigns/expand.js';
import { codeVersion, jobKey } from '../campaigns/versions.js';
import { simulateVariant } from '../sim/variant-simulation.js';
import type { Store } from '../store/store.js';
import type { CampaignActivities, SimActivities } from './types.js';
import type { NetworkName, VariantName } from '@fuselab/fuseconv';
import type { Dataflow, Hardware, TimingModel } from '@fuselab/systolic-sim';

export function createCampaignActivities(store: Store): CampaignActivities {
  return {
    async registerJobs({ campaignId, jobs, force }) {
      const rows = jobs.map((job: JobSpec, position) => ({ position, kind: job.kind, group: job.group, key: jobKey(job.kind, job.params), params: job.params }));
      const registered = await store.registerJobs(campaignId, rows, force);
      // The workflow pairs keys with its own expansion by position.
      const byKey = new Map(registered.map((row) => [row.key, row.status]));
      return rows.map((row) => ({ key: row.key, status: byKey.get(row.key) ?? 'pending' }));
    },
    async failJob({ campaignId, key, error }) {
      await store.failJob(campaignId, key, error);
    },
    async finishCampaign({ campaignId, status, error }) {
      await store.finishCampaign(campaignId, status, error);
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
  });
}

export function createSimActivities(store: Store, worker: string): SimActivities {
  return {
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
