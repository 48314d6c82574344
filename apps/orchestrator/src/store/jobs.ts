/**
 * A campaign's jobs: registering them (reusing stored results), reading them back, and moving
 * them through pending → running → completed | failed. Also the rules the other parts of the store
 * share about jobs: which jobs may still change, how one is marked completed, and which rows
 * belong to a campaign.
 */
import { and, asc, eq, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from './db.js';
import { campaigns, jobs, searchResults, searchTrainings, simResults, trainingResults } from './schema.js';
import { chunks, iso } from './rows.js';
import { appendPosition } from '../campaigns/position-ranges.js';
import type { JobKind } from '../campaigns/expand.js';
import type { PositionRanges, RegisteredCampaign } from '../activities/types.js';

/** Every job status in one list: the store, the API's filters and the dashboard (a test holds it to this) take it from here. */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'reused', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job as an activity reads it back by position. */
export interface StoredJob {
  position: number;
  key: string;
  kind: string;
  group: string;
  params: unknown;
  status: string;
}

export interface NewJob {
  position: number;
  kind: JobKind;
  group: string;
  key: string;
  params: unknown;
}

/**
 * Jobs a (retried) activity may still move. Completed and reused jobs keep their result; a job the
 * campaign already marked cancelled stays cancelled (a result stored for it is still reusable).
 */
const UNFINISHED: JobStatus[] = ['pending', 'running', 'failed'];

/**
 * Registration moves a campaign to `running`, but not one a cancel reached first: it stays
 * `cancelling` until the workflow records `cancelled`.
 */
const RUNNING_UNLESS_CANCELLING = sql<string>`case when ${campaigns.status} = 'cancelling' then 'cancelling' else 'running' end`;

/** The campaign's jobs matching `which` that have not finished. */
function unfinished(campaignId: string, which: SQL): SQL | undefined {
  return and(eq(jobs.campaignId, campaignId), which, inArray(jobs.status, UNFINISHED));
}

/** Rows whose job key belongs to the campaign's jobs (every row when no campaign is given). */
export function ofCampaign(db: Db, jobKey: PgColumn, campaignId?: string): SQL | undefined {
  return campaignId ? inArray(jobKey, db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
}

/**
 * Which training rows belong to a campaign: those of its training jobs, and the trainings its
 * searches run to measure candidates' `accuracy` (search_trainings, recorded as each starts), which
 * have no job row of their own.
 */
export function ofCampaignTrainings(db: Db, jobKey: PgColumn, campaignId?: string): SQL | undefined {
  if (!campaignId) return undefined;
  const searchJobs = db
    .select({ key: jobs.key })
    .from(jobs)
    .where(and(eq(jobs.campaignId, campaignId), eq(jobs.kind, 'nas')));
  const trained = db.select({ key: searchTrainings.trainingKey }).from(searchTrainings).where(inArray(searchTrainings.jobKey, searchJobs));
  return or(ofCampaign(db, jobKey, campaignId), inArray(jobKey, trained));
}

/** Marks the campaign's unfinished jobs with these keys completed (the result is stored). */
export async function completeJobs(db: Db, campaignId: string, keys: string[], worker: string): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'completed', worker, error: null, finishedAt: new Date() })
    .where(unfinished(campaignId, inArray(jobs.key, keys)));
}

export async function completeJob(db: Db, campaignId: string, key: string, worker: string): Promise<void> {
  await completeJobs(db, campaignId, [key], worker);
}

/** A cancelled campaign's jobs that had not ended (failed ones stay failed). */
export async function cancelOpenJobs(db: Db, campaignId: string): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: new Date() })
    .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.status, ['pending', 'running'])));
}

/** Where each kind of job keeps its result: a key found there makes the job reusable. */
const RESULT_KEYS: Record<JobKind, PgColumn> = { sim: simResults.jobKey, train: trainingResults.jobKey, nas: searchResults.jobKey };

async function storedResultKeys(db: Db, part: NewJob[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const [kind, jobKey] of Object.entries(RESULT_KEYS)) {
    const keys = part.filter((job) => job.kind === kind).map((job) => job.key);
    if (keys.length === 0) continue;
    const rows = await db.select({ key: jobKey }).from(jobKey.table).where(inArray(jobKey, keys));
    for (const row of rows) found.add(row.key as string);
  }
  return found;
}

/**
 * Inserts jobs that are not there yet (a campaign's key is unique), as reused when their result is
 * already stored (unless `force`), else pending.
 */
async function insertJobs(db: Db, campaignId: string, part: NewJob[], force: boolean): Promise<void> {
  const done = force ? new Set<string>() : await storedResultKeys(db, part);
  await db
    .insert(jobs)
    .values(
      part.map((job) => ({
        campaignId,
        position: job.position,
        kind: job.kind,
        group: job.group,
        key: job.key,
        params: job.params,
        status: done.has(job.key) ? 'reused' : 'pending',
        finishedAt: done.has(job.key) ? new Date() : null,
      })),
    )
    .onConflictDoNothing({ target: [jobs.campaignId, jobs.key] });
}

/**
 * Records a campaign's jobs (idempotent: a retried call inserts nothing new) and marks those whose
 * result already exists as reused, unless `force`. Returns every job's key and status.
 */
export async function registerJobs(
  db: Db,
  campaignId: string,
  newJobs: NewJob[],
  force: boolean,
): Promise<Array<{ key: string; status: JobStatus }>> {
  return db.transaction(async (tx) => {
    for (const part of chunks(newJobs)) await insertJobs(tx, campaignId, part, force);
    const rows = await tx
      .select({ key: jobs.key, status: jobs.status })
      .from(jobs)
      .where(eq(jobs.campaignId, campaignId))
      .orderBy(asc(jobs.position));
    const reused = rows.filter((row) => row.status === 'reused').length;
    await tx
      .update(campaigns)
      .set({ status: RUNNING_UNLESS_CANCELLING, totalJobs: rows.length, reusedJobs: reused, updatedAt: new Date() })
      .where(eq(campaigns.id, campaignId));
    return rows as Array<{ key: string; status: JobStatus }>;
  });
}

