/**
 * Lanes: the campaign workflow runs its jobs in a few concurrent loops, each taking the next unit
 * of work (an activity or a child workflow over some jobs) until there is none. What every unit
 * shares — counted as running meanwhile, tallied when it ends, its jobs marked failed when it
 * fails, a cancellation let through — is written once here.
 *
 * Replay-safe by construction: between a unit settling and the lane starting the next one there is
 * exactly one await (on the Temporal promise itself), as in the code the recorded histories ran.
 */
import { ActivityFailure, ChildWorkflowFailure, condition, isCancellation } from '@temporalio/workflow';

export interface Tally {
  completed: number;
  failed: number;
}

/** One unit of a lane's work. */
export interface LaneWork<R = unknown> {
  /** Jobs counted as running meanwhile. */
  running: number;
  /** Starts the activity or child workflow; its promise is returned as is, not wrapped. */
  start(): Promise<R>;
  /** How many jobs completed and failed, from its result. */
  tally(result: R): Tally;
  /** Records a failure (other than a cancellation) and answers how many jobs it marked failed; absent: the failure ends the workflow. */
  markFailed?(error: string): Promise<number>;
  /** Told, after the tally, whether it succeeded. */
  settled?(succeeded: boolean): void;
}

/** What a lane does next: a unit of work, waiting until `waitUntil` holds (then it asks again), or stop (undefined). */
export type LaneStep = LaneWork | { waitUntil: () => boolean } | undefined;

/** The progress counters a lane moves. */
export interface LaneCounts {
  running: number;
  completed: number;
  failed: number;
}

/** The message a failed unit records: the activity's or child's own error, not the wrapper's. */
export function describe(error: unknown): string {
  if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** A lane: takes steps from `next` until it answers undefined. */
export async function runLane(counts: LaneCounts, next: () => LaneStep): Promise<void> {
  for (let step = next(); step; step = next()) {
    if ('waitUntil' in step) {
      await condition(step.waitUntil);
      continue;
    }
    counts.running += step.running;
    try {
      const tally = step.tally(await step.start());
      counts.completed += tally.completed;
      counts.failed += tally.failed;
      step.settled?.(true);
    } catch (error) {
      if (isCancellation(error) || !step.markFailed) throw error;
      const marked = await step.markFailed(describe(error));
      counts.failed += marked;
      step.settled?.(false);
    } finally {
      counts.running -= step.running;
    }
  }
}

/** Steps over `items` in order, shared by every lane that calls it. */
export function takeInOrder<T, R>(items: T[], work: (item: T) => LaneWork<R>): () => LaneStep {
  let next = 0;
  return () => (next < items.length ? work(items[next++]!) : undefined);
}
