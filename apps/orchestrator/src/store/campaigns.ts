/** Campaign rows: created on submit, moved to running by registration, finished by the workflow. */
import { count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.js';
import { campaigns, jobs } from './schema.js';
import { cancelOpenJobs, type JobStatus } from './jobs.js';
import { iso } from './rows.js';
import type { NormalisedSpec } from '../campaigns/expand.js';
import type { CampaignCounts } from '../activities/types.js';

export type CampaignStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export type JobCounts = Record<JobStatus | 'total', number>;

export interface CampaignSummary {
  campaignId: string;
  name: string;
  status: CampaignStatus;
  specHash: string;
  codeVersion: string;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  jobs: JobCounts;
}

export interface CampaignDetail extends CampaignSummary {
  spec: NormalisedSpec;
  versions: Record<string, string>;
  seed: number;
  force: boolean;
}

export type CampaignRow = typeof campaigns.$inferSelect;

const emptyCounts = (): JobCounts => ({ total: 0, pending: 0, running: 0, completed: 0, failed: 0, reused: 0, cancelled: 0 });

export async function createCampaign(
  db: Db,
  input: { id: string; spec: NormalisedSpec; specHash: string; codeVersion: string; versions: Record<string, string>; force: boolean },
): Promise<void> {
  await db
    .insert(campaigns)
    .values({
      id: input.id,
      name: input.spec.name,
      spec: input.spec,
      specHash: input.specHash,
      status: 'pending',
      codeVersion: input.codeVersion,
      versions: input.versions,
      seed: input.spec.seed,
      force: input.force,
    })
    .onConflictDoNothing();
}

export async function deleteCampaign(db: Db, id: string): Promise<void> {
  await db.delete(campaigns).where(eq(campaigns.id, id));
}

export async function campaignRow(db: Db, id: string): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row;
}

/** Job counts by status of each campaign (every campaign asked for has an entry). */
export async function jobCounts(db: Db, campaignIds: string[]): Promise<Map<string, JobCounts>> {
  const out = new Map<string, JobCounts>(campaignIds.map((id) => [id, emptyCounts()]));
  if (campaignIds.length === 0) return out;
  const rows = await db
    .select({ campaignId: jobs.campaignId, status: jobs.status, n: count() })
    .from(jobs)
    .where(inArray(jobs.campaignId, campaignIds))
    .groupBy(jobs.campaignId, jobs.status);
  for (const row of rows) {
    const counts = out.get(row.campaignId)!;
    counts[row.status as JobStatus] += Number(row.n);
    counts.total += Number(row.n);
  }
  return out;
}

export async function campaignCounts(db: Db, campaignId: string): Promise<CampaignCounts> {
  const counts = (await jobCounts(db, [campaignId])).get(campaignId)!;
  return { total: counts.total, completed: counts.completed, failed: counts.failed, reused: counts.reused, cancelled: counts.cancelled };
}

function summary(row: CampaignRow, counts: JobCounts): CampaignSummary {
  return {
    campaignId: row.id,
    name: row.name,
    status: row.status as CampaignStatus,
    specHash: row.specHash,
    codeVersion: row.codeVersion,
    createdAt: iso(row.createdAt)!,
    finishedAt: iso(row.finishedAt),
    error: row.error,
    jobs: counts,
  };
}

export async function listCampaigns(db: Db, limit = 100): Promise<CampaignSummary[]> {
  const rows = await db.select().from(campaigns).orderBy(desc(campaigns.createdAt)).limit(limit);
  const counts = await jobCounts(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => summary(row, counts.get(row.id)!));
}

export async function getCampaign(db: Db, id: string): Promise<CampaignDetail | undefined> {
  const row = await campaignRow(db, id);
  if (!row) return undefined;
  const counts = await jobCounts(db, [id]);
  return {
    ...summary(row, counts.get(id)!),
    spec: row.spec as NormalisedSpec,
    versions: row.versions as Record<string, string>,
    seed: row.seed,
    force: row.force,
  };
}

/** Records the outcome; a cancelled campaign's jobs that had not ended become cancelled. Returns the final counts. */
export async function finishCampaign(db: Db, campaignId: string, status: CampaignStatus, error?: string): Promise<CampaignCounts> {
  await db.transaction(async (tx) => {
    if (status === 'cancelled') await cancelOpenJobs(tx, campaignId);
    await tx
      .update(campaigns)
      .set({ status, error: error ?? null, updatedAt: new Date(), finishedAt: new Date() })
      .where(eq(campaigns.id, campaignId));
  });
  return campaignCounts(db, campaignId);
}

export async function setCampaignStatus(db: Db, campaignId: string, status: CampaignStatus, error?: string): Promise<void> {
  await db
    .update(campaigns)
    .set({ status, updatedAt: new Date(), ...(error !== undefined ? { error } : {}) })
    .where(eq(campaigns.id, campaignId));
}
