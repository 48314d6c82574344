/**
 * Reads and writes of campaigns, jobs and results. Every write is idempotent: rows have unique
 * keys and inserts use ON CONFLICT, so an activity that runs twice leaves one result.
 */
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { NetworkResult } from '@fuselab/systolic-sim';
import type { Db } from './db.js';
import { campaigns, jobs, searchFronts, simLayerResults, simResults, trainingMetrics } from './schema.js';
import type { JobKind, NormalisedSpec, SimJobParams } from '../campaigns/expand.js';

export type CampaignStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'reused' | 'cancelled';

export interface JobCounts {
  total: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  reused: number;
  cancelled: number;
}

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

export interface NewJob {
  position: number;
  kind: JobKind;
  group: string;
  key: string;
  params: unknown;
}

export interface ResultFilters {
  campaignId?: string;
  network?: string;
  variant?: string;
  rows?: number;
  cols?: number;
  model?: string;
  hardware?: string;
  limit?: number;
  offset?: number;
}

export interface SimResultRow {
  jobKey: string;
  network: string;
  variant: string;
  rows: number;
  cols: number;
  model: string;
  hardware: string;
  dataflow: string;
  inputSize: number;
  numClasses: number;
  totalCycles: number;
  totalMacs: number;
  cyclesByClass: Record<string, number>;
  codeVersion: string;
  worker: string | null;
  layers?: Array<{ layerIndex: number; name: string; kind: string; operatorClass: string; cycles: number; macs: number; utilization: number; breakdown: unknown }>;
}

export const EXPORT_FORMAT = 'fuselab-campaign-export';

