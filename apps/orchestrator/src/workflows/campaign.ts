/**
 * The campaign workflow: expands the spec into jobs, registers them (reusing finished ones), and
 * fans them out to the per-kind task queues with bounded concurrency. Deterministic: no I/O, no
 * clocks, no randomness here; everything with side effects is an activity.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, ChildWorkflowFailure, defineQuery, defineSignal, executeChild, isCancellation, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import { expandSpec, TASK_QUEUES, type JobSpec, type NormalisedSpec, type SimJobParams } from '../campaigns/expand.js';
import type { CampaignActivities, CampaignCounts, SimActivities, TrainActivities } from '../activities/types.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors/input-errors.js';
import { searchWorkflow } from './search.js';

/**
 * Workflow versions. v1 (histories recorded before the patch) ran one activity per job and
 * recorded one workflow task per finished job; v2 runs simulations in chunks (one activity per
 * chunk) and training jobs one activity each. Old histories carry no marker and replay along v1.
 */
export const BATCHED_PATCH = 'batched-jobs-v2';
/**
 * Search jobs (v3): each runs as a `searchWorkflow` child on `fuselab-nas`. Histories recorded
 * before it have no search jobs (the spec refused them), so the patch is only asked for when a
 * campaign has search jobs to run.
 */
export const SEARCH_PATCH = 'search-jobs-v3';
/** Searches of one campaign at once (each runs its own parallel evaluations). */
export const MAX_SEARCH_LANES = 4;
/** Largest simulation chunk per activity. */
export const MAX_SIM_BATCH = 100;

export interface CampaignInput {
  campaignId: string;
  spec: NormalisedSpec;
  force: boolean;
  /** Overrides spec.concurrency. */
  concurrency?: number;
  /** Simulations per activity (v2); default: the todo list spread evenly over the lanes, ≤ MAX_SIM_BATCH. */
  batchSize?: number;
  /** Search generations per searchWorkflow run before continue-as-new (default 10). */
  searchGenerationsPerRun?: number;
}

export interface CampaignProgress {
  campaignId: string;
  status: 'starting' | 'running' | 'completed' | 'failed' | 'cancelled';
  total: number;
  completed: number;
  failed: number;
  reused: number;
  running: number;
  cancelled: number;
}

export const progressQuery = defineQuery<CampaignProgress>('progress');
export const cancelSignal = defineSignal<[string?]>('cancel');

const bookkeeping = proxyActivities<CampaignActivities>({
  taskQueue: TASK_QUEUES.campaign,
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 10, initialInterval: '1 second' },
});

