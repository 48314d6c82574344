/**
 * Reads and writes of campaigns, jobs and results: one facade over the store's parts, so callers
 * hold a single `Store`. Every write is idempotent: rows have unique keys and inserts use ON
 * CONFLICT, so an activity that runs twice leaves one result.
 */
import { sql } from 'drizzle-orm';
import type { NetworkResult } from '@fuselab/systolic-sim';
import type { Db } from './db.js';
import * as campaignRows from './campaigns.js';
import * as exportImport from './export-import.js';
import * as jobRows from './jobs.js';
import * as leases from './leases.js';
import * as searches from './searches.js';
import * as simulations from './simulations.js';
import * as training from './training.js';
import type { CampaignImport } from './export-format.js';
import type { JobKind } from '../campaigns/expand.js';
import type { NormalisedSpec, SimJobParams } from '../campaigns/expand.js';

export type { CampaignDetail, CampaignStatus, CampaignSummary, JobCounts } from './campaigns.js';
export type { JobStatus, NewJob, StoredJob } from './jobs.js';
export { toRanges } from '../campaigns/position-ranges.js';
export type { ResultFilters, SimResultInput, SimResultRow } from './simulations.js';
export type { MetricRow, TrainingResultInput } from './training.js';
export type {
  ConfirmedSearchFront,
  SearchCandidateInput,
  SearchCandidateRow,
  SearchResultInput,
  SearchResultRow,
  SeedTraining,
} from './searches.js';
export type { CampaignExport, CampaignImport } from './export-format.js';
export { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, EXPORT_FORMAT_VERSIONS } from './export-format.js';
export type { ExportOptions, ImportSummary } from './export-import.js';

export class Store {
  /** Job tallies of finished campaigns (they cannot change), so listing them stays cheap. */
  private readonly finished = new campaignRows.FinishedTallies();

  constructor(readonly db: Db) {}

  // --- campaigns (campaigns.ts) ---
  createCampaign(input: {
    id: string;
    spec: NormalisedSpec;
    specHash: string;
    codeVersion: string;
    versions: Record<string, string>;
    force: boolean;
  }) {
    return campaignRows.createCampaign(this.db, input);
  }
  deleteCampaign(id: string) {
    return campaignRows.deleteCampaign(this.db, id);
  }
  getCampaign(id: string) {
    return campaignRows.getCampaign(this.db, this.finished, id);
  }
  listCampaigns(limit?: number) {
    return campaignRows.listCampaigns(this.db, this.finished, limit);
  }
  jobCounts(campaignIds: string[]) {
    return campaignRows.jobCounts(this.db, campaignIds);
  }
  campaignCounts(campaignId: string) {
    return campaignRows.campaignCounts(this.db, campaignId);
  }
  finishCampaign(campaignId: string, status: campaignRows.CampaignStatus, error?: string) {
    return campaignRows.finishCampaign(this.db, campaignId, status, error);
  }
  markCancelling(campaignId: string) {
    return campaignRows.markCancelling(this.db, campaignId);
  }
  setCampaignStatus(campaignId: string, status: campaignRows.CampaignStatus, error?: string) {
    return campaignRows.setCampaignStatus(this.db, campaignId, status, error);
  }

  // --- jobs (jobs.ts) ---
  registerJobs(campaignId: string, newJobs: jobRows.NewJob[], force: boolean) {
    return jobRows.registerJobs(this.db, campaignId, newJobs, force);
  }
  registerCampaign(campaignId: string, newJobs: Iterable<jobRows.NewJob>, force: boolean) {
    return jobRows.registerCampaign(this.db, campaignId, newJobs, force);
  }
  registeredKey(campaignId: string, kind: JobKind, params: unknown) {
    return jobRows.registeredKey(this.db, campaignId, kind, params);
  }
  loadJobs(campaignId: string, positions: number[]) {
    return jobRows.loadJobs(this.db, campaignId, positions);
  }
  listJobs(campaignId: string, options?: { status?: string; limit?: number; offset?: number }) {
    return jobRows.listJobs(this.db, campaignId, options);
  }
  startJobs(campaignId: string, keys: string[], worker: string, attempt: number) {
    return jobRows.startJobs(this.db, campaignId, keys, worker, attempt);
  }
  startJob(campaignId: string, key: string, worker: string, attempt: number) {
    return jobRows.startJob(this.db, campaignId, key, worker, attempt);
  }
  touchJob(campaignId: string, key: string) {
    return jobRows.touchJob(this.db, campaignId, key);
  }
  completeJob(campaignId: string, key: string, worker: string) {
    return jobRows.completeJob(this.db, campaignId, key, worker);
  }
  failJobs(campaignId: string, positions: number[], error: string) {
    return jobRows.failJobs(this.db, campaignId, positions, error);
  }
  failJob(campaignId: string, key: string, error: string, attempts?: number) {
    return jobRows.failJob(this.db, campaignId, key, error, attempts);
  }

