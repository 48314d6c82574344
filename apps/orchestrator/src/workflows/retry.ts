/** Retry policies the workflows share. */

/**
 * Retries that ride out a database or network outage of about a minute and a half (1, 2, 4, 8 s,
 * then every 15 s): an activity that cannot reach PostgreSQL fails and is tried again, and the
 * idempotent writes (job keys, ON CONFLICT) make the retry safe. tests/reliability/faults.test.ts
 * stops PostgreSQL for 10 s in the middle of a sweep.
 */
export const THROUGH_OUTAGES = { initialInterval: '1 second', maximumInterval: '15 seconds', maximumAttempts: 10 } as const;

/**
 * The heartbeat timeout of the activities that heartbeat (simulation chunks, trainings, supernet
 * tasks): how long an attempt whose worker was killed or cut off, or whose completion was lost in
 * a Temporal restart, holds up its job before the retry. A chunk heartbeats after every job; a
 * training or supernet task from a timer while its child process works (activities/liveness.ts),
 * so neither a slow step nor a long test-set pass comes near it. It was 2 minutes for chunks and
 * 60 s for trainings (faults.test.ts: a Temporal restart cost 125 s, a killed worker over a minute).
 */
export const LOST_ATTEMPT_TIMEOUT = '30 seconds';
