/**
 * The data flags `fuselab train` and `fuselab supernet` share (--dataset's files: --data-dir,
 * --data, --image-size, --limit): checked together, turned into one `loadTrainingData` request,
 * and the bar shown while an image folder is decoded.
 */
import type { TrainDataset } from '../choices.js';
import type { LoadedData } from '../train/training.js';
import { parsePositiveInt } from './options.js';
import { progressBar, type ProgressBar } from './progress.js';
import { UsageError } from './usage-error.js';

export interface TrainingDataFlags {
  dataDir?: string;
  data?: string;
  imageSize?: string;
  limit?: string;
}

export interface TrainingDataRequest {
  dataset: TrainDataset;
  dataDir?: string;
  dataPath?: string;
  imageSize?: number;
  limit?: number;
  seed: number;
}

/** The request for `loadTrainingData`, or the one-line error naming the flag. */
export function trainingDataRequest(dataset: TrainDataset, flags: TrainingDataFlags, seed: number): TrainingDataRequest {
  const limit = flags.limit !== undefined ? parsePositiveInt('--limit', flags.limit) : undefined;
  const imageSize = flags.imageSize !== undefined ? parsePositiveInt('--image-size', flags.imageSize) : undefined;
  if (dataset === 'folder' && !flags.data)
    throw new UsageError('--data', 'the folder dataset needs a directory or .tar/.tar.gz archive with train/<class>/… and test/<class>/…');
  if (dataset !== 'folder' && (flags.data !== undefined || imageSize !== undefined))
    throw new UsageError(flags.data !== undefined ? '--data' : '--image-size', 'only used with --dataset folder');
  if (dataset === 'cifar10' && !flags.dataDir)
    throw new UsageError('--data-dir', 'cifar10 needs the directory of its binary batches (data_batch_1.bin … test_batch.bin)');
  return {
    dataset,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.data ? { dataPath: flags.data } : {}),
    ...(imageSize !== undefined ? { imageSize } : {}),
    ...(limit !== undefined ? { limit } : {}),
    seed,
  };
}

/**
 * The bar while an image-folder data set is decoded (first run only; later runs read the cache).
 * It appears after 2 s, or with the final state once decoding is done, so bad input found at once
 * stays a one-line error.
 */
export function decodeProgress() {
  const startedAt = Date.now();
  let bar: ProgressBar | undefined;
  let last: { done: number; total: number } | undefined;
  const show = () => (bar ??= progressBar('decoding [{bar}] {percentage}% {value}/{total} images'));
  return {
    update: (done: number, total: number) => {
      last = { done, total };
      if (bar || Date.now() - startedAt >= 2000) show().update(done, total, {});
    },
    /** Decoded: the final state, also when it took less than 2 s. */
    finish: () => {
      if (last) show().update(last.done, last.total, {});
      bar?.stop();
    },
    /** Failed: no bar line before the error's one line (unless one was already showing). */
    abort: () => bar?.stop(),
  };
}

/**
 * Loads the data set (tfjs and the decoders load with it), with the decoding bar on an image
 * folder's first run; a bad file rejects with the loader's error, after the bar is cleared.
 */
export async function loadTrainingDataWithBar(request: TrainingDataRequest): Promise<LoadedData> {
  const training = await import('../train/training.js');
  const decoding = decodeProgress();
  const data = await training.loadTrainingData(request, { onProgress: decoding.update }).catch((error: unknown) => {
    decoding.abort();
    throw error;
  });
  decoding.finish();
  return data;
}
