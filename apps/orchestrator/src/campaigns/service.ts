/**
 * What the CLI and the API do with campaigns, over a store and a Temporal client. The CLI talks
 * to it directly or, when a `fuselab up` stack is running, through the API (api/client.ts) that
 * serves the same interface.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { confinePath } from '../env/data-roots.js';
import { TASK_QUEUES, expandSpec, type NormalisedSpec } from './expand.js';
import { checkSpecPaths, normaliseSpec, specHash, parseSpecText } from './spec.js';
import { digestSpecFiles } from './file-digests.js';
import { codeVersion, versions } from './versions.js';
import type {
  CampaignDetail,
  CampaignExport,
  CampaignSummary,
  ExportOptions,
  ImportSummary,
  ResultFilters,
  SearchResultRow,
  SimResultRow,
  Store,
  TrainingResultInput,
} from '../store/store.js';
import { isActiveStatus } from '../store/campaigns.js';
import { parseExport } from '../store/export-format.js';
import { trainedCheckpoint, type TrainedCheckpoint } from './trained-checkpoint.js';
import { cancelSignal, progressQuery, type CampaignInput, type CampaignProgress, type RunningSearch } from '../workflows/campaign.js';
import { searchProgressQuery } from '../workflows/search.js';

/** Validates an export document (the format lives in store/export-format.ts). */
export { parseExport };

export interface SubmitOptions {
  force?: boolean;
  concurrency?: number;
  /** Simulations per activity (default: spread evenly over the concurrency, ≤ 100). */
  batchSize?: number;
  /** Search generations per workflow run before continue-as-new (default 10). */
  searchGenerationsPerRun?: number;
  /** Simulation chunks per campaign at most (default MAX_SIM_CHUNKS, 2,000; tests lower it). */
  maxSimChunks?: number;
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
  /** The checkpoint of the campaign's training whose job key starts with `key` (trained-checkpoint.ts). */
  trainedCheckpoint(campaignId: string, key: string): Promise<TrainedCheckpoint>;
}

