/**
 * Joining work that runs side by side in a workflow so that a cancellation or a failure is passed
 * on only once every part has stopped. Its own module, with nothing but the SDK, so that tests can
 * bundle it into a workflow of their own (tests/orchestrator/all-ended.test.ts).
 */
import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';

/**
 * v7: work running side by side (a campaign's lanes, a search's evaluations, a candidate's seeds)
 * is passed on as cancelled or failed only once every part of it has ended (allEnded). v5 and v6
 * made each activity wait for its own stop, but the parts were joined with Promise.all, which
 * rejects with the first part to stop: a search that stopped within a second let the campaign
 * record `cancelled` while its training was still saving a checkpoint, and 64 metric rows landed
 * after (tests/reliability/faults.test.ts, CI of 329eb60). Histories recorded before join with
 * Promise.all, and replay so.
 */
export const SIBLINGS_WAIT_PATCH = 'cancel-waits-siblings-v7';

/**
 * `Promise.all` over the parts `start` begins, except that it settles only once every part has
 * (v7, SIBLINGS_WAIT_PATCH): with the first part's error if one failed, else with every value in
 * order. A failure other than a cancellation cancels the other parts first, so a failed lane does
 * not wait for a day-long training to end on its own. The parts start inside a scope of their own,
 * which is why they are passed as a function.
 */
export async function allEnded<T>(start: () => Array<Promise<T>>): Promise<T[]> {
  if (!patched(SIBLINGS_WAIT_PATCH)) return Promise.all(start());
  const parts = new CancellationScope();
  let first: { error: unknown } | undefined;
  const values = await parts.run(() =>
    Promise.all(
      start().map((part) =>
        part.catch((error: unknown) => {
          if (!first) {
            first = { error };
            if (!isCancellation(error)) parts.cancel();
          }
          return undefined as T;
        }),
      ),
    ),
  );
  if (first) throw first.error;
  return values;
}
