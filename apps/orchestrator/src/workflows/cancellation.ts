/**
 * How the workflows cancel the activities that store results (simulation chunks, trainings, search
 * evaluations): since v5 they wait until the activity has stopped (CANCEL_WAITS_PATCH).
 */
import { ActivityCancellationType, patched, proxyActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import { TASK_QUEUES } from '../campaigns/expand.js';
import type { TrainActivities } from '../activities/types.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors/input-errors.js';
import { LOST_ATTEMPT_TIMEOUT, THROUGH_OUTAGES } from './retry.js';

/**
 * v5: a cancelled workflow waits until its running activities have stopped before it records
 * anything or closes, so a campaign that reads `cancelled` gets no more results, training metrics,
 * checkpoints or search candidates (search fronts: v6, BOOKKEEPING_WAITS_PATCH). Before,
 * it asked them to stop and went on at once (the SDK's TRY_CANCEL); an activity learns of the
 * request only at its next heartbeat, so on a loaded machine a training stored one more
 * checkpoint's metrics after its campaign had closed (tests/reliability/faults.test.ts caught it
 * in CI). Histories recorded before the patch went on without waiting, and replay so.
 */
export const CANCEL_WAITS_PATCH = 'cancel-waits-v5';

/**
 * v6: the search's bookkeeping (startSearch, recordSearchFront, finishSearch) is waited for too.
 * v5 left it out, so a front row being written when the cancel came could land after the campaign
 * read `cancelled`. A patch of its own: histories recorded under v5 replay without waiting here.
 */
export const BOOKKEEPING_WAITS_PATCH = 'cancel-waits-bookkeeping-v6';

/**
 * Activities with `options` whose cancellation waits for them to stop (v5), as a function asked at
 * each call, as `patched` wants: a workflow replaying an old history keeps the old behaviour up to
 * where that history ends. An activity without heartbeats cannot hear a cancellation: it is waited
 * for until it ends.
 */
export function waitingOnCancel<A extends object>(options: ActivityOptions, patch = CANCEL_WAITS_PATCH): () => ActivityInterfaceFor<A> {
  const goOnAtOnce = proxyActivities<A>(options);
  const waitForTheStop = proxyActivities<A>({ ...options, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });
  return () => (patched(patch) ? waitForTheStop : goOnAtOnce);
}

/**
 * The training activities (campaign training jobs, search candidates and supernets), one set of
 * options for both workflows. A cancelled training whose worker is gone is waited for until its
 * heartbeat timeout.
 */
export const trainingActivities = waitingOnCancel<TrainActivities>({
  taskQueue: TASK_QUEUES.train,
  startToCloseTimeout: '24 hours',
  // A killed worker is noticed within this; the retry (on any worker) resumes from the stored checkpoint.
  heartbeatTimeout: LOST_ATTEMPT_TIMEOUT,
  retry: { ...THROUGH_OUTAGES, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});