const emptyCounts = (): JobCounts => ({ total: 0, pending: 0, running: 0, completed: 0, failed: 0, reused: 0, cancelled: 0 });

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** Rows are inserted in chunks to stay under the driver's parameter limit. */
function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class Store {
  constructor(readonly db: Db) {}

  async createCampaign(input: { id: string; spec: NormalisedSpec; specHash: string; codeVersion: string; versions: Record<string, string>; force: boolean }): Promise<void> {
    await this.db
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

  async deleteCampaign(id: string): Promise<void> {
    await this.db.delete(campaigns).where(eq(campaigns.id, id));
  }

  /**
   * Records a campaign's jobs (idempotent: a retried call inserts nothing new) and marks those whose
   * result already exists as reused, unless `force`. Returns every job's key and status.
   */
  async registerJobs(campaignId: string, newJobs: NewJob[], force: boolean): Promise<Array<{ key: string; status: JobStatus }>> {
    return this.db.transaction(async (tx) => {
      for (const part of chunks(newJobs)) {
        const keys = part.map((job) => job.key);
        const existing = force ? [] : await tx.select({ key: simResults.jobKey }).from(simResults).where(inArray(simResults.jobKey, keys));
        const done = new Set(existing.map((row) => row.key));
        await tx
          .insert(jobs)
          .values(part.map((job) => ({ campaignId, position: job.position, kind: job.kind, group: job.group, key: job.key, params: job.params, status: done.has(job.key) ? 'reused' : 'pending', finishedAt: done.has(job.key) ? new Date() : null })))
          .onConflictDoNothing({ target: [jobs.campaignId, jobs.key] });
      }
      const rows = await tx.select({ key: jobs.key, status: jobs.status }).from(jobs).where(eq(jobs.campaignId, campaignId)).orderBy(asc(jobs.position));
      const reused = rows.filter((row) => row.status === 'reused').length;
      await tx.update(campaigns).set({ status: 'running', totalJobs: rows.length, reusedJobs: reused, updatedAt: new Date() }).where(eq(campaigns.id, campaignId));
      return rows as Array<{ key: string; status: JobStatus }>;
    });
  }

  async startJob(campaignId: string, key: string, worker: string, attempt: number): Promise<void> {
    await this.db
      .update(jobs)
      .set({ status: 'running', worker, attempts: attempt, startedAt: new Date(), error: null })
      .where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key), inArray(jobs.status, ['pending', 'running', 'failed'])));
  }

  /** Stores a simulation result and its layers once (ON CONFLICT), then completes the job. */
  async saveSimResult(campaignId: string, key: string, params: SimJobParams, result: NetworkResult, codeVersion: string, worker: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(simResults)
        .values({
          jobKey: key,
          network: params.network,
          variant: params.variant,
          rows: result.rows,
          cols: result.cols,
          model: result.model,
          hardware: result.hardware,
          dataflow: result.dataflow,
          inputSize: params.inputSize,
          numClasses: params.numClasses,
          totalCycles: result.totalCycles,
          totalMacs: result.totalMacs,
          cyclesByClass: result.cyclesByClass,
          codeVersion,
          worker,
        })
        .onConflictDoNothing({ target: simResults.jobKey })
        .returning({ key: simResults.jobKey });
      if (inserted.length > 0) {
        for (const part of chunks(result.layers.map((layer, layerIndex) => ({ jobKey: key, layerIndex, name: layer.name, kind: layer.kind, operatorClass: layer.operatorClass, cycles: layer.cycles, macs: layer.macs, utilization: layer.utilization, breakdown: layer.breakdown ?? null })))) {
          await tx.insert(simLayerResults).values(part).onConflictDoNothing();
        }
      }
      await tx.update(jobs).set({ status: 'completed', worker, error: null, finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key)));
    });
  }

  /** With --force a result is recomputed: the old one goes first so the new one lands. */
  async dropSimResult(key: string): Promise<void> {
    await this.db.delete(simResults).where(eq(simResults.jobKey, key));
  }

  async failJob(campaignId: string, key: string, error: string, attempts?: number): Promise<void> {
    await this.db
      .update(jobs)
      .set({ status: 'failed', error, finishedAt: new Date(), ...(attempts !== undefined ? { attempts } : {}) })
      .where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key)));
  }

  async finishCampaign(campaignId: string, status: CampaignStatus, error?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (status === 'cancelled') {
        await tx.update(jobs).set({ status: 'cancelled', finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), inArray(jobs.status, ['pending', 'running'])));
      }
      await tx.update(campaigns).set({ status, error: error ?? null, updatedAt: new Date(), finishedAt: new Date() }).where(eq(campaigns.id, campaignId));
    });
  }

  async setCampaignStatus(campaignId: string, status: CampaignStatus, error?: string): Promise<void> {
    await this.db.update(campaigns).set({ status, updatedAt: new Date(), ...(error !== undefined ? { error } : {}) }).where(eq(campaigns.id, campaignId));
  }

  async jobCounts(campaignIds: string[]): Promise<Map<string, JobCounts>> {
    const out = new Map<string, JobCounts>(campaignIds.map((id) => [id, emptyCounts()]));
    if (campaignIds.length === 0) return out;
    const rows = await this.db.select({ campaignId: jobs.campaignId, status: jobs.status, n: count() }).from(jobs).where(inArray(jobs.campaignId, campaignIds)).groupBy(jobs.campaignId, jobs.status);
    for (const row of rows) {
      const counts = out.get(row.campaignId)!;
      counts[row.status as JobStatus] += Number(row.n);
      counts.total += Number(row.n);
    }
    return out;
  }

  private summary(row: typeof campaigns.$inferSelect, counts: JobCounts): CampaignSummary {
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

  async listCampaigns(limit = 100): Promise<CampaignSummary[]> {
    const rows = await this.db.select().from(campaigns).orderBy(desc(campaigns.createdAt)).limit(limit);
    const counts = await this.jobCounts(rows.map((row) => row.id));
    return rows.map((row) => this.summary(row, counts.get(row.id)!));
  }

  async getCampaign(id: string): Promise<CampaignDetail | undefined> {
    const [row] = await this.db.select().from(campaigns).where(eq(campaigns.id, id));
    if (!row) return undefined;
    const counts = await this.jobCounts([id]);
    return { ...this.summary(row, counts.get(id)!), spec: row.spec as NormalisedSpec, versions: row.versions as Record<string, string>, seed: row.seed, force: row.force };
  }

  async listJobs(campaignId: string, options: { status?: string; limit?: number; offset?: number } = {}) {
    const where = options.status ? and(eq(jobs.campaignId, campaignId), eq(jobs.status, options.status)) : eq(jobs.campaignId, campaignId);
    const rows = await this.db.select().from(jobs).where(where).orderBy(asc(jobs.position)).limit(options.limit ?? 1000).offset(options.offset ?? 0);
    return rows.map((row) => ({ key: row.key, kind: row.kind, group: row.group, position: row.position, params: row.params, status: row.status, attempts: row.attempts, worker: row.worker, error: row.error, startedAt: iso(row.startedAt), finishedAt: iso(row.finishedAt) }));
  }

  async simResults(filters: ResultFilters = {}, withLayers = false): Promise<SimResultRow[]> {
    const conditions: SQL[] = [];
    if (filters.network) conditions.push(eq(simResults.network, filters.network));
    if (filters.variant) conditions.push(eq(simResults.variant, filters.variant));
    if (filters.rows !== undefined) conditions.push(eq(simResults.rows, filters.rows));
    if (filters.cols !== undefined) conditions.push(eq(simResults.cols, filters.cols));
    if (filters.model) conditions.push(eq(simResults.model, filters.model));
    if (filters.hardware) conditions.push(eq(simResults.hardware, filters.hardware));
    if (filters.campaignId) conditions.push(inArray(simResults.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, filters.campaignId))));
    const rows = await this.db
      .select()
      .from(simResults)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(simResults.network), asc(simResults.variant), asc(simResults.model), asc(simResults.hardware), asc(simResults.rows), asc(simResults.cols), asc(simResults.jobKey))
      .limit(filters.limit ?? 100_000)
      .offset(filters.offset ?? 0);
    const results: SimResultRow[] = rows.map((row) => ({
      jobKey: row.jobKey,
      network: row.network,
      variant: row.variant,
      rows: row.rows,
      cols: row.cols,
      model: row.model,
      hardware: row.hardware,
      dataflow: row.dataflow,
      inputSize: row.inputSize,
      numClasses: row.numClasses,
      totalCycles: row.totalCycles,
      totalMacs: row.totalMacs,
      cyclesByClass: row.cyclesByClass as Record<string, number>,
      codeVersion: row.codeVersion,
      worker: row.worker,
    }));
    if (withLayers && results.length > 0) {
      const byKey = new Map(results.map((row) => [row.jobKey, row]));
      for (const row of results) row.layers = [];
      for (const part of chunks(results.map((row) => row.jobKey))) {
        const layers = await this.db.select().from(simLayerResults).where(inArray(simLayerResults.jobKey, part)).orderBy(asc(simLayerResults.jobKey), asc(simLayerResults.layerIndex));
        for (const layer of layers) {
          const { jobKey, ...rest } = layer;
          byKey.get(jobKey)!.layers!.push(rest);
        }
      }
    }
    return results;
  }

  /** Training curves of a campaign (empty until training jobs run). */
  async trainingCurves(campaignId?: string) {
    const where = campaignId ? inArray(trainingMetrics.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
    return this.db.select().from(trainingMetrics).where(where).orderBy(asc(trainingMetrics.jobKey), asc(trainingMetrics.epoch), asc(trainingMetrics.step));
  }

  /** Search fronts of a campaign (empty until search jobs run). */
  async searchFronts(campaignId?: string) {
    const where = campaignId ? inArray(searchFronts.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
    return this.db.select().from(searchFronts).where(where).orderBy(asc(searchFronts.jobKey), asc(searchFronts.generation));
  }

  /** One document with the spec, versions, jobs and every result of a campaign. */
  async exportCampaign(id: string) {
    const campaign = await this.getCampaign(id);
    if (!campaign) return undefined;
    const [row] = await this.db.select().from(campaigns).where(eq(campaigns.id, id));
    const jobRows = await this.listJobs(id, { limit: 10_000_000 });
    const results = await this.simResults({ campaignId: id }, true);
    return {
      format: EXPORT_FORMAT,
      formatVersion: 1,
      exportedAt: new Date().toISOString(),
      campaign: { id, name: campaign.name, status: campaign.status, spec: campaign.spec, specHash: campaign.specHash, codeVersion: campaign.codeVersion, versions: campaign.versions, seed: campaign.seed, force: campaign.force, createdAt: campaign.createdAt, finishedAt: campaign.finishedAt, error: campaign.error, totalJobs: row!.totalJobs, reusedJobs: row!.reusedJobs },
      jobs: jobRows,
      simResults: results,
    };
  }

  /** Loads an export; rows already present are left alone, so importing twice changes nothing. */
  async importCampaign(doc: CampaignExport): Promise<{ campaignId: string; jobs: number; simResults: number }> {
    return this.db.transaction(async (tx) => {
      const c = doc.campaign;
      await tx
        .insert(campaigns)
        .values({ id: c.id, name: c.name, spec: c.spec, specHash: c.specHash, status: c.status, codeVersion: c.codeVersion, versions: c.versions, seed: c.seed, force: c.force, totalJobs: c.totalJobs, reusedJobs: c.reusedJobs, error: c.error, createdAt: new Date(c.createdAt), finishedAt: c.finishedAt ? new Date(c.finishedAt) : null })
        .onConflictDoNothing();
      for (const part of chunks(doc.simResults)) {
        await tx
          .insert(simResults)
          .values(part.map(({ layers: _layers, ...row }) => row))
          .onConflictDoNothing();
        const layers = part.flatMap((row) => (row.layers ?? []).map((layer) => ({ ...layer, jobKey: row.jobKey })));
        for (const layerPart of chunks(layers)) await tx.insert(simLayerResults).values(layerPart).onConflictDoNothing();
      }
      for (const part of chunks(doc.jobs)) {
        await tx
          .insert(jobs)
          .values(part.map((job) => ({ campaignId: c.id, position: job.position, kind: job.kind, group: job.group, key: job.key, params: job.params, status: job.status, attempts: job.attempts, worker: job.worker, error: job.error, startedAt: job.startedAt ? new Date(job.startedAt) : null, finishedAt: job.finishedAt ? new Date(job.finishedAt) : null })))
          .onConflictDoNothing({ target: [jobs.campaignId, jobs.key] });
      }
      return { campaignId: c.id, jobs: doc.jobs.length, simResults: doc.simResults.length };
    });
  }

  async ping(): Promise<void> {
    await this.db.execute(sql`select 1`);
  }
}

export type CampaignExport = NonNullable<Awaited<ReturnType<Store['exportCampaign']>>>;
