/**
 * What the CLI and the API do with campaigns, over a store and a Temporal client. The CLI talks
 * to it directly or, when a `fuselab up` stack is running, through the API (api/client.ts) that
 * serves the same interface.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { TASK_QUEUES, expandSpec, type NormalisedSpec } from './expand.js';
import { normaliseSpec, specHash, SpecError, parseSpecText, describeZodError } from './spec.js';
import { codeVersion, versions } from './versions.js';
import type { CampaignDetail, CampaignExport, CampaignImport, CampaignSummary, ExportOptions, ImportSummary, ResultFilters, SearchResultRow, SimResultRow, Store, TrainingResultInput } from '../store/store.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSIONS } from '../store/store.js';
import { cancelSignal, progressQuery, type CampaignInput, type CampaignProgress } from '../workflows/campaign.js';

export interface SubmitOptions {
  force?: boolean;
  concurrency?: number;
  /** Simulations per activity (default: spread evenly over the concurrency, ≤ 100). */
  batchSize?: number;
  /** Search generations per workflow run before continue-as-new (default 10). */
  searchGenerationsPerRun?: number;
}

export interface Submitted {
  campaignId: string;
  specHash: string;
  total: number;
}

/** The one-line outcome the CLI prints (`--json`) and the API returns. */
export interface CampaignOutcome {
  campaignId: string;
  status: string;
  jobs: { total: number; completed: number; failed: number; reused: number };
}

