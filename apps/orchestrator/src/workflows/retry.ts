/** Retry policies the workflows share. */

/**
 * Retries that ride out a database or network outage of about a minute and a half (1, 2, 4, 8 s,
 * then every 15 s): an activity that cannot reach PostgreSQL fails and is tried again, and the
 * idempotent writes (job keys, ON CONFLICT) make the retry safe. tests/reliability/faults.test.ts
 * stops PostgreSQL for 10 s in the middle of a sweep.
 */
export const THROUGH_OUTAGES = { initialInterval: '1 second', maximumInterval: '15 seconds', maximumAttempts: 10 } as const;
