/**
 * The campaign export format: one JSON document with a campaign, its jobs and every result. The
 * zod schema below is its only description; the types the store writes and reads are inferred
 * from it, and import validates a document against it before anything is written.
 *
 * Version 2 added trainingResults, trainingMetrics and checkpoints (the latest per training job,
 * data base64-encoded). Version 1 files, and files written before searches existed, lack those
 * sections and still import.
 */
import { z } from 'zod';
import { normaliseSpec } from '../campaigns/spec.js';
import { describeZodError, SpecError } from '../campaigns/validation.js';
import { CAMPAIGN_STATUSES } from './campaigns.js';

export const EXPORT_FORMAT = 'fuselab-campaign-export';
export const EXPORT_FORMAT_VERSION = 2;
export const EXPORT_FORMAT_VERSIONS = [1, 2] as const;

const key = z.string().min(1);
const count = z.number().int().nonnegative();

const campaignSection = z.object({
  id: key,
  name: z.string().min(1),
  status: z.enum(CAMPAIGN_STATUSES),
  spec: z.record(z.string(), z.unknown()),
  specHash: z.string().regex(/^[0-9a-f]{64}$/),
  codeVersion: z.string(),
  versions: z.record(z.string(), z.string()),
  seed: z.number().int(),
  force: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  totalJobs: count,
  reusedJobs: count,
});

const jobRow = z.object({
  key,
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
});

const simLayerRow = z.object({
  layerIndex: z.number().int(),
  name: z.string(),
  kind: z.string(),
  operatorClass: z.string(),
  cycles: z.number(),
  macs: z.number(),
  utilization: z.number(),
  breakdown: z.unknown(),
});

const simResultRow = z.object({
  jobKey: key,
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
  layers: z.array(simLayerRow).optional(),
});

/** searches.ts ConfirmedSearchFront (absent from documents written before `confirm` existed). */
const confirmedFront = z.object({
  seeds: z.array(z.number().int().nonnegative()).min(1),
  networks: z.array(
    z.object({
      key: z.string(),
      operators: z.array(z.string()),
      array: z.unknown().optional(),
      objectives: z.record(z.string(), z.number()),
      accuracies: z.array(z.number()),
      trainingKeys: z.array(key),
      mean: z.number(),
      sd: z.number().nullable(),
      onFront: z.boolean(),
    }),
  ),
});

const searchResultRow = z.object({
  jobKey: key,
  network: z.string(),
  space: z.string(),
  strategy: z.string(),
  objectives: z.array(z.string()),
  evaluations: count,
  generations: count,
  runs: z.number().int().positive(),
  front: z.array(
    z.object({
      key: z.string(),
      operators: z.array(z.string()),
      objectives: z.record(z.string(), z.number()),
      array: z.unknown().optional(),
    }),
  ),
  confirmed: confirmedFront.nullable().optional(),
  codeVersion: z.string(),
  worker: z.string().nullable(),
});

const searchCandidateRow = z.object({
  jobKey: key,
  candidateIndex: count,
  candidateKey: key,
  generation: count,
  operators: z.array(z.string()),
  array: z.object({ rows: z.number().int(), cols: z.number().int(), hardware: z.string() }).nullable(),
  objectives: z.record(z.string(), z.number()),
  /** The accuracy objective's training job, and the fidelity below a full evaluation (absent in older files). */
  trainingKey: key.nullable().optional(),
  /** Training `seeds`: each seed's training (absent in older files, null for one seed). */
  seedTrainings: z
    .array(z.object({ seed: z.number().int(), key, testAccuracy: z.number() }))
    .nullable()
    .optional(),
  fidelity: z.number().nullable().optional(),
  worker: z.string().nullable(),
});

/** A training a search job ran for the accuracy objective (search_trainings). */
const searchTrainingRow = z.object({ jobKey: key, trainingKey: key, params: z.record(z.string(), z.unknown()) });

const searchFrontRow = z.object({ jobKey: key, generation: count, evaluations: count, front: z.unknown() });

const trainingResultRow = z.object({
  jobKey: key,
  dataset: z.string(),
  network: z.string(),
  variant: z.string(),
  /** Variant `custom`: its per-block operators (absent in files written before custom networks). */
  operators: z.array(z.string()).nullable().optional(),
  method: z.string(),
  width: z.number().positive(),
  epochs: count,
  seed: z.number().int(),
  backend: z.string(),
  testAccuracy: z.number().nullable(),
  testLoss: z.number().nullable(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  trainImagesPerSec: z.number(),
  checkpointEpoch: count,
  checkpointStep: count,
  resumedFrom: z.number().int().nullable(),
  codeVersion: z.string(),
  worker: z.string().nullable(),
});

// step -1: the per-epoch summaries (train loss/accuracy, test loss/accuracy).
const trainingMetricRow = z.object({
  jobKey: key,
  epoch: count,
  step: z.number().int().min(-1),
  split: z.string().min(1),
  metric: z.string().min(1),
  value: z.number(),
});

/** The latest checkpoint of a training job; `data` is base64. */
const checkpointRow = z.object({
  jobKey: key,
  epoch: count,
  step: count,
  format: z.string().min(1),
  data: z.base64({ error: 'expected base64 checkpoint data' }),
});

/** A document as export writes it (the current version, every section present). */
export const campaignExportSchema = z.object({
  format: z.literal(EXPORT_FORMAT, { error: `expected "${EXPORT_FORMAT}"` }),
  formatVersion: z.literal(EXPORT_FORMAT_VERSIONS, { error: `expected one of ${EXPORT_FORMAT_VERSIONS.join(', ')}` }),
  exportedAt: z.string(),
  campaign: campaignSection,
  jobs: z.array(jobRow),
  simResults: z.array(simResultRow),
  searchResults: z.array(searchResultRow),
  searchCandidates: z.array(searchCandidateRow),
  searchTrainings: z.array(searchTrainingRow),
  searchFronts: z.array(searchFrontRow),
  trainingResults: z.array(trainingResultRow),
  trainingMetrics: z.array(trainingMetricRow),
  /** false: exported with --no-checkpoints (`checkpoints` is then empty). */
  checkpointsIncluded: z.boolean(),
  checkpoints: z.array(checkpointRow),
});

/** What older files lack: the search sections came with searches, the training ones with version 2. */
const LATER_SECTIONS = {
  exportedAt: true,
  searchResults: true,
  searchCandidates: true,
  searchTrainings: true,
  searchFronts: true,
  trainingResults: true,
  trainingMetrics: true,
  checkpointsIncluded: true,
  checkpoints: true,
} as const;

/** A document import accepts: any format version. */
export const campaignImportSchema = campaignExportSchema.partial(LATER_SECTIONS);

export type CampaignExport = z.output<typeof campaignExportSchema>;
export type CampaignImport = z.output<typeof campaignImportSchema>;

/** Validates an export document; a bad one is a SpecError naming the field. */
export function parseExport(doc: unknown): CampaignImport {
  const parsed = campaignImportSchema.safeParse(doc);
  if (!parsed.success) {
    const { field, problem } = describeZodError(parsed.error);
    throw new SpecError(`export file ${field}`, problem);
  }
  // The spec inside must still be a valid spec.
  normaliseSpec(parsed.data.campaign.spec);
  return parsed.data;
}
