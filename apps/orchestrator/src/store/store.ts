/**
 * Reads and writes of campaigns, jobs and results. Every write is idempotent: rows have unique
 * keys and inserts use ON CONFLICT, so an activity that runs twice leaves one result.
 */
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { NetworkResult } from '@fuselab/systolic-sim';
import type { Db } from './db.js';
import { campaigns, checkpoints, jobs, searchCandidates, searchFronts, searchResults, simLayerResults, simResults, trainingMetrics, trainingResults } from './schema.js';
import type { JobKind, NormalisedSpec, SimJobParams } from '../campaigns/expand.js';
import type { CampaignCounts, PositionRanges, RegisteredCampaign } from '../activities/types.js';

/** A job as an activity reads it back by position. */
export interface StoredJob {
  position: number;
  key: string;
  kind: string;
  group: string;
  params: unknown;
  status: string;
}

export interface SimResultInput {
  key: string;
  params: SimJobParams;
  result: NetworkResult;
}

export interface TrainingResultInput {
  dataset: string;
  network: string;
  variant: string;
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

/** Positions → half-open ranges, in order. */
export function toRanges(positions: number[]): PositionRanges {
  const ranges: PositionRanges = [];
  for (const p of positions) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === p) last[1] = p + 1;
    else ranges.push([p, p + 1]);
  }
  return ranges;
}

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

export interface SearchCandidateInput {
  jobKey: string;
  candidateIndex: number;
  candidateKey: string;
  generation: number;
  operators: string[];
  array?: { rows: number; cols: number; hardware: string } | null;
  objectives: Record<string, number>;
  worker?: string | null;
}

export interface SearchCandidateRow extends SearchCandidateInput {
  array: { rows: number; cols: number; hardware: string } | null;
  createdAt: Date;
}

export interface SearchResultInput {
  jobKey: string;
  network: string;
  space: string;
  strategy: string;
  objectives: string[];
  evaluations: number;
  generations: number;
  runs: number;
  front: Array<{ key: string; operators: string[]; objectives: Record<string, number>; array?: unknown }>;
}

export interface SearchResultRow extends SearchResultInput {
  /** The search's name in the campaign spec (null when listed across campaigns). */
  name: string | null;
  codeVersion: string;
  worker: string | null;
  createdAt: string;
}

export const EXPORT_FORMAT = 'fuselab-campaign-export';
/**
 * Version 2 adds trainingResults, trainingMetrics and checkpoints (the latest per training job,
 * data base64-encoded). Version 1 files (without them) still import.
 */
export const EXPORT_FORMAT_VERSION = 2;
export const EXPORT_FORMAT_VERSIONS = [1, 2] as const;

export interface ExportOptions {
  /** Include the latest checkpoint of every training job (default true; they can be large). */
  checkpoints?: boolean;
}

