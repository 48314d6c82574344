/** A campaign out to one export document and back in (the format: export-format.ts). */
import type { Db } from './db.js';
import {
  campaigns,
  checkpoints,
  jobs,
  searchCandidates,
  searchFronts,
  searchResults,
  searchTrainings,
  simLayerResults,
  simResults,
  trainingMetrics,
  trainingResults,
} from './schema.js';
import { campaignRow, type CampaignStatus } from './campaigns.js';
import { listJobs } from './jobs.js';
import { chunks, iso } from './rows.js';
import { searchCandidateRows, searchFrontRows, searchResultRows, searchTrainingRows } from './searches.js';
import { simResultRows } from './simulations.js';
import { latestCheckpoint, trainingCurves, trainingResultRows } from './training.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type CampaignExport, type CampaignImport } from './export-format.js';

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

/** Rows as exported: without the time they were stored (the importing database sets its own). */
const withoutCreatedAt = <T extends { createdAt: unknown }>({ createdAt: _c, ...row }: T): Omit<T, 'createdAt'> => row;

/** One document with the spec, versions, jobs and every result of a campaign. */
export async function exportCampaign(db: Db, id: string, options: ExportOptions = {}): Promise<CampaignExport | undefined> {
  const campaign = await campaignRow(db, id);
  if (!campaign) return undefined;
  const jobRows = await listJobs(db, id, { limit: 10_000_000 });
  const searches = await searchResultRows(db, id);
  // Every search job's candidates, finished or not: a cancelled (or still running) search's
  // evaluations, trainings included, are results too.
  const searchKeys = [...new Set(jobRows.filter((job) => job.kind === 'nas').map((job) => job.key))];
  const candidates = (await Promise.all(searchKeys.map((key) => searchCandidateRows(db, key)))).flat();
  const includeCheckpoints = options.checkpoints ?? true;
  const trainKeys = [...new Set(jobRows.filter((job) => job.kind === 'train').map((job) => job.key))];
  const latest = includeCheckpoints
    ? await Promise.all(trainKeys.map(async (jobKey) => ({ jobKey, checkpoint: await latestCheckpoint(db, jobKey) })))
    : [];
  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: new Date().toISOString(),
    campaign: {
      id,
      name: campaign.name,
      status: campaign.status as CampaignStatus,
      spec: campaign.spec as Record<string, unknown>,
      specHash: campaign.specHash,
      codeVersion: campaign.codeVersion,
      versions: campaign.versions as Record<string, string>,
      seed: campaign.seed,
      force: campaign.force,
      createdAt: iso(campaign.createdAt)!,
      finishedAt: iso(campaign.finishedAt),
      error: campaign.error,
      totalJobs: campaign.totalJobs,
      reusedJobs: campaign.reusedJobs,
    },
    jobs: jobRows,
    simResults: await simResultRows(db, { campaignId: id }, true),
    searchResults: searches.map(({ createdAt: _c, name: _n, ...row }) => row),
    searchCandidates: candidates.map(withoutCreatedAt),
    searchTrainings: (await searchTrainingRows(db, id)).map(({ createdAt: _c, ...row }) => ({
      ...row,
      params: row.params as Record<string, unknown>,
    })),
    searchFronts: (await searchFrontRows(db, id)).map(withoutCreatedAt),
    trainingResults: (await trainingResultRows(db, id)).map(withoutCreatedAt),
    trainingMetrics: (await trainingCurves(db, id)).map(withoutCreatedAt),
    checkpointsIncluded: includeCheckpoints,
    checkpoints: latest.flatMap(({ jobKey, checkpoint }) =>
      checkpoint
        ? [
            {
              jobKey,
              epoch: checkpoint.epoch,
              step: checkpoint.step,
              format: checkpoint.format,
              data: Buffer.from(checkpoint.data).toString('base64'),
            },
          ]
        : [],
    ),
  };
}

/** Loads an export; rows already present are left alone, so importing twice changes nothing. All or nothing. */
export async function importCampaign(db: Db, doc: CampaignImport): Promise<ImportSummary> {
  return db.transaction(async (tx) => {
    const c = doc.campaign;
    await tx
      .insert(campaigns)
      .values({ ...c, createdAt: new Date(c.createdAt), finishedAt: c.finishedAt ? new Date(c.finishedAt) : null })
      .onConflictDoNothing();
    for (const part of chunks(doc.simResults)) {
      await tx
        .insert(simResults)
        .values(part.map(({ layers, ...row }) => ({ ...row, layerUtilization: layers?.map((layer) => layer.utilization) ?? null })))
        .onConflictDoNothing();
      const layers = part.flatMap((row) => (row.layers ?? []).map((layer) => ({ ...layer, jobKey: row.jobKey })));
      for (const layerPart of chunks(layers)) await tx.insert(simLayerResults).values(layerPart).onConflictDoNothing();
    }
    if (doc.searchResults?.length) await tx.insert(searchResults).values(doc.searchResults).onConflictDoNothing();
    for (const part of chunks(doc.searchCandidates ?? [])) await tx.insert(searchCandidates).values(part).onConflictDoNothing();
    for (const part of chunks(doc.searchTrainings ?? [])) await tx.insert(searchTrainings).values(part).onConflictDoNothing();
    for (const part of chunks(doc.searchFronts ?? [])) await tx.insert(searchFronts).values(part).onConflictDoNothing();
    for (const part of chunks(doc.trainingResults ?? []))
      await tx.insert(trainingResults).values(part).onConflictDoNothing({ target: trainingResults.jobKey });
    for (const part of chunks(doc.trainingMetrics ?? [], 1000)) await tx.insert(trainingMetrics).values(part).onConflictDoNothing();
    // Checkpoints one at a time: each may be large.
    for (const cp of doc.checkpoints ?? [])
      await tx
        .insert(checkpoints)
        .values({ ...cp, data: new Uint8Array(Buffer.from(cp.data, 'base64')) })
        .onConflictDoNothing();
    for (const part of chunks(doc.jobs)) {
      await tx
        .insert(jobs)
        .values(
          part.map((job) => ({
            ...job,
            campaignId: c.id,
            startedAt: job.startedAt ? new Date(job.startedAt) : null,
            finishedAt: job.finishedAt ? new Date(job.finishedAt) : null,
          })),
        )
        .onConflictDoNothing({ target: [jobs.campaignId, jobs.key] });
    }
    return {
      campaignId: c.id,
      jobs: doc.jobs.length,
      simResults: doc.simResults.length,
      searchResults: doc.searchResults?.length ?? 0,
      trainingResults: doc.trainingResults?.length ?? 0,
      trainingMetrics: doc.trainingMetrics?.length ?? 0,
      checkpoints: doc.checkpoints?.length ?? 0,
    };
  });
}
