/**
 * Claims on trainings (schema.ts `training_leases`): one live holder per training key, so that
 * activities needing the same training at once train it once. The database's clock decides
 * staleness (`now()` on both sides), so workers' clocks need not agree.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { trainingLeases } from './schema.js';

/**
 * Claims `key` for `holder` if nobody holds it, `holder` holds it already (a retried attempt of
 * the same activity), or its holder has not renewed it for `staleSeconds`. True when granted.
 */
export async function claimTraining(db: Db, key: string, holder: string, staleSeconds: number): Promise<boolean> {
  const granted = await db
    .insert(trainingLeases)
    .values({ jobKey: key, holder, claims: 1 })
    .onConflictDoUpdate({
      target: trainingLeases.jobKey,
      set: { holder, claims: sql`${trainingLeases.claims} + 1`, renewedAt: sql`now()` },
      setWhere: sql`${trainingLeases.holder} is null or ${trainingLeases.holder} = ${holder}
        or ${trainingLeases.renewedAt} < now() - ${Math.max(0, Math.round(staleSeconds))}::int * interval '1 second'`,
    })
    .returning({ key: trainingLeases.jobKey });
  return granted.length > 0;
}

/** Renews `holder`'s claim; false when it no longer holds it (a waiter took it over as stale). */
export async function renewTraining(db: Db, key: string, holder: string): Promise<boolean> {
  const rows = await db
    .update(trainingLeases)
    .set({ renewedAt: sql`now()` })
    .where(and(eq(trainingLeases.jobKey, key), eq(trainingLeases.holder, holder)))
    .returning({ key: trainingLeases.jobKey });
  return rows.length > 0;
}

/** Gives up `holder`'s claim (nothing if another holds it now). */
export async function releaseTraining(db: Db, key: string, holder: string): Promise<void> {
  await db
    .update(trainingLeases)
    .set({ holder: null })
    .where(and(eq(trainingLeases.jobKey, key), eq(trainingLeases.holder, holder)));
}

/** The claim on `key` as stored (for operators and tests): holder (null: free) and claims granted. */
export async function trainingLease(db: Db, key: string): Promise<{ holder: string | null; claims: number } | undefined> {
  const [row] = await db
    .select({ holder: trainingLeases.holder, claims: trainingLeases.claims })
    .from(trainingLeases)
    .where(eq(trainingLeases.jobKey, key));
  return row;
}
