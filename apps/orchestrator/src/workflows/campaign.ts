/**
 * The campaign workflow: expands the spec into jobs, registers them (reusing finished ones), and
 * fans them out to the per-kind task queues with bounded concurrency. Deterministic: no I/O, no
 * clocks, no randomness here; everything with side effects is an activity.
 */
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { expandSpec, TASK_QUEUES, type JobSpec, type NormalisedSpec, type SimJobParams } from '../campaigns/expand.js';
import type {
  CampaignActivities,
  CampaignCounts,
  PositionRanges,
  RegisteredCampaign,
  SimActivities,
  SimBatchResult,
} from '../activities/types.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors/input-errors.js';
import { chunksOf, clipRanges, countRanges, fromRanges, toRanges } from '../campaigns/position-ranges.js';
import { describe, runLane, takeInOrder, type LaneStep, type LaneWork } from './lanes.js';
import { LOST_ATTEMPT_TIMEOUT, THROUGH_OUTAGES } from './retry.js';
import { searchWorkflow, type SearchProgress } from './search.js';
import { allEnded } from './all-ended.js';
import { trainingActivities, waitingOnCancel } from './cancellation.js';

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
/**
 * Simulation chunks travel as position ranges, and a campaign's chunks are at most MAX_SIM_CHUNKS
 * (v4). A chunk of ≤ MAX_SIM_BATCH jobs costs ~4–6 history events and, as a list of positions, a few
 * bytes per job: 100,000 jobs made 4,294 events and 1.3 MiB (bench/load-bench.ts), so past ~1.2
 * million jobs a campaign would hit Temporal's 51,200-event limit. With ranges a chunk of a plain
 * sweep is two numbers, and past MAX_SIM_BATCH × MAX_SIM_CHUNKS jobs chunks grow instead of
 * multiplying, so the history stays near MAX_SIM_CHUNKS × 6 events whatever the campaign's size.
 * (Continue-as-new would bound it too, but would first have to drain running trainings, which may
 * take a day.)
 */
export const RANGES_PATCH = 'sim-ranges-v4';
/** Simulation chunk size below MAX_SIM_BATCH × MAX_SIM_CHUNKS jobs. */
export const MAX_SIM_BATCH = 100;
/** Chunks per campaign at most (v4): ~12,000 history events, a quarter of Temporal's limit. */
export const MAX_SIM_CHUNKS = 2000;

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
  /** Overrides MAX_SIM_CHUNKS (v4), so tests can show chunks growing without a million jobs. */
  maxSimChunks?: number;
}

export interface CampaignProgress {
  campaignId: string;
  /** `cancelling` is the service's (a cancel sent, the workflow still stopping its activities), never the workflow's. */
  status: 'starting' | 'running' | 'cancelling' | 'completed' | 'failed' | 'cancelled';
  total: number;
  completed: number;
  failed: number;
  reused: number;
  /** Jobs a worker has started (the service takes it from the database; the workflow counts dispatched ones here). */
  running: number;
  /** Dispatched to a task queue, not started by a worker yet (set by the service, not the workflow). */
  queued?: number;
  cancelled: number;
  /**
   * The searches running now, each as its own workflow's `progress` query answers it, with the
   * spec entry's name (set by the service, not the workflow; absent when none runs). A search is
   * one job however many trainings it makes, so this is what moves while it runs.
   */
  searches?: RunningSearch[];
}

export type RunningSearch = Omit<SearchProgress, 'campaignId'> & { name: string };

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

const simBatches = waitingOnCancel<SimActivities>({
  taskQueue: TASK_QUEUES.sim,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: LOST_ATTEMPT_TIMEOUT,
  retry: THROUGH_OUTAGES,
});

/**
 * Chunk size: every lane gets about one chunk, at most MAX_SIM_BATCH jobs — unless that would make
 * more than `maxChunks` chunks (v4), then as many jobs as keep them to `maxChunks`.
 */