  // --- simulations (simulations.ts) ---
  saveSimResults(campaignId: string, items: simulations.SimResultInput[], codeVersion: string, worker: string, replace?: boolean) {
    return simulations.saveSimResults(this.db, campaignId, items, codeVersion, worker, replace);
  }
  saveSimResult(campaignId: string, key: string, params: SimJobParams, result: NetworkResult, codeVersion: string, worker: string) {
    return simulations.saveSimResult(this.db, campaignId, key, params, result, codeVersion, worker);
  }
  dropSimResult(key: string) {
    return simulations.dropSimResult(this.db, key);
  }
  simResults(filters?: simulations.ResultFilters, withLayers?: boolean) {
    return simulations.simResultRows(this.db, filters, withLayers);
  }

  // --- training (training.ts) ---
  latestCheckpoint(jobKey: string) {
    return training.latestCheckpoint(this.db, jobKey);
  }
  checkpoint(jobKey: string, epoch: number, step: number) {
    return training.checkpoint(this.db, jobKey, epoch, step);
  }
  saveCheckpoint(jobKey: string, epoch: number, step: number, format: string, data: Uint8Array, keep?: number) {
    return training.saveCheckpoint(this.db, jobKey, epoch, step, format, data, keep);
  }
  dropTraining(jobKey: string) {
    return training.dropTraining(this.db, jobKey);
  }
  saveMetrics(jobKey: string, rows: training.MetricRow[]) {
    return training.saveMetrics(this.db, jobKey, rows);
  }
  saveTrainingResult(campaignId: string, key: string, result: training.TrainingResultInput, codeVersion: string, worker: string) {
    return training.saveTrainingResult(this.db, campaignId, key, result, codeVersion, worker);
  }
  trainingResult(key: string) {
    return training.trainingResult(this.db, key);
  }
  trainingResults(campaignId?: string, limit?: number) {
    return training.trainingResultRows(this.db, campaignId, limit);
  }
  trainingCurves(campaignId?: string, limit?: number) {
    return training.trainingCurves(this.db, campaignId, limit);
  }

  // --- claims on trainings (leases.ts) ---
  claimTraining(key: string, holder: string, staleSeconds: number) {
    return leases.claimTraining(this.db, key, holder, staleSeconds);
  }
  renewTraining(key: string, holder: string) {
    return leases.renewTraining(this.db, key, holder);
  }
  releaseTraining(key: string, holder: string) {
    return leases.releaseTraining(this.db, key, holder);
  }
  trainingLease(key: string) {
    return leases.trainingLease(this.db, key);
  }

  // --- searches (searches.ts) ---
  searchCandidate(jobKey: string, candidateKey: string) {
    return searches.searchCandidate(this.db, jobKey, candidateKey);
  }
  recordSearchTraining(jobKey: string, trainingKey: string, params: unknown) {
    return searches.recordSearchTraining(this.db, jobKey, trainingKey, params);
  }
  searchTrainings(campaignId?: string) {
    return searches.searchTrainingRows(this.db, campaignId);
  }
  saveSearchCandidate(row: searches.SearchCandidateInput) {
    return searches.saveSearchCandidate(this.db, row);
  }
  searchCandidates(jobKey: string) {
    return searches.searchCandidateRows(this.db, jobKey);
  }
  saveSearchFront(jobKey: string, generation: number, evaluations: number, front: unknown) {
    return searches.saveSearchFront(this.db, jobKey, generation, evaluations, front);
  }
  searchFronts(campaignId?: string, limit?: number) {
    return searches.searchFrontRows(this.db, campaignId, limit);
  }
  saveSearchResult(campaignId: string, result: searches.SearchResultInput, codeVersion: string, worker: string) {
    return searches.saveSearchResult(this.db, campaignId, result, codeVersion, worker);
  }
  dropSearch(jobKey: string) {
    return searches.dropSearch(this.db, jobKey);
  }
  searchResults(campaignId?: string) {
    return searches.searchResultRows(this.db, campaignId);
  }

  // --- export / import (export-import.ts; the format: export-format.ts) ---
  exportCampaign(id: string, options?: exportImport.ExportOptions) {
    return exportImport.exportCampaign(this.db, id, options);
  }
  importCampaign(doc: CampaignImport) {
    return exportImport.importCampaign(this.db, doc);
  }

  async ping(): Promise<void> {
    await this.db.execute(sql`select 1`);
  }
}
