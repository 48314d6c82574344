/** Training jobs' rows: checkpoints (so any worker can resume), metrics per step, and the result. */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { checkpoints, trainingMetrics, trainingResults } from './schema.js';
import { completeJobs, ofCampaignTrainings } from './jobs.js';
import { chunks } from './rows.js';

export interface TrainingResultInput {
  dataset: string;
  network: string;
  variant: string;
  /** Variant `custom`: the per-block operators (null for a named variant). */
  operators?: string[] | null;
  method: string;
  width: number;
  epochs: number;
  seed: number;
  backend: string;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number;
  trainAccuracy: number;
  trainImagesPerSec: number;
  checkpointEpoch: number;
  checkpointStep: number;
  resumedFrom: number | null;
}

export interface MetricRow {
  epoch: number;
  step: number;
  split: string;
  metric: string;
  value: number;
}

export interface StoredCheckpoint {
  epoch: number;
  step: number;
  format: string;
  data: Uint8Array;
}

/** The latest checkpoint of a job (highest step), or undefined. */
export async function latestCheckpoint(db: Db, jobKey: string): Promise<StoredCheckpoint | undefined> {
  const [row] = await db
    .select()
    .from(checkpoints)
    .where(eq(checkpoints.jobKey, jobKey))
    .orderBy(desc(checkpoints.step), desc(checkpoints.epoch))
    .limit(1);
  return row ? { epoch: row.epoch, step: row.step, format: row.format, data: row.data } : undefined;
}

/** A stored checkpoint by (job, epoch, step). */
export async function checkpoint(db: Db, jobKey: string, epoch: number, step: number) {
  const [row] = await db
    .select()
    .from(checkpoints)
    .where(and(eq(checkpoints.jobKey, jobKey), eq(checkpoints.epoch, epoch), eq(checkpoints.step, step)));
  return row;
}

/** Stores a checkpoint (idempotent per (job, epoch, step)) and keeps only the newest `keep`. */
export async function saveCheckpoint(
  db: Db,
  jobKey: string,
  epoch: number,
  step: number,
  format: string,
  data: Uint8Array,
  keep = 2,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(checkpoints)
      .values({ jobKey, epoch, step, format, data })
      .onConflictDoUpdate({ target: [checkpoints.jobKey, checkpoints.epoch, checkpoints.step], set: { data, format } });
    const rows = await tx
      .select({ epoch: checkpoints.epoch, step: checkpoints.step })
      .from(checkpoints)
      .where(eq(checkpoints.jobKey, jobKey))
      .orderBy(desc(checkpoints.step));
    for (const old of rows.slice(keep))
      await tx
        .delete(checkpoints)
        .where(and(eq(checkpoints.jobKey, jobKey), eq(checkpoints.epoch, old.epoch), eq(checkpoints.step, old.step)));
  });
}

/** --force: forget a training job's result, checkpoints and metrics. */
export async function dropTraining(db: Db, jobKey: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(trainingResults).where(eq(trainingResults.jobKey, jobKey));
    await tx.delete(checkpoints).where(eq(checkpoints.jobKey, jobKey));
    await tx.delete(trainingMetrics).where(eq(trainingMetrics.jobKey, jobKey));
  });
}

/** Metrics per step/epoch; a step recorded twice (a resumed attempt) keeps its latest value. */
export async function saveMetrics(db: Db, jobKey: string, rows: MetricRow[]): Promise<void> {
  for (const part of chunks(rows, 1000)) {
    await db
      .insert(trainingMetrics)
      .values(part.map((row) => ({ jobKey, ...row })))
      .onConflictDoUpdate({
        target: [trainingMetrics.jobKey, trainingMetrics.epoch, trainingMetrics.step, trainingMetrics.split, trainingMetrics.metric],
        set: { value: sql`excluded.value` },
      });
  }
}

/** Stores a finished training once and completes its job. */
export async function saveTrainingResult(
  db: Db,
  campaignId: string,
  key: string,
  result: TrainingResultInput,
  codeVersion: string,
  worker: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(trainingResults)
      .values({ jobKey: key, ...result, codeVersion, worker })
      .onConflictDoNothing({ target: trainingResults.jobKey });
    await completeJobs(tx, campaignId, [key], worker);
  });
}

export async function trainingResult(db: Db, key: string) {
  const [row] = await db.select().from(trainingResults).where(eq(trainingResults.jobKey, key));
  return row;
}

export async function trainingResultRows(db: Db, campaignId?: string, limit?: number) {
  const query = db
    .select()
    .from(trainingResults)
    .where(ofCampaignTrainings(db, trainingResults.jobKey, campaignId))
    .orderBy(asc(trainingResults.network), asc(trainingResults.variant), asc(trainingResults.method), asc(trainingResults.seed))
    .$dynamic();
  return limit === undefined ? query : query.limit(limit);
}

/** Training curves of a campaign (empty until training jobs run). */
export async function trainingCurves(db: Db, campaignId?: string, limit?: number) {
  const query = db
    .select()
    .from(trainingMetrics)
    .where(ofCampaignTrainings(db, trainingMetrics.jobKey, campaignId))
    .orderBy(asc(trainingMetrics.jobKey), asc(trainingMetrics.epoch), asc(trainingMetrics.step))
    .$dynamic();
  return limit === undefined ? query : query.limit(limit);
}