export function simBatchSize(todo: number, lanes: number, requested?: number, maxChunks?: number): number {
  const size = requested
    ? Math.max(1, Math.min(MAX_SIM_BATCH, requested))
    : Math.max(1, Math.min(MAX_SIM_BATCH, Math.ceil(todo / Math.max(1, lanes))));
  return maxChunks ? Math.max(size, Math.ceil(todo / maxChunks)) : size;
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

type CampaignOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * What both workflow versions share: the progress the `progress` query answers, the scope the jobs
 * run in (the `cancel` signal cancels it; a Temporal cancellation reaches it through its parent),
 * and whether the campaign was cancelled.
 */
class CampaignRun {
  readonly progress: CampaignProgress;
  readonly jobsScope: CancellationScope;
  cancelled = false;

  constructor(readonly input: CampaignInput) {
    this.progress = {
      campaignId: input.campaignId,
      status: 'starting',
      total: 0,
      completed: 0,
      failed: 0,
      reused: 0,
      running: 0,
      cancelled: 0,
    };
    setHandler(progressQuery, () => this.progress);
    this.jobsScope = new CancellationScope();
    setHandler(cancelSignal, () => {
      this.cancelled = true;
      this.jobsScope.cancel();
    });
  }

  /** Runs the lanes in the jobs' scope unless cancelled already; a cancellation stops them and marks the campaign cancelled. */
  async runLanes(lanes: () => Array<Promise<void>>): Promise<void> {
    if (this.cancelled) return;
    try {
      await this.jobsScope.run(() => allEnded(lanes));
    } catch (error) {
      if (!isCancellation(error)) throw error;
      this.cancelled = true;
    }
  }

  outcome(): CampaignOutcome {
    return this.cancelled ? 'cancelled' : this.progress.failed > 0 ? 'failed' : 'completed';
  }

  /** Records the outcome; not cancellable, so that a cancelled campaign is recorded too. */
  record(status: CampaignOutcome): Promise<CampaignCounts | void> {
    const { progress } = this;
    return CancellationScope.nonCancellable(() =>
      bookkeeping.finishCampaign({
        campaignId: this.input.campaignId,
        status,
        ...(status === 'failed' ? { error: `${progress.failed} of ${progress.total} jobs failed` } : {}),
      }),
    );
  }
}

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignProgress> {
  const run = new CampaignRun(input);
  return patched(BATCHED_PATCH) ? batchedCampaign(run) : perJobCampaign(run);
}

/**
 * v1 (recorded histories only): one activity per job. Left as it was, lane included: replaying
 * those histories depends on where its awaits fall (see lanes.ts).
 */
async function perJobCampaign(run: CampaignRun): Promise<CampaignProgress> {
  const { input, progress } = run;
  const jobs = expandSpec(input.spec);
  let registered: Awaited<ReturnType<CampaignActivities['registerJobs']>> = [];
  try {
    registered = await bookkeeping.registerJobs({ campaignId: input.campaignId, jobs, force: input.force });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    run.cancelled = true;
  }
  progress.total = registered.length;
  progress.reused = registered.filter((job) => job.status === 'reused').length;
  progress.completed = registered.filter((job) => job.status === 'completed').length;
  progress.status = 'running';
  const todo = registered
    .map((job, index) => ({ job: jobs[index]!, key: job.key, status: job.status }))
    .filter((item) => item.status !== 'reused' && item.status !== 'completed');

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
  await run.runLanes(() => Array.from({ length: width }, lane));

  const status = run.outcome();
  if (status === 'cancelled') {
    progress.cancelled = progress.total - progress.completed - progress.failed - progress.reused;
    progress.running = 0;
  }
  await run.record(status);
  // Reported as finished only once the database says so too.
  progress.status = status;
  return progress;
}

const ONE_COMPLETED = () => ({ completed: 1, failed: 0 });

/**
 * The training lanes' steps: the first pending job whose teacher (if any) has finished; a student
 * of a failed teacher fails without running; with none ready the lane waits for a teacher to finish.
 */
function trainingSteps(
  dependsOn: (position: number) => number | undefined,
  todo: number[],
  work: { run: (position: number) => LaneWork; failStudent: (position: number) => LaneWork<number> },
  succeeded = new Map<number, boolean>(),
): () => LaneStep {
  const pending = new Set(todo);
  const running = new Set<number>();
  const ready = () =>
    [...pending].find((p) => {
      const teacher = dependsOn(p);
      return teacher === undefined || (!pending.has(teacher) && !running.has(teacher));
    });
  return () => {
    const position = ready();
    if (position === undefined) return pending.size === 0 ? undefined : { waitUntil: () => pending.size === 0 || ready() !== undefined };
    pending.delete(position);
    const teacher = dependsOn(position);
    if (teacher !== undefined && succeeded.get(teacher) === false)
      return { ...work.failStudent(position), settled: () => succeeded.set(position, false) };
    running.add(position);
    return {
      ...work.run(position),
      settled: (ok: boolean) => {
        succeeded.set(position, ok);
        running.delete(position);
      },
    };
  };
}

/**
 * The search lanes' steps when a search waits for a teacher (its candidates train with KD/NOS from
 * a training job of the campaign): the first pending search whose teacher has finished — or was
 * done before the campaign started (not in `trainTodo`); a search whose teacher failed fails
 * without running; with none ready the lane waits. `trained`: the training lanes' outcomes.
 */
export function searchSteps(
  dependsOn: (position: number) => number | undefined,
  todo: number[],
  trainTodo: ReadonlySet<number>,
  trained: ReadonlyMap<number, boolean>,
  work: { run: (position: number) => LaneWork; fail: (position: number) => LaneWork<number> },
): () => LaneStep {
  const pending = [...todo];
  const ready = () =>
    pending.findIndex((p) => {
      const teacher = dependsOn(p);
      return teacher === undefined || !trainTodo.has(teacher) || trained.has(teacher);
    });
  return () => {
    if (pending.length === 0) return undefined;
    const at = ready();
    if (at < 0) return { waitUntil: () => ready() >= 0 };
    const position = pending.splice(at, 1)[0]!;
    const teacher = dependsOn(position);
    return teacher !== undefined && trained.get(teacher) === false ? work.fail(position) : work.run(position);
  };
}

/**
 * v2: simulations in chunks, training jobs one activity each (after their teacher), searches as child
 * workflows (v3). v4 (RANGES_PATCH): the workflow expands nothing — registration answers each kind's
 * span of positions and the teachers — and simulation chunks are carved from ranges as lanes ask
 * for them, so its memory and history do not grow with the number of simulations.
 */
async function batchedCampaign(run: CampaignRun): Promise<CampaignProgress> {
  const { input, progress } = run;
  const { campaignId, force } = input;
  const ranged = patched(RANGES_PATCH);
  let jobs = ranged ? [] : expandSpec(input.spec);
  let registered: RegisteredCampaign | undefined;
  try {
    registered = await bookkeeping.registerCampaign({ campaignId, spec: input.spec, force });
    progress.total = registered.total;
    progress.reused = registered.reused;
    progress.completed = registered.completed;
  } catch (error) {
    if (!isCancellation(error)) throw error;
    run.cancelled = true;
    // v4: unknown until the database's tally at the end.
    progress.total = jobs.length;
  }
  progress.status = 'running';
  const width = Math.max(1, input.concurrency ?? input.spec.concurrency);
  const todo = registered?.todo ?? [];
  const kinds = registered?.kinds ?? { sim: 0, train: 0, nas: 0 };
  // A worker of an older fuselab that ran the registration answers without kinds: the jobs' kinds
  // then come from the spec, as in v2 (else the campaign would end with its jobs never run).
  const expanded = !ranged || (registered !== undefined && registered.kinds === undefined);
  if (expanded && ranged) jobs = expandSpec(input.spec);
  /** The positions of one kind still to run, as ranges (v4: from the kinds' spans; v2: from the expanded jobs). */
  const todoOf = (kind: JobSpec['kind']): PositionRanges => {
    if (expanded) return toRanges(fromRanges(todo).filter((p) => jobs[p]?.kind === kind));
    const from = kind === 'sim' ? 0 : kind === 'train' ? kinds.sim : kinds.sim + kinds.train;
    return clipRanges(todo, from, from + kinds[kind]);
  };
  const teachers = new Map(registered?.teachers ?? []);
  const dependsOn = (position: number) => (expanded ? jobs[position]?.dependsOn : teachers.get(position));
  /** A failed unit of work: its jobs that had not finished are marked failed. */
  const failJobs = (positions: number[]) => (error: string) => bookkeeping.failJobs({ campaignId, positions, error });

  // Simulations: chunks of positions, `width` chunks at once; v4: ranges, at most maxSimChunks chunks.
  const simTodo = todoOf('sim');
  const simCount = countRanges(simTodo);
  const simLanes = Math.max(1, Math.min(width, simCount));
  const size = simBatchSize(simCount, simLanes, input.batchSize, ranged ? (input.maxSimChunks ?? MAX_SIM_CHUNKS) : undefined);
  // Jobs of a failed chunk stored before the failure count as completed in the final tally.
  let nextChunk: () => LaneStep;
  if (ranged) {
    const carve = chunksOf(simTodo, size);
    nextChunk = () => {
      const ranges = carve();
      if (!ranges) return undefined;
      return {
        running: countRanges(ranges),
        start: () => simBatches().runSimulationBatch({ campaignId, ranges, force }),
        tally: (result: SimBatchResult) => result,
        markFailed: (error: string) => bookkeeping.failJobs({ campaignId, ranges, error }),
      };
    };
  } else {
    const positions = fromRanges(simTodo);
    const chunks: number[][] = [];
    for (let i = 0; i < positions.length; i += size) chunks.push(positions.slice(i, i + size));
    nextChunk = takeInOrder(chunks, (chunk) => ({
      running: chunk.length,
      start: () => simBatches().runSimulationBatch({ campaignId, positions: chunk, force }),
      tally: (result: SimBatchResult) => result,
      markFailed: failJobs(chunk),
    }));
  }

  // Training: one activity per job; a student starts once its teacher job has finished.
  const trainTodo = fromRanges(todoOf('train'));
  const trained = new Map<number, boolean>();
  const nextTraining = trainingSteps(
    dependsOn,
    trainTodo,
    {
      run: (position) => ({
        running: 1,
        start: () => trainingActivities().runTraining({ campaignId, position, force }),
        tally: ONE_COMPLETED,
        markFailed: failJobs([position]),
      }),
      failStudent: (position) => ({
        running: 0,
        start: () => failJobs([position])('its teacher job failed'),
        tally: (marked: number) => ({ completed: 0, failed: marked }),
      }),
    },
    trained,
  );
  const trainLanes = Math.max(0, Math.min(width, trainTodo.length));

  // Searches (v3): one searchWorkflow child each on fuselab-nas, a few at once.
  const nasTodo = fromRanges(todoOf('nas'));
  const searches = nasTodo.length > 0 && patched(SEARCH_PATCH);
  const runSearch = (position: number): LaneWork => ({
    running: 1,
    start: () =>
      executeChild(searchWorkflow, {
        // From the input, not workflowInfo(): a recorded history replays under any workflow id.
        workflowId: `${campaignId}/search-${position}`,
        taskQueue: TASK_QUEUES.nas,
        args: [
          { campaignId, position, force, ...(input.searchGenerationsPerRun ? { generationsPerRun: input.searchGenerationsPerRun } : {}) },
        ],
      }),
    tally: ONE_COMPLETED,
    markFailed: failJobs([position]),
  });
  // Searches without a teacher run in spec order, as before teachers existed (recorded histories replay).
  const nextSearch = nasTodo.some((position) => dependsOn(position) !== undefined)
    ? searchSteps(dependsOn, nasTodo, new Set(trainTodo), trained, {
        run: runSearch,
        fail: (position) => ({
          running: 0,
          start: () => failJobs([position])('its teacher job failed'),
          tally: (marked: number) => ({ completed: 0, failed: marked }),
        }),
      })
    : takeInOrder(nasTodo, runSearch);
  const searchLanes = searches ? Math.max(1, Math.min(width, MAX_SEARCH_LANES, nasTodo.length)) : 0;

  // Lanes start in this order (simulations, training, searches): recorded histories schedule their first work so.
  const lanes = (count: number, next: () => LaneStep) => Array.from({ length: count }, () => runLane(progress, next));
  await run.runLanes(() => [
    ...lanes(simCount ? simLanes : 0, nextChunk),
    ...lanes(trainLanes, nextTraining),
    ...lanes(searchLanes, nextSearch),
  ]);

  const status = run.outcome();
  const counts = (await run.record(status)) as CampaignCounts;
  // The database's tally is the truth (a cancelled chunk may have stored part of its jobs).
  Object.assign(progress, {
    total: counts.total,
    completed: counts.completed,
    failed: counts.failed,
    reused: counts.reused,
    cancelled: counts.cancelled,
    running: 0,
    status,
  });
  return progress;
}
