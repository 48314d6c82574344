/**
 * The training activities as the workflows call them (campaign training jobs, search candidates and
 * supernets). One set of options for both workflows; which cancellation they use depends on the
 * history (TRAINING_CANCEL_PATCH).
 */
import { ActivityCancellationType, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { TASK_QUEUES } from '../campaigns/expand.js';
import type { TrainActivities } from '../activities/types.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors/input-errors.js';
import { THROUGH_OUTAGES } from './retry.js';

/**
 * v5: a cancelled workflow waits until its running trainings have stopped before it records
 * anything or closes. Before, it asked them to stop and went on at once (the SDK's TRY_CANCEL);
 * a training learns of the request only at its next heartbeat, so on a loaded machine it could
 * store one more checkpoint's metrics after its campaign read `cancelled` and its workflow had
 * closed (tests/reliability/faults.test.ts caught it in CI). Histories recorded before the patch
 * went on without waiting, so they replay with the old type.
 */
export const TRAINING_CANCEL_PATCH = 'training-cancel-waits-v5';

const OPTIONS: ActivityOptions = {
  taskQueue: TASK_QUEUES.train,
  startToCloseTimeout: '24 hours',
  // A killed worker is noticed within this; the retry (on any worker) resumes from the stored
  // checkpoint. A cancelled workflow waits at most this long for a training whose worker is gone.
  heartbeatTimeout: '60 seconds',
  retry: { ...THROUGH_OUTAGES, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
};

const goOnAtOnce = proxyActivities<TrainActivities>(OPTIONS);
const waitForTheStop = proxyActivities<TrainActivities>({
  ...OPTIONS,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The training activities for the one about to be scheduled. Asked at each call, as `patched`
 * wants: a workflow replaying an old history keeps its old behaviour up to where that history ends.
 */
export function trainingActivities(): TrainActivities {
  return patched(TRAINING_CANCEL_PATCH) ? waitForTheStop : goOnAtOnce;
}
