/** Campaign rows: created on submit, moved to running by registration, finished by the workflow. */
import { and, count, desc, eq, inArray, min } from 'drizzle-orm';
import type { Db } from './db.js';
import { campaigns, jobs } from './schema.js';
import { cancelOpenJobs, type JobStatus } from './jobs.js';
import { iso } from './rows.js';
import type { NormalisedSpec } from '../campaigns/expand.js';
import type { CampaignCounts } from '../activities/types.js';

/**
 * `cancelling`: a cancel was asked for and the workflow is waiting for its running activities to
 * stop (about a second; up to a heartbeat timeout if a worker is gone) before it records
 * `cancelled`. Every campaign status in one list: the export format and the API take it from here.
 */
export const CAMPAIGN_STATUSES = ['pending', 'running', 'cancelling', 'completed', 'failed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** The statuses a campaign ends in. */
export const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly CampaignStatus[];
const finished = new Set<string>(FINISHED_STATUSES);

/** The statuses of a campaign whose workflow is (or may be) still going: it can be cancelled, its progress is live. */
export const ACTIVE_STATUSES = ['pending', 'running', 'cancelling'] as const satisfies readonly CampaignStatus[];
const active = new Set<string>(ACTIVE_STATUSES);
export const isActiveStatus = (status: string): boolean => active.has(status);
/** The statuses a cancel moves to `cancelling` (one already cancelling stays as it is). */
export const CANCELLABLE_STATUSES = ['pending', 'running'] as const satisfies readonly CampaignStatus[];

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
  /** When its first job started (null until one did). */
  startedAt: string | null;
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

/** A campaign's jobs summed up: counts by status and when the first one started. */
export interface JobTally {
  counts: JobCounts;
  startedAt: string | null;
}

/** Job counts by status and first start of each campaign, in one pass (every campaign asked for has an entry). */
async function tallies(db: Db, campaignIds: string[]): Promise<Map<string, JobTally>> {
  const out = new Map<string, JobTally>(campaignIds.map((id) => [id, { counts: emptyCounts(), startedAt: null }]));
  if (campaignIds.length === 0) return out;
  const rows = await db
    .select({ campaignId: jobs.campaignId, status: jobs.status, n: count(), started: min(jobs.startedAt) })
    .from(jobs)
    .where(inArray(jobs.campaignId, campaignIds))
    .groupBy(jobs.campaignId, jobs.status);
  for (const row of rows) {
    const tally = out.get(row.campaignId)!;
    tally.counts[row.status as JobStatus] += Number(row.n);
    tally.counts.total += Number(row.n);
    const started = iso(row.started);
    if (started && (!tally.startedAt || started < tally.startedAt)) tally.startedAt = started;
  }
  return out;
}

/**
 * The tallies of finished campaigns, which cannot change any more: jobs move only while unfinished,
 * and finishCampaign ends a cancelled campaign's open jobs in the transaction that records the
 * outcome. The dashboard's event stream lists the campaigns twice a second; without this, a
 * history of 100,000 jobs was counted each time (~100 ms of PGlite's one thread). Keyed by the
 * row's updated_at too, so a campaign whose row changes again is counted afresh. Per process.
 */
export class FinishedTallies {
  private readonly entries = new Map<string, JobTally>();
  constructor(private readonly max = 10_000) {}

  private key(row: CampaignRow): string | null {
    return finished.has(row.status) ? `${row.id}@${row.status}@${row.updatedAt.getTime()}` : null;
  }

  /** The tallies of `rows`: cached ones for finished campaigns, the rest counted (and cached once finished). */
  async of(db: Db, rows: CampaignRow[]): Promise<Map<string, JobTally>> {
    const out = new Map<string, JobTally>();
    const missing: CampaignRow[] = [];
    for (const row of rows) {
      const key = this.key(row);
      const cached = key ? this.entries.get(key) : undefined;
      if (cached) out.set(row.id, cached);
      else missing.push(row);
    }
    const counted = await tallies(
      db,
      missing.map((row) => row.id),
    );
    for (const row of missing) {
      const tally = counted.get(row.id)!;
      out.set(row.id, tally);
      const key = this.key(row);
      if (!key) continue;
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, tally);
    }
    return out;
  }
}

/** Job counts by status of each campaign (every campaign asked for has an entry). */
export async function jobCounts(db: Db, campaignIds: string[]): Promise<Map<string, JobCounts>> {
  const out = new Map<string, JobCounts>();
  for (const [id, tally] of await tallies(db, campaignIds)) out.set(id, tally.counts);
  return out;
}

export async function campaignCounts(db: Db, campaignId: string): Promise<CampaignCounts> {
  const counts = (await jobCounts(db, [campaignId])).get(campaignId)!;
  return { total: counts.total, completed: counts.completed, failed: counts.failed, reused: counts.reused, cancelled: counts.cancelled };
}

function summary(row: CampaignRow, tally: JobTally): CampaignSummary {
  return {
    campaignId: row.id,
    name: row.name,
    status: row.status as CampaignStatus,
    specHash: row.specHash,
    codeVersion: row.codeVersion,
    createdAt: iso(row.createdAt)!,
    finishedAt: iso(row.finishedAt),
    error: row.error,
    startedAt: tally.startedAt,
    jobs: tally.counts,
  };
}

export async function listCampaigns(db: Db, finished: FinishedTallies, limit = 100): Promise<CampaignSummary[]> {
  const rows = await db.select().from(campaigns).orderBy(desc(campaigns.createdAt)).limit(limit);
  const tallied = await finished.of(db, rows);
  return rows.map((row) => summary(row, tallied.get(row.id)!));
}

export async function getCampaign(db: Db, finished: FinishedTallies, id: string): Promise<CampaignDetail | undefined> {
  const row = await campaignRow(db, id);
  if (!row) return undefined;
  const tallied = await finished.of(db, [row]);
  return {
    ...summary(row, tallied.get(id)!),
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

/**
 * A cancel was sent: `cancelling` until the workflow records how it ended. Only a campaign still
 * pending or running moves (one that finished meanwhile keeps its outcome). Returns whether it moved.
 */
export async function markCancelling(db: Db, campaignId: string): Promise<boolean> {
  const moved = await db
    .update(campaigns)
    .set({ status: 'cancelling', updatedAt: new Date() })
    .where(and(eq(campaigns.id, campaignId), inArray(campaigns.status, [...CANCELLABLE_STATUSES])))
    .returning({ id: campaigns.id });
  return moved.length > 0;
}

export async function setCampaignStatus(db: Db, campaignId: string, status: CampaignStatus, error?: string): Promise<void> {
  await db
    .update(campaigns)
    .set({ status, updatedAt: new Date(), ...(error !== undefined ? { error } : {}) })
    .where(eq(campaigns.id, campaignId));
}