const sim = proxyActivities<SimActivities>({
  taskQueue: TASK_QUEUES.sim,
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

const simBatches = proxyActivities<SimActivities>({
  taskQueue: TASK_QUEUES.sim,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

const training = proxyActivities<TrainActivities>({
  taskQueue: TASK_QUEUES.train,
  startToCloseTimeout: '24 hours',
  // A killed worker is noticed within this; the retry (on any worker) resumes from the stored checkpoint.
  heartbeatTimeout: '60 seconds',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** Chunk size: every lane gets about one chunk, at most MAX_SIM_BATCH jobs. */
export function simBatchSize(todo: number, lanes: number, requested?: number): number {
  if (requested) return Math.max(1, Math.min(MAX_SIM_BATCH, requested));
  return Math.max(1, Math.min(MAX_SIM_BATCH, Math.ceil(todo / Math.max(1, lanes))));
}

function describe(error: unknown): string {
  if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

async function runJob(campaignId: string, job: JobSpec, key: string, force: boolean): Promise<void> {
  switch (job.kind) {
    case 'sim':
      await sim.runSimulation({ campaignId, key, params: job.params as SimJobParams, force });
      return;
    default:
      // Spec validation refuses training and search jobs until their libs are wired in.
      throw ApplicationFailure.nonRetryable(`${job.kind} jobs are not available yet`, 'NotAvailable');
  }
}

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignProgress> {
  const progress: CampaignProgress = { campaignId: input.campaignId, status: 'starting', total: 0, completed: 0, failed: 0, reused: 0, running: 0, cancelled: 0 };
  setHandler(progressQuery, () => progress);
  const scope = new CancellationScope();
  let cancelRequested = false;
  setHandler(cancelSignal, () => {
    cancelRequested = true;
    scope.cancel();
  });

  if (patched(BATCHED_PATCH)) return batchedCampaign(input, progress, scope, () => cancelRequested, () => (cancelRequested = true));

  const jobs = expandSpec(input.spec);
  let registered: Awaited<ReturnType<CampaignActivities['registerJobs']>> = [];
  try {
    registered = await bookkeeping.registerJobs({ campaignId: input.campaignId, jobs, force: input.force });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelRequested = true;
  }
  progress.total = registered.length;
  progress.reused = registered.filter((job) => job.status === 'reused').length;
  progress.completed = registered.filter((job) => job.status === 'completed').length;
  progress.status = 'running';
  const todo = registered.map((job, index) => ({ job: jobs[index]!, key: job.key, status: job.status })).filter((item) => item.status !== 'reused' && item.status !== 'completed');

  let next = 0;
  const lane = async () => {
    while (next < todo.length) {
      const item = todo[next++]!;
      progress.running++;
      try {
        await runJob(input.campaignId, item.job, item.key, input.force);
        progress.completed++;
      } catch (error) {
        if (isCancellation(error)) throw error;
        progress.failed++;
        await bookkeeping.failJob({ campaignId: input.campaignId, key: item.key, error: describe(error) });
      } finally {
        progress.running--;
      }
    }
  };
  const width = Math.max(1, Math.min(input.concurrency ?? input.spec.concurrency, todo.length));
  try {
    if (!cancelRequested) await scope.run(() => Promise.all(Array.from({ length: width }, lane)));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelRequested = true;
  }

  let status: 'completed' | 'failed' | 'cancelled';
  if (cancelRequested) {
    status = 'cancelled';
    progress.cancelled = progress.total - progress.completed - progress.failed - progress.reused;
    progress.running = 0;
  } else {
    status = progress.failed > 0 ? 'failed' : 'completed';
  }
  await CancellationScope.nonCancellable(() =>
    bookkeeping.finishCampaign({ campaignId: input.campaignId, status, ...(status === 'failed' ? { error: `${progress.failed} of ${progress.total} jobs failed` } : {}) }),
  );
  // Reported as finished only once the database says so too.
  progress.status = status;
  return progress;
}

/** v2: simulations in chunks, training jobs one activity each (after their teacher). */
async function batchedCampaign(input: CampaignInput, progress: CampaignProgress, scope: CancellationScope, isCancelled: () => boolean, markCancelled: () => void): Promise<CampaignProgress> {
  const jobs = expandSpec(input.spec);
  const todo: number[] = [];
  try {
    const registered = await bookkeeping.registerCampaign({ campaignId: input.campaignId, spec: input.spec, force: input.force });
    progress.total = registered.total;
    progress.reused = registered.reused;
    progress.completed = registered.completed;
    for (const [start, end] of registered.todo) for (let p = start; p < end; p++) todo.push(p);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    markCancelled();
    progress.total = jobs.length;
  }
  progress.status = 'running';
  const width = Math.max(1, input.concurrency ?? input.spec.concurrency);

  // Simulations: chunks of positions, `width` chunks at once.
  const simTodo = todo.filter((p) => jobs[p]?.kind === 'sim');
  const simLanes = Math.max(1, Math.min(width, simTodo.length));
  const size = simBatchSize(simTodo.length, simLanes, input.batchSize);
  const chunks: number[][] = [];
  for (let i = 0; i < simTodo.length; i += size) chunks.push(simTodo.slice(i, i + size));
  let nextChunk = 0;
  const simLane = async () => {
    while (nextChunk < chunks.length) {
      const positions = chunks[nextChunk++]!;
      progress.running += positions.length;
      try {
        const result = await simBatches.runSimulationBatch({ campaignId: input.campaignId, positions, force: input.force });
        progress.completed += result.completed;
        progress.failed += result.failed;
      } catch (error) {
        if (isCancellation(error)) throw error;
        const marked = await bookkeeping.failJobs({ campaignId: input.campaignId, positions, error: describe(error) });
        progress.failed += marked;
        // Jobs of the chunk stored before the failure count as completed in the final tally.
      } finally {
        progress.running -= positions.length;
      }
    }
  };

  // Training: one activity per job; a student starts once its teacher job has finished.
  const trainTodo = todo.filter((p) => jobs[p]?.kind === 'train');
  const pendingTrain = new Set(trainTodo);
  const finishedTrain = new Map<number, boolean>(); // position → succeeded
  const trainLane = async () => {
    for (;;) {
      const ready = [...pendingTrain].find((p) => {
        const teacher = jobs[p]!.dependsOn;
        return teacher === undefined || !pendingTrain.has(teacher) && !runningTrain.has(teacher);
      });
      if (ready === undefined) {
        if (pendingTrain.size === 0) return;
        // Wait for a running teacher to finish.
        await waitForTrainChange();
        continue;
      }
      pendingTrain.delete(ready);
      const teacher = jobs[ready]!.dependsOn;
      if (teacher !== undefined && finishedTrain.get(teacher) === false) {
        progress.failed += await bookkeeping.failJobs({ campaignId: input.campaignId, positions: [ready], error: 'its teacher job failed' });
        finishedTrain.set(ready, false);
        continue;
      }
      runningTrain.add(ready);
      progress.running++;
      try {
        await training.runTraining({ campaignId: input.campaignId, position: ready, force: input.force });
        progress.completed++;
        finishedTrain.set(ready, true);
      } catch (error) {
        if (isCancellation(error)) throw error;
        progress.failed += await bookkeeping.failJobs({ campaignId: input.campaignId, positions: [ready], error: describe(error) });
        finishedTrain.set(ready, false);
      } finally {
        progress.running--;
        runningTrain.delete(ready);
        notifyTrainChange();
      }
    }
  };
  const runningTrain = new Set<number>();
  let waiters: Array<() => void> = [];
  const waitForTrainChange = () => new Promise<void>((resolve) => waiters.push(resolve));
  const notifyTrainChange = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const trainLanes = Math.max(0, Math.min(width, trainTodo.length));

  // Searches (v3): one searchWorkflow child each on fuselab-nas, a few at once.
  const nasTodo = todo.filter((p) => jobs[p]?.kind === 'nas');
  const searches = nasTodo.length > 0 && patched(SEARCH_PATCH);
  let nextSearch = 0;
  const searchLane = async () => {
    while (nextSearch < nasTodo.length) {
      const position = nasTodo[nextSearch++]!;
      progress.running++;
      try {
        await executeChild(searchWorkflow, {
          // From the input, not workflowInfo(): a recorded history replays under any workflow id.
          workflowId: `${input.campaignId}/search-${position}`,
          taskQueue: TASK_QUEUES.nas,
          args: [{ campaignId: input.campaignId, position, force: input.force, ...(input.searchGenerationsPerRun ? { generationsPerRun: input.searchGenerationsPerRun } : {}) }],
        });
        progress.completed++;
      } catch (error) {
        if (isCancellation(error)) throw error;
        progress.failed += await bookkeeping.failJobs({ campaignId: input.campaignId, positions: [position], error: describe(error) });
      } finally {
        progress.running--;
      }
    }
  };
  const searchLanes = searches ? Math.max(1, Math.min(width, MAX_SEARCH_LANES, nasTodo.length)) : 0;

  try {
    if (!isCancelled()) {
      await scope.run(() =>
        Promise.all([...Array.from({ length: chunks.length ? simLanes : 0 }, simLane), ...Array.from({ length: trainLanes }, trainLane), ...Array.from({ length: searchLanes }, searchLane)]),
      );
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    markCancelled();
  }

  const cancelled = isCancelled();
  const status: 'completed' | 'failed' | 'cancelled' = cancelled ? 'cancelled' : progress.failed > 0 ? 'failed' : 'completed';
  const counts = (await CancellationScope.nonCancellable(() =>
    bookkeeping.finishCampaign({ campaignId: input.campaignId, status, ...(status === 'failed' ? { error: `${progress.failed} of ${progress.total} jobs failed` } : {}) }),
  )) as CampaignCounts;
  // The database's tally is the truth (a cancelled chunk may have stored part of its jobs).
  progress.total = counts.total;
  progress.completed = counts.completed;
  progress.failed = counts.failed;
  progress.reused = counts.reused;
  progress.cancelled = counts.cancelled;
  progress.running = 0;
  progress.status = status;
  return progress;
}
