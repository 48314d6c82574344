/**
 * A trained network out of a campaign: the checkpoint its training result names, as the file
 * `fuselab train` writes. It can be the `--teacher` of `fuselab train` or a spec's
 * `teacher: { checkpoint }`, or be loaded with libs/nos in one's own project, without training
 * again what a campaign (or an imported export) already holds.
 */
import { CHECKPOINT_STORAGE_FORMAT } from '../train/storage-formats.js';
import { SpecError } from './validation.js';
import type { Store } from '../store/store.js';

/** The stored checkpoint bytes (gzip-compressed JSON) of one training, and a file name for them. */
export interface TrainedCheckpoint {
  jobKey: string;
  /** NETWORK-VARIANT-METHOD-wWIDTH-DATASET-sSEED-KEY8.ckpt.json.gz (KEY8: the job key's first 8 digits). */
  fileName: string;
  /** Null for a training run without a test set. */
  testAccuracy: number | null;
  bytes: Uint8Array;
}

/** The API's answer carries the bytes as its body and the rest in these headers (and Content-Disposition). */
export const TRAINED_CHECKPOINT_HEADERS = { jobKey: 'x-fuselab-job-key', testAccuracy: 'x-fuselab-test-accuracy' } as const;

/** How many leading digits of a job key name it (git's short hashes start at 7; 6 is unique here in practice). */
export const MIN_KEY_DIGITS = 6;

/** The field a bad key is reported under (CLI argument `key`, API path segment `:key`). */
const FIELD = 'key';

/**
 * The checkpoint of the training of campaign `campaignId` (a campaign job, a search candidate)
 * whose job key starts with `key`. Bad keys are SpecErrors naming `key`; a key that matches no
 * training, or a training whose checkpoint is not in the store, is `notFound`'s error.
 */
export async function trainedCheckpoint(
  store: Store,
  campaignId: string,
  key: string,
  notFound: (message: string) => Error,
): Promise<TrainedCheckpoint> {
  const prefix = key.toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${MIN_KEY_DIGITS},64}$`).test(prefix))
    throw new SpecError(FIELD, `"${key}" is not a job key: give its first ${MIN_KEY_DIGITS} to 64 hex digits`);
  const trainings = await store.trainingResults(campaignId);
  const matches = trainings.filter((row) => row.jobKey.startsWith(prefix));
  if (matches.length === 0)
    throw notFound(
      trainings.length === 0
        ? `campaign ${campaignId} has no finished training`
        : `no finished training of campaign ${campaignId} has a key starting with ${prefix} (${trainings.length} have: see \`fuselab campaign checkpoint ${campaignId}\`)`,
    );
  if (matches.length > 1)
    throw new SpecError(FIELD, `"${key}" starts ${matches.length} training keys of campaign ${campaignId}: give more digits`);
  const result = matches[0]!;
  const row = await store.checkpoint(result.jobKey, result.checkpointEpoch, result.checkpointStep);
  const short = result.jobKey.slice(0, 12);
  if (!row)
    throw notFound(
      `training ${short} has no stored checkpoint (a campaign imported from an export written with --no-checkpoints has none)`,
    );
  if (row.format !== CHECKPOINT_STORAGE_FORMAT)
    throw new SpecError(FIELD, `training ${short} stored a ${row.format} (a supernet), not a network's checkpoint`);
  return {
    jobKey: result.jobKey,
    fileName: `${result.network}-${result.variant}-${result.method}-w${result.width}-${result.dataset}-s${result.seed}-${result.jobKey.slice(0, 8)}.ckpt.json.gz`,
    testAccuracy: result.testAccuracy,
    bytes: new Uint8Array(row.data),
  };
}