/** What an import loaded: the number of rows of each kind in the document. */
export interface ImportSummary {
  campaignId: string;
  jobs: number;
  simResults: number;
  searchResults: number;
  trainingResults: number;
  trainingMetrics: number;
  checkpoints: number;
}

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
        const simKeys = part.filter((job) => job.kind === 'sim').map((job) => job.key);
        const trainKeys = part.filter((job) => job.kind === 'train').map((job) => job.key);
        const nasKeys = part.filter((job) => job.kind === 'nas').map((job) => job.key);
        const existing = force
          ? []
          : [
              ...(simKeys.length ? await tx.select({ key: simResults.jobKey }).from(simResults).where(inArray(simResults.jobKey, simKeys)) : []),
              ...(trainKeys.length ? await tx.select({ key: trainingResults.jobKey }).from(trainingResults).where(inArray(trainingResults.jobKey, trainKeys)) : []),
              ...(nasKeys.length ? await tx.select({ key: searchResults.jobKey }).from(searchResults).where(inArray(searchResults.jobKey, nasKeys)) : []),
            ];
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

  /** registerJobs, answered compactly: counts and the positions still to run. */
  async registerCampaign(campaignId: string, newJobs: NewJob[], force: boolean): Promise<RegisteredCampaign> {
    const rows = await this.registerJobs(campaignId, newJobs, force);
    const todo: number[] = [];
    let reused = 0;
    let completed = 0;
    rows.forEach((row, position) => {
      if (row.status === 'reused') reused++;
      else if (row.status === 'completed') completed++;
      else todo.push(position);
    });
    return { total: rows.length, reused, completed, todo: toRanges(todo) };
  }

  /** The jobs at these positions of a campaign, in position order. */
  async loadJobs(campaignId: string, positions: number[]): Promise<StoredJob[]> {
    if (positions.length === 0) return [];
    const rows = await this.db
      .select({ position: jobs.position, key: jobs.key, kind: jobs.kind, group: jobs.group, params: jobs.params, status: jobs.status })
      .from(jobs)
      .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.position, positions)))
      .orderBy(asc(jobs.position));
    return rows;
  }

  /** Marks a chunk of jobs running on a worker (jobs already finished are left alone). */
  async startJobs(campaignId: string, keys: string[], worker: string, attempt: number): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .update(jobs)
      .set({ status: 'running', worker, attempts: attempt, startedAt: new Date(), error: null })
      .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.key, keys), inArray(jobs.status, ['pending', 'running', 'failed'])));
  }

  /**
   * Stores many simulation results in one transaction: each result and its layers once (ON
   * CONFLICT), then completes the jobs. With `replace` the earlier results of these keys go first
   * (--force); the simulator is deterministic, so replacing one twice stores the same row once.
   */
  async saveSimResults(campaignId: string, items: SimResultInput[], codeVersion: string, worker: string, replace = false): Promise<void> {
    if (items.length === 0) return;
    const keys = items.map((item) => item.key);
    await this.db.transaction(async (tx) => {
      if (replace) await tx.delete(simResults).where(inArray(simResults.jobKey, keys));
      const inserted = await tx
        .insert(simResults)
        .values(
          items.map(({ key, params, result }) => ({
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
          })),
        )
        .onConflictDoNothing({ target: simResults.jobKey })
        .returning({ key: simResults.jobKey });
      const fresh = new Set(inserted.map((row) => row.key));
      const layers = items
        .filter((item) => fresh.has(item.key))
        .flatMap(({ key, result }) => result.layers.map((layer, layerIndex) => ({ job_key: key, layer_index: layerIndex, name: layer.name, kind: layer.kind, operator_class: layer.operatorClass, cycles: layer.cycles, macs: layer.macs, utilization: layer.utilization, breakdown: layer.breakdown ?? null })));
      // Thousands of layer rows go in as one JSON parameter: binding them one value at a time
      // costs far more than the insert itself.
      for (const part of chunks(layers, 5000)) {
        await tx.execute(sql`insert into sim_layer_results (job_key, layer_index, name, kind, operator_class, cycles, macs, utilization, breakdown)
          select job_key, layer_index, name, kind, operator_class, cycles, macs, utilization, breakdown
          from jsonb_to_recordset(${JSON.stringify(part)}::jsonb) as x(job_key text, layer_index integer, name text, kind text, operator_class text, cycles bigint, macs bigint, utilization double precision, breakdown jsonb)
          on conflict do nothing`);
      }
      // A job the campaign already marked cancelled keeps that status (its result is stored and reusable).
      await tx
        .update(jobs)
        .set({ status: 'completed', worker, error: null, finishedAt: new Date() })
        .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.key, keys), inArray(jobs.status, ['pending', 'running', 'failed'])));
    });
  }

  /** Marks jobs failed unless they finished; returns how many it marked. */
  async failJobs(campaignId: string, positions: number[], error: string): Promise<number> {
    if (positions.length === 0) return 0;
    const rows = await this.db
      .update(jobs)
      .set({ status: 'failed', error, finishedAt: new Date() })
      .where(and(eq(jobs.campaignId, campaignId), inArray(jobs.position, positions), inArray(jobs.status, ['pending', 'running', 'failed'])))
      .returning({ key: jobs.key });
    return rows.length;
  }

  async campaignCounts(campaignId: string): Promise<CampaignCounts> {
    const counts = (await this.jobCounts([campaignId])).get(campaignId)!;
    return { total: counts.total, completed: counts.completed, failed: counts.failed, reused: counts.reused, cancelled: counts.cancelled };
  }

  // --- training ---------------------------------------------------------------------------

  /** The latest checkpoint of a job (highest step), or undefined. */
  async latestCheckpoint(jobKey: string): Promise<{ epoch: number; step: number; format: string; data: Uint8Array } | undefined> {
    const [row] = await this.db.select().from(checkpoints).where(eq(checkpoints.jobKey, jobKey)).orderBy(desc(checkpoints.step), desc(checkpoints.epoch)).limit(1);
    return row ? { epoch: row.epoch, step: row.step, format: row.format, data: row.data } : undefined;
  }

  /** Stores a checkpoint (idempotent per (job, epoch, step)) and keeps only the newest `keep`. */
  async saveCheckpoint(jobKey: string, epoch: number, step: number, format: string, data: Uint8Array, keep = 2): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(checkpoints).values({ jobKey, epoch, step, format, data }).onConflictDoUpdate({ target: [checkpoints.jobKey, checkpoints.epoch, checkpoints.step], set: { data, format } });
      const rows = await tx.select({ epoch: checkpoints.epoch, step: checkpoints.step }).from(checkpoints).where(eq(checkpoints.jobKey, jobKey)).orderBy(desc(checkpoints.step));
      for (const old of rows.slice(keep)) await tx.delete(checkpoints).where(and(eq(checkpoints.jobKey, jobKey), eq(checkpoints.epoch, old.epoch), eq(checkpoints.step, old.step)));
    });
  }

  async dropTraining(jobKey: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(trainingResults).where(eq(trainingResults.jobKey, jobKey));
      await tx.delete(checkpoints).where(eq(checkpoints.jobKey, jobKey));
      await tx.delete(trainingMetrics).where(eq(trainingMetrics.jobKey, jobKey));
    });
  }

  /** Metrics per step/epoch; a step recorded twice (a resumed attempt) keeps its latest value. */
  async saveMetrics(jobKey: string, rows: MetricRow[]): Promise<void> {
    for (const part of chunks(rows, 1000)) {
      await this.db
        .insert(trainingMetrics)
        .values(part.map((row) => ({ jobKey, ...row })))
        .onConflictDoUpdate({ target: [trainingMetrics.jobKey, trainingMetrics.epoch, trainingMetrics.step, trainingMetrics.split, trainingMetrics.metric], set: { value: sql`excluded.value` } });
    }
  }

  async saveTrainingResult(campaignId: string, key: string, result: TrainingResultInput, codeVersion: string, worker: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(trainingResults).values({ jobKey: key, ...result, codeVersion, worker }).onConflictDoNothing({ target: trainingResults.jobKey });
      await tx.update(jobs).set({ status: 'completed', worker, error: null, finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key), inArray(jobs.status, ['pending', 'running', 'failed'])));
    });
  }

  async completeJob(campaignId: string, key: string, worker: string): Promise<void> {
    await this.db.update(jobs).set({ status: 'completed', worker, error: null, finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key), inArray(jobs.status, ['pending', 'running', 'failed'])));
  }

  async trainingResult(key: string) {
    const [row] = await this.db.select().from(trainingResults).where(eq(trainingResults.jobKey, key));
    return row;
  }

  async trainingResults(campaignId?: string, limit?: number) {
    const where = campaignId ? inArray(trainingResults.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
    const query = this.db.select().from(trainingResults).where(where).orderBy(asc(trainingResults.network), asc(trainingResults.variant), asc(trainingResults.method), asc(trainingResults.seed)).$dynamic();
    return limit === undefined ? query : query.limit(limit);
  }

  /** A stored checkpoint by (job, epoch, step). */
  async checkpoint(jobKey: string, epoch: number, step: number) {
    const [row] = await this.db.select().from(checkpoints).where(and(eq(checkpoints.jobKey, jobKey), eq(checkpoints.epoch, epoch), eq(checkpoints.step, step)));
    return row;
  }

  async startJob(campaignId: string, key: string, worker: string, attempt: number): Promise<void> {
    await this.db
      .update(jobs)
      .set({ status: 'running', worker, attempts: attempt, startedAt: new Date(), error: null })
      .where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, key), inArray(jobs.status, ['pending', 'running', 'failed'])));
  }

  /** Stores one simulation result (the per-job activity of v1 campaigns): see {@link saveSimResults}. */
  async saveSimResult(campaignId: string, key: string, params: SimJobParams, result: NetworkResult, codeVersion: string, worker: string): Promise<void> {
    await this.saveSimResults(campaignId, [{ key, params, result }], codeVersion, worker);
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

  async finishCampaign(campaignId: string, status: CampaignStatus, error?: string): Promise<CampaignCounts> {
    await this.db.transaction(async (tx) => {
      if (status === 'cancelled') {
        await tx.update(jobs).set({ status: 'cancelled', finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), inArray(jobs.status, ['pending', 'running'])));
      }
      await tx.update(campaigns).set({ status, error: error ?? null, updatedAt: new Date(), finishedAt: new Date() }).where(eq(campaigns.id, campaignId));
    });
    return this.campaignCounts(campaignId);
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
  async trainingCurves(campaignId?: string, limit?: number) {
    const where = campaignId ? inArray(trainingMetrics.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
    const query = this.db.select().from(trainingMetrics).where(where).orderBy(asc(trainingMetrics.jobKey), asc(trainingMetrics.epoch), asc(trainingMetrics.step)).$dynamic();
    return limit === undefined ? query : query.limit(limit);
  }

  /** Search fronts of a campaign, one row per job and generation (the front after it). */
  async searchFronts(campaignId?: string, limit?: number) {
    const where = campaignId ? inArray(searchFronts.jobKey, this.db.select({ key: jobs.key }).from(jobs).where(eq(jobs.campaignId, campaignId))) : undefined;
    const query = this.db.select().from(searchFronts).where(where).orderBy(asc(searchFronts.jobKey), asc(searchFronts.generation)).$dynamic();
    return limit === undefined ? query : query.limit(limit);
  }

  /** A stored candidate of a search job (an earlier attempt or run evaluated it). */
  async searchCandidate(jobKey: string, candidateKey: string) {
    const [row] = await this.db.select().from(searchCandidates).where(and(eq(searchCandidates.jobKey, jobKey), eq(searchCandidates.candidateKey, candidateKey)));
    return row;
  }

  /** Stores an evaluated candidate once (by index and by candidate key). */
  async saveSearchCandidate(row: SearchCandidateInput): Promise<void> {
    await this.db.insert(searchCandidates).values(row).onConflictDoNothing();
  }

  /** Every candidate of a search job, in evaluation order. */
  async searchCandidates(jobKey: string): Promise<SearchCandidateRow[]> {
    const rows = await this.db.select().from(searchCandidates).where(eq(searchCandidates.jobKey, jobKey)).orderBy(asc(searchCandidates.candidateIndex));
    return rows as SearchCandidateRow[];
  }

  async saveSearchFront(jobKey: string, generation: number, evaluations: number, front: unknown): Promise<void> {
    await this.db.insert(searchFronts).values({ jobKey, generation, evaluations, front }).onConflictDoNothing();
  }

  /** Stores a finished search once and completes its job. */
  async saveSearchResult(campaignId: string, result: SearchResultInput, codeVersion: string, worker: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(searchResults).values({ ...result, codeVersion, worker }).onConflictDoNothing({ target: searchResults.jobKey });
      await tx.update(jobs).set({ status: 'completed', worker, error: null, finishedAt: new Date() }).where(and(eq(jobs.campaignId, campaignId), eq(jobs.key, result.jobKey), inArray(jobs.status, ['pending', 'running', 'failed'])));
    });
  }

  /** --force: forget a search job's candidates, fronts and result. */
  async dropSearch(jobKey: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(searchCandidates).where(eq(searchCandidates.jobKey, jobKey));
      await tx.delete(searchFronts).where(eq(searchFronts.jobKey, jobKey));
      await tx.delete(searchResults).where(eq(searchResults.jobKey, jobKey));
    });
  }

  /** Finished searches (with the search's name in the spec when a campaign is given). */
  async searchResults(campaignId?: string): Promise<SearchResultRow[]> {
    if (!campaignId) return (await this.db.select().from(searchResults).orderBy(asc(searchResults.createdAt))).map((row) => ({ ...row, name: null, createdAt: iso(row.createdAt)! })) as SearchResultRow[];
    const rows = await this.db
      .select({ result: searchResults, name: jobs.group, position: jobs.position })
      .from(jobs)
      .innerJoin(searchResults, eq(searchResults.jobKey, jobs.key))
      .where(and(eq(jobs.campaignId, campaignId), eq(jobs.kind, 'nas')))
      .orderBy(asc(jobs.position));
    return rows.map(({ result, name }) => ({ ...result, name, createdAt: iso(result.createdAt)! })) as SearchResultRow[];
  }

  /** One document with the spec, versions, jobs and every result of a campaign. */
  async exportCampaign(id: string, options: ExportOptions = {}) {
    const campaign = await this.getCampaign(id);
    if (!campaign) return undefined;
    const [row] = await this.db.select().from(campaigns).where(eq(campaigns.id, id));
    const jobRows = await this.listJobs(id, { limit: 10_000_000 });
    const results = await this.simResults({ campaignId: id }, true);
    const searches = await this.searchResults(id);
    const candidates = (await Promise.all(searches.map((r) => this.searchCandidates(r.jobKey)))).flat().map(({ createdAt: _c, ...row }) => row);
    const fronts = (await this.searchFronts(id)).map(({ createdAt: _c, ...row }) => row);
    const training = (await this.trainingResults(id)).map(({ createdAt: _c, ...row }) => row);
    const metrics = (await this.trainingCurves(id)).map(({ createdAt: _c, ...row }) => row);
    const includeCheckpoints = options.checkpoints ?? true;
    const trainKeys = [...new Set(jobRows.filter((job) => job.kind === 'train').map((job) => job.key))];
    const latest = includeCheckpoints ? await Promise.all(trainKeys.map(async (jobKey) => ({ jobKey, checkpoint: await this.latestCheckpoint(jobKey) }))) : [];
    const checkpointRows = latest.flatMap(({ jobKey, checkpoint }) => (checkpoint ? [{ jobKey, epoch: checkpoint.epoch, step: checkpoint.step, format: checkpoint.format, data: Buffer.from(checkpoint.data).toString('base64') }] : []));
    return {
      format: EXPORT_FORMAT,
      formatVersion: EXPORT_FORMAT_VERSION as (typeof EXPORT_FORMAT_VERSIONS)[number],
      exportedAt: new Date().toISOString(),
      campaign: { id, name: campaign.name, status: campaign.status, spec: campaign.spec, specHash: campaign.specHash, codeVersion: campaign.codeVersion, versions: campaign.versions, seed: campaign.seed, force: campaign.force, createdAt: campaign.createdAt, finishedAt: campaign.finishedAt, error: campaign.error, totalJobs: row!.totalJobs, reusedJobs: row!.reusedJobs },
      jobs: jobRows,
      simResults: results,
      searchResults: searches.map(({ createdAt: _c, name: _n, ...row }) => row),
      searchCandidates: candidates,
      searchFronts: fronts,
      trainingResults: training,
      trainingMetrics: metrics,
      /** false: exported with --no-checkpoints (`checkpoints` is then empty). */
      checkpointsIncluded: includeCheckpoints,
      /** The latest checkpoint of each training job; `data` is base64. */
      checkpoints: checkpointRows,
    };
  }

  /** Loads an export; rows already present are left alone, so importing twice changes nothing. All or nothing. */
  async importCampaign(doc: CampaignImport): Promise<ImportSummary> {
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
      if (doc.searchResults?.length) await tx.insert(searchResults).values(doc.searchResults).onConflictDoNothing();
      for (const part of chunks(doc.searchCandidates ?? [])) await tx.insert(searchCandidates).values(part).onConflictDoNothing();
      for (const part of chunks(doc.searchFronts ?? [])) await tx.insert(searchFronts).values(part).onConflictDoNothing();
      for (const part of chunks(doc.trainingResults ?? [])) await tx.insert(trainingResults).values(part).onConflictDoNothing({ target: trainingResults.jobKey });
      for (const part of chunks(doc.trainingMetrics ?? [], 1000)) await tx.insert(trainingMetrics).values(part).onConflictDoNothing();
      // Checkpoints one at a time: each may be large.
      for (const cp of doc.checkpoints ?? []) await tx.insert(checkpoints).values({ jobKey: cp.jobKey, epoch: cp.epoch, step: cp.step, format: cp.format, data: new Uint8Array(Buffer.from(cp.data, 'base64')) }).onConflictDoNothing();
      for (const part of chunks(doc.jobs)) {
        await tx
          .insert(jobs)
          .values(part.map((job) => ({ campaignId: c.id, position: job.position, kind: job.kind, group: job.group, key: job.key, params: job.params, status: job.status, attempts: job.attempts, worker: job.worker, error: job.error, startedAt: job.startedAt ? new Date(job.startedAt) : null, finishedAt: job.finishedAt ? new Date(job.finishedAt) : null })))
          .onConflictDoNothing({ target: [jobs.campaignId, jobs.key] });
      }
      return { campaignId: c.id, jobs: doc.jobs.length, simResults: doc.simResults.length, searchResults: doc.searchResults?.length ?? 0, trainingResults: doc.trainingResults?.length ?? 0, trainingMetrics: doc.trainingMetrics?.length ?? 0, checkpoints: doc.checkpoints?.length ?? 0 };
    });
  }

  async ping(): Promise<void> {
    await this.db.execute(sql`select 1`);
  }
}

export type CampaignExport = NonNullable<Awaited<ReturnType<Store['exportCampaign']>>>;
/** Sections that older export files (format version 1, or before searches) do not have. */
type LaterSections = 'searchResults' | 'searchCandidates' | 'searchFronts' | 'trainingResults' | 'trainingMetrics' | 'checkpointsIncluded' | 'checkpoints';
/** A validated export document of any accepted format version. */
export type CampaignImport = Omit<CampaignExport, LaterSections> & Partial<Pick<CampaignExport, LaterSections>>;
