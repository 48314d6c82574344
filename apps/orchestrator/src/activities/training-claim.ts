/**
 * One training per key at a time, across activities and workers: a training claims its key in the
 * database (store/leases.ts) and trains while it holds the claim; an activity that needs the same
 * training meanwhile — a second search over the same supernet, a candidate two searches ask, a job
 * two campaigns share — waits for the holder's stored result instead of training it again. A holder
 * whose worker died stops renewing; after `staleSeconds` a waiter takes the claim over and trains,
 * resuming from the latest checkpoint the dead one stored.
 */
import { Context } from '@temporalio/activity';
import type { Store } from '../store/store.js';

export interface TrainingClaimOptions {
  /** A claim not renewed for this long is free (default 90 s: six missed renewals, past the 30 s heartbeat timeout). */
  staleSeconds?: number;
  /** How often a holder renews its claim (default 15 s). */
  renewMs?: number;
  /** How often a waiter looks for the result or a free claim (default 5 s). */
  pollMs?: number;
}

export const TRAINING_CLAIM_DEFAULTS: Required<TrainingClaimOptions> = { staleSeconds: 90, renewMs: 15_000, pollMs: 5_000 };

/**
 * Answers `stored()` if the training is stored, else runs `train()` holding the claim on `key`, or
 * waits (heartbeating, cancellable) while another live holder trains it — then `stored` gets the
 * holder it waited for, for the activity's result. The holder is this
 * activity (workflow, run and activity id), so a retried attempt takes its own claim back at once.
 * `train` must store its result before it returns: the claim is released after it, and a waiter
 * that then gets the claim looks for the result first.
 */
export async function withTrainingClaim<T>(
  store: Store,
  key: string,
  options: TrainingClaimOptions,
  stored: (waitedFor: string | undefined) => Promise<T | undefined>,
  train: () => Promise<T>,
  whileWaiting?: () => void,
): Promise<T> {
  const { staleSeconds, renewMs, pollMs } = { ...TRAINING_CLAIM_DEFAULTS, ...options };
  const ctx = Context.current();
  // The run id too: activity ids restart at 1 after a continue-as-new (search workflows do that).
  const execution = ctx.info.workflowExecution;
  const holder = `${execution ? `${execution.workflowId}/${execution.runId}` : ctx.info.taskQueue}/${ctx.info.activityId}`;
  let waitedFor: string | undefined;
  for (;;) {
    const done = await stored(waitedFor);
    if (done !== undefined) return done;
    if (await store.claimTraining(key, holder, staleSeconds)) {
      try {
        // The holder before us may have stored it between our look and our claim.
        const after = await stored(waitedFor);
        if (after !== undefined) return after;
        // Not awaited: a renewal must not hold up training. A holder that lost its claim while
        // paused past the timeout trains on (both runs store the same deterministic result).
        const timer = setInterval(() => void store.renewTraining(key, holder).catch(() => undefined), renewMs);
        try {
          return await train();
        } finally {
          clearInterval(timer);
        }
      } finally {
        await store.releaseTraining(key, holder).catch(() => undefined);
      }
    }
    const lease = await store.trainingLease(key);
    if (lease?.holder && lease.holder !== waitedFor) {
      waitedFor = lease.holder;
      ctx.log.info('waiting for the training another activity holds', { key, holder: waitedFor });
    }
    ctx.heartbeat({ waitingFor: waitedFor ?? null });
    whileWaiting?.();
    await ctx.sleep(pollMs);
  }
}