export function newCampaignId(spec: NormalisedSpec, hash: string): string {
  return `${spec.name}-${hash.slice(0, 8)}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** A spec given as text (YAML/JSON) or as an already parsed value. */
export function toNormalisedSpec(spec: unknown): NormalisedSpec {
  return normaliseSpec(typeof spec === 'string' ? parseSpecText(spec) : spec);
}

export function outcomeOf(progress: CampaignProgress): CampaignOutcome {
  return {
    campaignId: progress.campaignId,
    status: progress.status,
    jobs: { total: progress.total, completed: progress.completed, failed: progress.failed, reused: progress.reused },
  };
}

export function progressFromDetail(detail: CampaignSummary): CampaignProgress {
  const status = detail.status === 'pending' ? 'starting' : detail.status;
  return {
    campaignId: detail.campaignId,
    status,
    total: detail.jobs.total,
    completed: detail.jobs.completed,
    failed: detail.jobs.failed,
    reused: detail.jobs.reused,
    running: detail.jobs.running,
    cancelled: detail.jobs.cancelled,
  };
}

export interface CampaignServiceOptions {
  /** Confine the files a spec names (teacher checkpoints, data directories, data sets) to these roots. */
  dataRoots?: readonly string[];
}

/** Every file a spec names must lie inside the data roots (a DataPathError names the field). */
export function confineSpecPaths(spec: NormalisedSpec, roots: readonly string[]): void {
  spec.trainings.forEach((training, i) => {
    if (training.dataDir) confinePath(training.dataDir, roots, `trainings[${i}].dataDir`);
    if (training.data) confinePath(training.data, roots, `trainings[${i}].data`);
    if (training.teacher && 'checkpoint' in training.teacher) confinePath(training.teacher.checkpoint, roots, `trainings[${i}].teacher`);
  });
  spec.searches.forEach(({ training }, i) => {
    if (training?.dataDir) confinePath(training.dataDir, roots, `searches[${i}].training.dataDir`);
    if (training?.data) confinePath(training.data, roots, `searches[${i}].training.data`);
    if (training?.teacher && 'checkpoint' in training.teacher)
      confinePath(training.teacher.checkpoint, roots, `searches[${i}].training.teacher`);
  });
}

export class LocalCampaignService implements CampaignService {
  constructor(
    readonly store: Store,
    private readonly temporal: () => Promise<Client>,
    private readonly options: CampaignServiceOptions = {},
  ) {}

  async submit(specInput: unknown, options: SubmitOptions = {}): Promise<Submitted> {
    const named = toNormalisedSpec(specInput);
    checkSpecPaths(named, existsSync);
    if (this.options.dataRoots) confineSpecPaths(named, this.options.dataRoots);
    // The files' content enters the spec (and so the campaign id and every job key) before anything is written.
    const spec = await digestSpecFiles(named);
    const hash = specHash(spec);
    const campaignId = newCampaignId(spec, hash);
    const client = await this.temporal(); // unreachable Temporal fails before anything is written
    await this.store.createCampaign({
      id: campaignId,
      spec,
      specHash: hash,
      codeVersion: codeVersion('sim'),
      versions: versions(),
      force: options.force ?? false,
    });
    const input: CampaignInput = {
      campaignId,
      spec,
      force: options.force ?? false,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.searchGenerationsPerRun ? { searchGenerationsPerRun: options.searchGenerationsPerRun } : {}),
      ...(options.maxSimChunks ? { maxSimChunks: options.maxSimChunks } : {}),
    };
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
    if (isActiveStatus(detail.status)) {
      try {
        const client = await this.temporal();
        const live = await client.workflow.getHandle(id).query(progressQuery);
        // A cancel was sent: the workflow runs on until its activities have stopped.
        const status = detail.status === 'cancelling' && live.status === 'running' ? 'cancelling' : live.status;
        // The workflow counts the jobs it has handed to workers' queues; the database knows which
        // of them a worker has started. Dispatched but not started is "queued" (e.g. 6 trainings
        // dispatched to 2 train workers: 2 running, 4 queued).
        const running = Math.min(live.running, detail.jobs.running);
        const searches = await this.runningSearches(client, id, detail);
        return { ...live, status, running, queued: live.running - running, ...(searches.length > 0 ? { searches } : {}) };
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) {
          /* fall back to the database's view */
        }
      }
    }
    return progressFromDetail(detail);
  }

  /**
   * Each running search's own progress (its workflow's query): a search is one job however many
   * trainings it makes, so the job counts stand still for as long as it runs. A search whose
   * workflow does not answer (just started, or finishing) is left out of this poll.
   */
  private async runningSearches(client: Client, id: string, detail: CampaignDetail): Promise<RunningSearch[]> {
    if (detail.spec.searches.length === 0 || detail.jobs.running === 0) return [];
    const jobs = (await this.store.listJobs(id, { status: 'running' })).filter((job) => job.kind === 'nas');
    const answers = await Promise.all(
      jobs.map(async (job): Promise<RunningSearch | undefined> => {
        try {
          // The child's id is the campaign workflow's (workflows/campaign.ts, runSearch).
          const { campaignId: _, ...progress } = await client.workflow.getHandle(`${id}/search-${job.position}`).query(searchProgressQuery);
          return { name: job.group, ...progress };
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((answer) => answer !== undefined);
  }

  list(): Promise<CampaignSummary[]> {
    return this.store.listCampaigns();
  }

  async cancel(id: string, reason = 'cancelled by user'): Promise<{ campaignId: string; status: string }> {
    const detail = await this.get(id);
    if (!isActiveStatus(detail.status)) return { campaignId: id, status: detail.status };
    const client = await this.temporal();
    try {
      await client.workflow.getHandle(id).signal(cancelSignal, reason);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await this.store.finishCampaign(id, 'cancelled', 'workflow not found');
      return { campaignId: id, status: 'cancelled' };
    }
    // Shown as `cancelling` until the workflow records `cancelled` (or the outcome it reached first).
    if (await this.store.markCancelling(id)) return { campaignId: id, status: 'cancelling' };
    return { campaignId: id, status: (await this.get(id)).status };
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
    return (await this.store.trainingResults(campaignId, limit)).map((row) => ({
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
    }));
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

  async trainedCheckpoint(campaignId: string, key: string): Promise<TrainedCheckpoint> {
    await this.get(campaignId);
    return trainedCheckpoint(this.store, campaignId, key, (message) => new NotFoundError(message));
  }
}

/** Waits for a campaign to finish, calling `onProgress` as it moves (see progress-watch.ts). */
export async function follow(
  service: CampaignService,
  id: string,
  onProgress: (progress: CampaignProgress) => void,
  intervalMs = 400,
): Promise<CampaignProgress> {
  const { watchProgress } = await import('./progress-watch.js');
  return (await watchProgress(service, id, onProgress, { intervalMs }))!;
}