/** Jobs registered per database round trip when streaming a campaign's jobs in. */
const REGISTER_BATCH = 1000;

/**
 * registerJobs for a campaign of any size, answered compactly: counts and the positions still to
 * run. The jobs stream in (an iterable, e.g. iterateSpec's), are inserted and read back a batch at a
 * time in one transaction, so memory holds a batch and the todo ranges, never every job.
 * Idempotent like registerJobs: a re-registration inserts nothing and reports what is left.
 */
export async function registerCampaign(db: Db, campaignId: string, newJobs: Iterable<NewJob>, force: boolean): Promise<RegisteredCampaign> {
  return db.transaction(async (tx) => {
    let total = 0;
    let reused = 0;
    let completed = 0;
    const todo: PositionRanges = [];
    const register = async (part: NewJob[]) => {
      for (const rows of chunks(part)) await insertJobs(tx, campaignId, rows, force);
      // Read back what the rows say now (an earlier registration may have run some of them).
      const stored = await tx
        .select({ position: jobs.position, status: jobs.status })
        .from(jobs)
        .where(and(eq(jobs.campaignId, campaignId), gte(jobs.position, part[0]!.position), lte(jobs.position, part.at(-1)!.position)))
        .orderBy(asc(jobs.position));
      for (const row of stored) {
        total++;
        if (row.status === 'reused') reused++;
        else if (row.status === 'completed') completed++;
        else appendPosition(todo, row.position);
      }
    };
    let part: NewJob[] = [];
    for (const job of newJobs) {
      part.push(job);
      if (part.length === REGISTER_BATCH) {
        await register(part);
        part = [];
      }
    }
    if (part.length) await register(part);
    await tx
      .update(campaigns)
      .set({ status: RUNNING_UNLESS_CANCELLING, totalJobs: total, reusedJobs: reused, updatedAt: new Date() })
      .where(eq(campaigns.id, campaignId));
    return { total, reused, completed, todo };
  });
}

/** The jobs at these positions of a campaign, in position order. */
export async function loadJobs(db: Db, campaignId: string, positions: number[]): Promise<StoredJob[]> {
  if (positions.length === 0) return [];
  return db
    .select({ position: jobs.position, key: jobs.key, kind: jobs.kind, group: jobs.group, params: jobs.params, status: jobs.status })
    .from(jobs)
    .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.position, positions)))
    .orderBy(asc(jobs.position));
}

/**
 * The key a campaign registered for the job of this kind with exactly these parameters (jsonb
 * equality), or undefined: how a student finds its teacher's job when the code version — part of
 * every key — changed between registration and the student's run.
 */
export async function registeredKey(db: Db, campaignId: string, kind: JobKind, params: unknown): Promise<string | undefined> {
  const [row] = await db
    .select({ key: jobs.key })
    .from(jobs)
    .where(and(eq(jobs.campaignId, campaignId), eq(jobs.kind, kind), sql`${jobs.params} = ${JSON.stringify(params)}::jsonb`))
    .limit(1);
  return row?.key;
}

export async function listJobs(db: Db, campaignId: string, options: { status?: string; limit?: number; offset?: number } = {}) {
  const where = options.status ? and(eq(jobs.campaignId, campaignId), eq(jobs.status, options.status)) : eq(jobs.campaignId, campaignId);
  const rows = await db
    .select()
    .from(jobs)
    .where(where)
    .orderBy(asc(jobs.position))
    .limit(options.limit ?? 1000)
    .offset(options.offset ?? 0);
  return rows.map((row) => ({
    key: row.key,
    kind: row.kind,
    group: row.group,
    position: row.position,
    params: row.params,
    status: row.status,
    attempts: row.attempts,
    worker: row.worker,
    error: row.error,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  }));
}

/** Marks a chunk of jobs running on a worker (jobs already finished are left alone). */
export async function startJobs(db: Db, campaignId: string, keys: string[], worker: string, attempt: number): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(jobs)
    .set({ status: 'running', worker, attempts: attempt, startedAt: new Date(), heartbeatAt: null, error: null })
    .where(unfinished(campaignId, inArray(jobs.key, keys)));
}

/** A running job's sign of life (trainings write it, throttled); a job no longer running is left alone. */
export async function touchJob(db: Db, campaignId: string, key: string): Promise<void> {
  await db
    .update(jobs)
    .set({ heartbeatAt: new Date() })
    .where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key), eq(jobs.status, 'running')));
}

export async function startJob(db: Db, campaignId: string, key: string, worker: string, attempt: number): Promise<void> {
  await startJobs(db, campaignId, [key], worker, attempt);
}

/** Marks jobs failed unless they finished; returns how many it marked. */
export async function failJobs(db: Db, campaignId: string, positions: number[], error: string): Promise<number> {
  if (positions.length === 0) return 0;
  const rows = await db
    .update(jobs)
    .set({ status: 'failed', error, finishedAt: new Date() })
    .where(unfinished(campaignId, inArray(jobs.position, positions)))
    .returning({ key: jobs.key });
  return rows.length;
}

/** Marks one job failed whatever its status (a job the simulator rejects; v1's per-job failure). */
export async function failJob(db: Db, campaignId: string, key: string, error: string, attempts?: number): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'failed', error, finishedAt: new Date(), ...(attempts !== undefined ? { attempts } : {}) })
    .where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key)));
}
