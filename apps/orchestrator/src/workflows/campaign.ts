/**
 * The campaign workflow: expands the spec into jobs, registers them (reusing finished ones), and
 * fans them out to the per-kind task queues with bounded concurrency. Deterministic: no I/O, no
 * clocks, no randomness here; everything with side effects is an activity.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, defineQuery, defineSignal, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import { expandSpec, TASK_QUEUES, type JobSpec, type NormalisedSpec, type SimJobParams } from '../campaigns/expand.js';
import type { CampaignActivities, SimActivities } from '../activities/types.js';

export interface CampaignInput {
  campaignId: string;
  spec: NormalisedSpec;
  force: boolean;
  /** Overrides spec.concurrency. */
  concurrency?: number;
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
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: ['InputError', 'InvalidSpecError'] },
});

function describe(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
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