/** A finished training job (training_results): what the activity stored, plus where and when. */
export interface TrainingResultRow extends TrainingResultInput {
  jobKey: string;
  codeVersion: string;
  worker: string | null;
  createdAt: string;
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export interface CampaignService {
  submit(spec: unknown, options?: SubmitOptions): Promise<Submitted>;
  progress(id: string): Promise<CampaignProgress>;
  list(): Promise<CampaignSummary[]>;
  get(id: string): Promise<CampaignDetail>;
  cancel(id: string, reason?: string): Promise<{ campaignId: string; status: string }>;
  jobs(id: string, options?: { status?: string; limit?: number; offset?: number }): Promise<unknown[]>;
  results(filters: ResultFilters, withLayers?: boolean): Promise<SimResultRow[]>;
  /** `limit`: at most this many rows (the API's bound; unbounded when omitted). */
  trainingCurves(campaignId?: string, limit?: number): Promise<unknown[]>;
  trainingResults(campaignId?: string, limit?: number): Promise<TrainingResultRow[]>;
  searchFronts(campaignId?: string, limit?: number): Promise<unknown[]>;
  searchResults(campaignId: string): Promise<SearchResultRow[]>;
  exportCampaign(id: string, options?: ExportOptions): Promise<CampaignExport>;
  importCampaign(doc: unknown): Promise<ImportSummary>;
}

export function newCampaignId(spec: NormalisedSpec, hash: string): string {
  return `${spec.name}-${hash.slice(0, 8)}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** A spec given as text (YAML/JSON) or as an already parsed value. */
export function toNormalisedSpec(spec: unknown): NormalisedSpec {
  return normaliseSpec(typeof spec === 'string' ? parseSpecText(spec) : spec);
}

export function outcomeOf(progress: CampaignProgress): CampaignOutcome {
  return { campaignId: progress.campaignId, status: progress.status, jobs: { total: progress.total, completed: progress.completed, failed: progress.failed, reused: progress.reused } };
}

export function progressFromDetail(detail: CampaignSummary): CampaignProgress {
  const status = detail.status === 'pending' ? 'starting' : detail.status;
  return { campaignId: detail.campaignId, status, total: detail.jobs.total, completed: detail.jobs.completed, failed: detail.jobs.failed, reused: detail.jobs.reused, running: detail.jobs.running, cancelled: detail.jobs.cancelled };
}

const exportSchema = z.object({
  format: z.literal(EXPORT_FORMAT, { error: `expected "${EXPORT_FORMAT}"` }),
  formatVersion: z.literal(EXPORT_FORMAT_VERSIONS, { error: `expected one of ${EXPORT_FORMAT_VERSIONS.join(', ')}` }),
  campaign: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
    spec: z.record(z.string(), z.unknown()),
    specHash: z.string().regex(/^[0-9a-f]{64}$/),
    codeVersion: z.string(),
    versions: z.record(z.string(), z.string()),
    seed: z.number().int(),
    force: z.boolean(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    totalJobs: z.number().int().nonnegative(),
    reusedJobs: z.number().int().nonnegative(),
  }),
  jobs: z.array(
    z.object({
      key: z.string().min(1),
      kind: z.string(),
      group: z.string(),
      position: z.number().int(),
      params: z.unknown(),
      status: z.string(),
      attempts: z.number().int(),
      worker: z.string().nullable(),
      error: z.string().nullable(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
    }),
  ),
  simResults: z.array(
    z.object({
      jobKey: z.string().min(1),
      network: z.string(),
      variant: z.string(),
      rows: z.number().int().positive(),
      cols: z.number().int().positive(),
      model: z.string(),
      hardware: z.string(),
      dataflow: z.string(),
      inputSize: z.number().int(),
      numClasses: z.number().int(),
      totalCycles: z.number(),
      totalMacs: z.number(),
      cyclesByClass: z.record(z.string(), z.number()),
      codeVersion: z.string(),
      worker: z.string().nullable(),
      layers: z.array(z.object({ layerIndex: z.number().int(), name: z.string(), kind: z.string(), operatorClass: z.string(), cycles: z.number(), macs: z.number(), utilization: z.number(), breakdown: z.unknown() })).optional(),
    }),
  ),
  // Search results (exports written before searches existed have none).
  searchResults: z
    .array(
      z.object({
        jobKey: z.string().min(1),
        network: z.string(),
        space: z.string(),
        strategy: z.string(),
        objectives: z.array(z.string()),
        evaluations: z.number().int().nonnegative(),
        generations: z.number().int().nonnegative(),
        runs: z.number().int().positive(),
        front: z.array(z.object({ key: z.string(), operators: z.array(z.string()), objectives: z.record(z.string(), z.number()), array: z.unknown().optional() })),
        codeVersion: z.string(),
        worker: z.string().nullable(),
      }),
    )
    .optional(),
  searchCandidates: z
    .array(
      z.object({
        jobKey: z.string().min(1),
        candidateIndex: z.number().int().nonnegative(),
        candidateKey: z.string().min(1),
        generation: z.number().int().nonnegative(),
        operators: z.array(z.string()),
        array: z.object({ rows: z.number().int(), cols: z.number().int(), hardware: z.string() }).nullable(),
        objectives: z.record(z.string(), z.number()),
        worker: z.string().nullable(),
      }),
    )
    .optional(),
  searchFronts: z.array(z.object({ jobKey: z.string().min(1), generation: z.number().int().nonnegative(), evaluations: z.number().int().nonnegative(), front: z.unknown() })).optional(),
  // Training (format version 2; version 1 files have none).
  trainingResults: z
    .array(
      z.object({
        jobKey: z.string().min(1),
        dataset: z.string(),
        network: z.string(),
        variant: z.string(),
        method: z.string(),
        width: z.number().positive(),
        epochs: z.number().int().nonnegative(),
        seed: z.number().int(),
        backend: z.string(),
        testAccuracy: z.number().nullable(),
        testLoss: z.number().nullable(),
        trainLoss: z.number(),
        trainAccuracy: z.number(),
        trainImagesPerSec: z.number(),
        checkpointEpoch: z.number().int().nonnegative(),
        checkpointStep: z.number().int().nonnegative(),
        resumedFrom: z.number().int().nullable(),
        codeVersion: z.string(),
        worker: z.string().nullable(),
      }),
    )
    .optional(),
  trainingMetrics: z
    // step -1: the per-epoch summaries (train loss/accuracy, test loss/accuracy).
    .array(z.object({ jobKey: z.string().min(1), epoch: z.number().int().nonnegative(), step: z.number().int().min(-1), split: z.string().min(1), metric: z.string().min(1), value: z.number() }))
    .optional(),
  checkpointsIncluded: z.boolean().optional(),
  checkpoints: z
    .array(
      z.object({
        jobKey: z.string().min(1),
        epoch: z.number().int().nonnegative(),
        step: z.number().int().nonnegative(),
        format: z.string().min(1),
        data: z.base64({ error: 'expected base64 checkpoint data' }),
      }),
    )
    .optional(),
});

/** Validates an export document; a bad one is a SpecError naming the field. */
export function parseExport(doc: unknown): CampaignImport {
  const parsed = exportSchema.safeParse(doc);
  if (!parsed.success) {
    const { field, message } = describeZodError(parsed.error);
    throw new SpecError(`export file ${field}: ${message}`, field);
  }
  // The spec inside must still be a valid spec.
  normaliseSpec(parsed.data.campaign.spec);
  return parsed.data as unknown as CampaignImport;
}

export class LocalCampaignService implements CampaignService {
  constructor(
    readonly store: Store,
    private readonly temporal: () => Promise<Client>,
  ) {}

  async submit(specInput: unknown, options: SubmitOptions = {}): Promise<Submitted> {
    const spec = toNormalisedSpec(specInput);
    const hash = specHash(spec);
    const campaignId = newCampaignId(spec, hash);
    const client = await this.temporal(); // unreachable Temporal fails before anything is written
    await this.store.createCampaign({ id: campaignId, spec, specHash: hash, codeVersion: codeVersion('sim'), versions: versions(), force: options.force ?? false });
    const input: CampaignInput = { campaignId, spec, force: options.force ?? false, ...(options.concurrency ? { concurrency: options.concurrency } : {}), ...(options.batchSize ? { batchSize: options.batchSize } : {}), ...(options.searchGenerationsPerRun ? { searchGenerationsPerRun: options.searchGenerationsPerRun } : {}) };
    try {
      await client.workflow.start('campaignWorkflow', { workflowId: campaignId, taskQueue: TASK_QUEUES.campaign, args: [input] });
    } catch (error) {
      await this.store.deleteCampaign(campaignId); // nothing half-created
      throw error;
    }
    return { campaignId, specHash: hash, total: expandSpec(spec).length };
  }

  async get(id: string): Promise<CampaignDetail> {
    const detail = await this.store.getCampaign(id);
    if (!detail) throw new NotFoundError(`no campaign "${id}"`);
    return detail;
  }

  async progress(id: string): Promise<CampaignProgress> {
    const detail = await this.get(id);
    if (detail.status === 'pending' || detail.status === 'running') {
      try {
        const client = await this.temporal();
        return await client.workflow.getHandle(id).query(progressQuery);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) {
          /* fall back to the database's view */
        }
      }
    }
    return progressFromDetail(detail);
  }

  list(): Promise<CampaignSummary[]> {
    return this.store.listCampaigns();
  }

  async cancel(id: string, reason = 'cancelled by user'): Promise<{ campaignId: string; status: string }> {
    const detail = await this.get(id);
    if (detail.status !== 'pending' && detail.status !== 'running') return { campaignId: id, status: detail.status };
    const client = await this.temporal();
    try {
      await client.workflow.getHandle(id).signal(cancelSignal, reason);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await this.store.finishCampaign(id, 'cancelled', 'workflow not found');
      return { campaignId: id, status: 'cancelled' };
    }
    return { campaignId: id, status: 'cancelling' };
  }

  async jobs(id: string, options?: { status?: string; limit?: number; offset?: number }) {
    await this.get(id);
    return this.store.listJobs(id, options);
  }

  results(filters: ResultFilters, withLayers = false) {
    return this.store.simResults(filters, withLayers);
  }

  trainingCurves(campaignId?: string, limit?: number) {
    return this.store.trainingCurves(campaignId, limit);
  }

  async trainingResults(campaignId?: string, limit?: number): Promise<TrainingResultRow[]> {
    return (await this.store.trainingResults(campaignId, limit)).map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
  }

  searchFronts(campaignId?: string, limit?: number) {
    return this.store.searchFronts(campaignId, limit);
  }

  async searchResults(campaignId: string) {
    await this.get(campaignId);
    return this.store.searchResults(campaignId);
  }

  async exportCampaign(id: string, options: ExportOptions = {}) {
    const doc = await this.store.exportCampaign(id, options);
    if (!doc) throw new NotFoundError(`no campaign "${id}"`);
    return doc;
  }

  importCampaign(doc: unknown) {
    return this.store.importCampaign(parseExport(doc));
  }
}

/** Waits for a campaign to finish, calling `onProgress` as it moves (see progress-watch.ts). */
export async function follow(service: CampaignService, id: string, onProgress: (progress: CampaignProgress) => void, intervalMs = 400): Promise<CampaignProgress> {
  const { watchProgress } = await import('./progress-watch.js');
  return (await watchProgress(service, id, onProgress, { intervalMs }))!;
}
