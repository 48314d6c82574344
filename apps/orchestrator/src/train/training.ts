/**
 * Training runs as the CLI (`fuselab train`) and the `fuselab-train` activity share them: load a data
 * set from files (the I/O the libs leave to us), build the network spec, pick the teacher for KD/NOS,
 * and call `@fuselab/nos`' `train` with progress, checkpoints and an AbortSignal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { buildNetwork, defaultStem, type BlockOperator, type NetworkName, type StemName, type VariantName } from '@fuselab/fuseconv';
import { replicasProblem, stableStringify, type TrainAugment } from '../campaigns/expand.js';
import { distillValues, type DistillSettings } from '../campaigns/distill.js';
import { TRAINING_HYPERPARAMETERS, type TrainHyperparameters } from '../campaigns/recipe.js';
import { DATASET_IMAGE_SIZE } from '../campaigns/spec.js';
import type { TrainDataset, TrainMethodName } from '../choices.js';
import { FolderSourceError, loadFolderData } from './folder-dataset.js';
import {
  assertCheckpoint,
  concatDatasets,
  loadIdxDataset,
  loadModelWeights,
  MNIST_FILES,
  modelFromSpec,
  nosTapMode,
  parseCifarBatch,
  selectBackend,
  syntheticDataset,
  takeFirst,
  train,
  type BackendSelection,
  type Checkpoint,
  type ImageDataset,
  type TrainCallbacks,
  type TrainOptions,
  type TrainResult,
} from '@fuselab/nos';
import { FieldError } from '../errors/field-error.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Default cache of decoded image-folder data sets (FUSELAB_HOME's `cache/`). */
export const FOLDER_CACHE_DIR = join(process.env.FUSELAB_HOME ?? '.fuselab', 'cache');

/** Synthetic set: gratings (libs/nos), small images so tests train in seconds. */
export const SYNTHETIC = { size: DATASET_IMAGE_SIZE.synthetic, channels: 1, numClasses: 4, trainCount: 512, testCount: 128 } as const;

/**
 * libs/nos' optimizer options for a run's hyperparameters (campaigns/recipe.ts). SGD-momentum and
 * Adam both resume exactly from a checkpoint (libs/nos restores Adam's bias-correction
 * accumulators bitwise from the iteration count).
 */
export function optimizerFor(
  h: TrainHyperparameters = TRAINING_HYPERPARAMETERS,
): Pick<TrainOptions, 'optimizer' | 'learningRate' | 'weightDecay'> {
  const optimizer: TrainOptions['optimizer'] =
    h.optimizer === 'adam' ? { kind: 'adam', beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon } : { kind: 'sgd', momentum: h.momentum };
  return { optimizer, learningRate: h.learningRate, weightDecay: h.weightDecay };
}

/** A data set file that is missing or unreadable: `field` is the file, `problem` what is wrong. */
export class DatasetFileError extends FieldError {
  override name = 'DatasetFileError';
}

/** A training request that cannot run (e.g. a teacher checkpoint of another shape); `field` names what is at fault. */
export class TrainingInputError extends FieldError {
  override name = 'TrainingInputError';
}

export interface TrainingRequest {
  dataset: TrainDataset;
  /** fashion-mnist / cifar10: their files; folder: where decoded data sets are cached. */
  dataDir?: string;
  /** folder: the directory or .tar / .tar.gz archive of `train/<class>/*` and `test/<class>/*`. */
  dataPath?: string;
  /**
   * folder archive: its sha256 as the worker has just checked it (campaigns/file-digests.ts
   * `checkJobFiles`); the loader finds its cache by it instead of reading the archive again.
   */
  dataSha256?: string;
  /** folder: resize every image to this side (else all must share one square size). */
  imageSize?: number;
  network: NetworkName;
  /** A named variant, or `custom`: the network with one operator per block given in `operators`. */
  variant: VariantName | 'custom';
  /** With variant `custom`: one operator per searchable block (fuseconv's `searchableBlocks`). */
  operators?: BlockOperator[];
  width: number;
  method: TrainMethodName;
  epochs: number;
  batch: number;
  /** Training images (the test set is cut to the same number when smaller than it). */
  limit?: number;
  /** Training-set augmentation (absent: none): random crop after `crop` pixels of zero padding, left–right flips. */
  augment?: TrainAugment;
  /** Data-parallel threads per step (default 1; scratch only): nos' `TrainOptions.replicas`. */
  replicas?: number;
  seed: number;
  /** The optimizer recipe (campaigns/recipe.ts hyperparametersOf); default TRAINING_HYPERPARAMETERS. */
  hyperparameters?: TrainHyperparameters;
  /** kd / nos: distillation knobs (campaigns/distill.ts); absent ones are libs/nos' defaults. */
  distill?: DistillSettings;
  /** Default: fuseconv's `defaultStem` of the data's image size (`cifar` up to 64 px). */
  stem?: StemName;
}

export interface LoadedData {
  train: ImageDataset;
  test: ImageDataset;
  inputSize: number;
  numClasses: number;
}

function readNamed(path: string): { file: string; bytes: Uint8Array } {
  try {
    return { file: path, bytes: new Uint8Array(readFileSync(path)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetFileError(
      path,
      `cannot read the data set file (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)})`,
    );
  }
}

function cifarDir(dir: string): string {
  const nested = join(dir, 'cifar-10-batches-bin');
  return existsSync(join(dir, 'data_batch_1.bin')) || !existsSync(nested) ? dir : nested;
}

/** Loads train and test sets; `limit` cuts both (test to at most the same count). */
export async function loadTrainingData(
  request: Pick<TrainingRequest, 'dataset' | 'dataDir' | 'dataPath' | 'dataSha256' | 'imageSize' | 'limit' | 'seed'>,
  folder: { cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<LoadedData> {
  let trainSet: ImageDataset;
  let testSet: ImageDataset;
  if (request.dataset === 'folder') {
    if (!request.dataPath)
      throw new DatasetFileError('folder', 'needs --data, a directory or .tar/.tar.gz archive with train/<class>/… and test/<class>/…');
    const cacheDir = request.dataDir ?? folder.cacheDir ?? FOLDER_CACHE_DIR;
    const loaded = await loadFolderData({
      path: request.dataPath,
      cacheDir,
      ...(request.dataSha256 !== undefined ? { sha256: request.dataSha256 } : {}),
      ...(request.imageSize !== undefined ? { imageSize: request.imageSize } : {}),
      ...(folder.onProgress ? { onProgress: folder.onProgress } : {}),
    }).catch((error: unknown) => {
      throw error instanceof FolderSourceError ? new DatasetFileError(error.field, error.problem) : error;
    });
    trainSet = loaded.train;
    testSet = loaded.test;
  } else if (request.dataset === 'synthetic') {
    const count = request.limit ?? SYNTHETIC.trainCount;
    trainSet = syntheticDataset({
      count,
      size: SYNTHETIC.size,
      channels: SYNTHETIC.channels,
      numClasses: SYNTHETIC.numClasses,
      seed: request.seed,
      name: 'synthetic/train',
    });
    testSet = syntheticDataset({
      count: Math.min(SYNTHETIC.testCount, count),
      size: SYNTHETIC.size,
      channels: SYNTHETIC.channels,
      numClasses: SYNTHETIC.numClasses,
      seed: request.seed + 1_000_003,
      name: 'synthetic/test',
    });
  } else if (request.dataset === 'fashion-mnist') {
    const dir = request.dataDir ?? FASHION_MNIST_DIR;
    const load = (split: 'train' | 'test') =>
      loadIdxDataset({
        images: readNamed(join(dir, MNIST_FILES[split].images)),
        labels: readNamed(join(dir, MNIST_FILES[split].labels)),
        name: `fashion-mnist/${split}`,
      });
    trainSet = await load('train');
    testSet = await load('test');
  } else {
    if (!request.dataDir)
      throw new DatasetFileError('cifar10', 'needs --data-dir (a directory with data_batch_1.bin … data_batch_5.bin and test_batch.bin)');
    const dir = cifarDir(request.dataDir);
    const batches = [];
    for (let i = 1; i <= 5; i++) batches.push(await parseCifarBatch(readNamed(join(dir, `data_batch_${i}.bin`)), { kind: 'cifar10' }));
    trainSet = concatDatasets('cifar10/train', batches);
    testSet = await parseCifarBatch(readNamed(join(dir, 'test_batch.bin')), { kind: 'cifar10' });
  }
  if (request.limit !== undefined) {
    trainSet = takeFirst(trainSet, Math.min(request.limit, trainSet.count));
    testSet = takeFirst(testSet, Math.min(request.limit, testSet.count));
  }
  return { train: trainSet, test: testSet, inputSize: trainSet.height, numClasses: trainSet.numClasses };
}

/** Which network: a named variant, or `custom` with its per-block operators. */
export interface NetworkChoice {
  network: NetworkName;
  variant: VariantName | 'custom';
  operators?: readonly BlockOperator[] | undefined;
}

export function specFor(
  choice: NetworkChoice,
  width: number,
  inputSize: number,
  numClasses: number,
  stem: StemName = defaultStem(inputSize),
) {
  const shape = { network: choice.network, width, inputSize, numClasses, stem };
  if (choice.variant !== 'custom') return buildNetwork({ ...shape, variant: choice.variant });
  if (!choice.operators) throw new TrainingInputError('operators', 'variant custom needs an operator for each block');
  return buildNetwork({ ...shape, operators: choice.operators });
}

/** What a checkpoint says about the network it belongs to (in `meta`). */
export interface CheckpointMeta {
  network: NetworkName;
  variant: VariantName | 'custom';
  /** With variant `custom`: the network's per-block operators. */
  operators?: BlockOperator[];
  width: number;
  inputSize: number;
  numClasses: number;
  /** Absent in checkpoints written before stems existed: those networks had the imagenet stem. */
  stem?: StemName;
  dataset?: string;
  method?: string;
}

export function checkpointMeta(checkpoint: Checkpoint, source: string): CheckpointMeta {
  const meta = checkpoint.meta as Partial<CheckpointMeta> | undefined;
  if (
    !meta ||
    typeof meta.network !== 'string' ||
    typeof meta.variant !== 'string' ||
    typeof meta.width !== 'number' ||
    typeof meta.inputSize !== 'number' ||
    typeof meta.numClasses !== 'number'
  ) {
    throw new TrainingInputError(
      source,
      'the checkpoint does not say which network it holds (meta.network, variant, width, inputSize, numClasses)',
    );
  }
  if (meta.variant === 'custom' && !(Array.isArray(meta.operators) && meta.operators.every((op) => typeof op === 'string'))) {
    throw new TrainingInputError(source, 'the checkpoint holds a custom network but does not list its operators (meta.operators)');
  }
  return meta as CheckpointMeta;
}

/** Checkpoint bytes as stored in files and the database: gzip-compressed JSON. */
export { CHECKPOINT_STORAGE_FORMAT } from './storage-formats.js';

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  return new Uint8Array(gzipSync(Buffer.from(JSON.stringify(checkpoint), 'utf8'), { level: 1 }));
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  let value: unknown;
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  try {
    value = JSON.parse((gzipped ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8'));
  } catch {
    // Say what is wrong without the parser's message: it quotes the file's first bytes, and the
    // path may name a file that is not ours to show (e.g. a spec naming /etc/passwd).
    throw new TrainingInputError(
      source,
      `not a readable checkpoint (${gzipped ? 'gzip data that does not hold checkpoint JSON' : 'neither gzip-compressed nor JSON'})`,
    );
  }
  try {
    assertCheckpoint(value);
  } catch (error) {
    throw new TrainingInputError(source, (error as Error).message);
  }
  return value;
}

export function readCheckpointFile(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new TrainingInputError(path, `cannot read the checkpoint (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return decodeCheckpoint(bytes, path);
}

let backendChoice: Promise<BackendSelection> | undefined;
/** Selects the tfjs backend once per process (`auto`: tfjs-node, else trainable wasm, else cpu). */
export function ensureBackend(preference: 'auto' | 'tfjs-node' | 'wasm' | 'cpu' = 'auto'): Promise<BackendSelection> {
  backendChoice ??= selectBackend(preference);
  return backendChoice;
}

export interface RunTrainingOptions extends TrainingRequest {
  /** The teacher for kd / nos: a trained baseline's checkpoint. */
  teacher?: { checkpoint: Checkpoint; source: string };
  resumeFrom?: Checkpoint;
  checkpointEvery?: number;
  data?: LoadedData;
  /** Test hook: abort the run (as a crash would) once this global step has been checkpointed. */
  failAfterStep?: number;
}

export interface RunTrainingCallbacks extends TrainCallbacks {
  /** Decoding an image-folder data set on a cache miss: images done of all. */
  onDataProgress?: (done: number, total: number) => void;
}

/** Trains one network and returns nos' result (its final checkpoint carries `meta`). */
export async function runTraining(options: RunTrainingOptions, callbacks: RunTrainingCallbacks = {}): Promise<TrainResult> {
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > options.batch)
    throw new TrainingInputError('replicas', `expected a whole number from 1 to the batch size ${options.batch}, got ${replicas}`);
  const replicasWrong = replicasProblem(replicas, options.method);
  if (replicasWrong) throw new TrainingInputError('replicas', replicasWrong);
  await ensureBackend();
  const data = options.data ?? (await loadTrainingData(options, callbacks.onDataProgress ? { onProgress: callbacks.onDataProgress } : {}));
  const stem = options.stem ?? defaultStem(data.inputSize);
  const spec = specFor(options, options.width, data.inputSize, data.numClasses, stem);
  const meta: CheckpointMeta = {
    network: options.network,
    variant: options.variant,
    ...(options.variant === 'custom' ? { operators: spec.operators } : {}),
    width: options.width,
    inputSize: data.inputSize,
    numClasses: data.numClasses,
    stem,
    dataset: options.dataset,
    method: options.method,
  };
  let teacherModel: ReturnType<typeof modelFromSpec> | undefined;
  // NOS matches student and teacher at the taps the student's operators allow (nos' nosTapMode).
  const taps = options.method === 'nos' ? nosTapMode(spec) : 'none';
  if (options.method !== 'scratch') {
    if (!options.teacher) throw new TrainingInputError('teacher', `method ${options.method} needs a teacher checkpoint`);
    const tmeta = checkpointMeta(options.teacher.checkpoint, options.teacher.source);
    if (tmeta.inputSize !== data.inputSize || tmeta.numClasses !== data.numClasses) {
      throw new TrainingInputError(
        options.teacher.source,
        `the teacher was trained on ${tmeta.inputSize}×${tmeta.inputSize} images with ${tmeta.numClasses} classes, this run has ${data.inputSize}×${data.inputSize} and ${data.numClasses}`,
      );
    }
    teacherModel = modelFromSpec(specFor(tmeta, tmeta.width, tmeta.inputSize, tmeta.numClasses, tmeta.stem ?? 'imagenet'), {
      seed: options.seed,
      taps,
    });
    try {
      loadModelWeights(teacherModel.model, options.teacher.checkpoint.weights);
    } catch (error) {
      teacherModel.model.dispose();
      throw new TrainingInputError(options.teacher.source, (error as Error).message);
    }
  }
  const { alpha, temperature, lambdaOp, anneal, annealFraction, fuseInit } = distillValues(options.distill);
  const trainOptions: TrainOptions = {
    model: { spec, ...(taps !== 'none' ? { taps } : {}) },
    train: data.train,
    test: data.test,
    epochs: options.epochs,
    batchSize: options.batch,
    seed: options.seed,
    // The recipe's optimizer, learning rate and weight decay; either optimizer resumes bitwise from a checkpoint.
    ...optimizerFor(options.hyperparameters),
    schedule: { kind: 'cosine' },
    ...(options.augment ? { augment: { cropPadding: options.augment.crop ?? 0, horizontalFlip: options.augment.flip ?? false } } : {}),
    ...(options.replicas !== undefined && options.replicas > 1 ? { replicas: options.replicas } : {}),
    meta: { ...meta },
    ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
    ...(options.method === 'kd' && teacherModel ? { distill: { teacher: teacherModel.model, alpha, temperature } } : {}),
    ...(options.method === 'nos' && teacherModel
      ? { nos: { teacher: teacherModel.model, alpha, temperature, lambdaOp, anneal: { kind: anneal, fraction: annealFraction }, fuseInit } }
      : {}),
  };
  const controller = new AbortController();
  const outer = callbacks.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer) {
    if (outer.aborted) onAbort();
    else outer.addEventListener('abort', onAbort, { once: true });
  }
  try {
    return await train(trainOptions, {
      ...(callbacks.onProgress ? { onProgress: callbacks.onProgress } : {}),
      onCheckpoint: async (checkpoint) => {
        await callbacks.onCheckpoint?.(checkpoint);
        if (
          options.failAfterStep !== undefined &&
          checkpoint.globalStep >= options.failAfterStep &&
          checkpoint.globalStep < checkpoint.totalSteps
        ) {
          controller.abort(new InjectedFault(`fault injected after step ${checkpoint.globalStep}`));
        }
      },
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.reason instanceof InjectedFault) throw controller.signal.reason;
    throw error;
  } finally {
    outer?.removeEventListener('abort', onAbort);
    teacherModel?.model.dispose();
  }
}

/** Thrown by the `failAfterStep` test hook: the run stops as if its worker had died. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * A checkpoint file name for a run: the readable choice (network, variant or operator hash, method,
 * width, data set, seed), then 8 hex digits of the SHA-256 of every other setting that changes the
 * weights (`settings`: epochs, batch, limit, stem, replicas, augmentation, teacher, data source …).
 * Without that digest, runs differing only in, say, epochs or replicas overwrote each other's file;
 * with it the same run always writes the same name and different runs never share one.
 */
export function checkpointFileName(
  request: Pick<TrainingRequest, 'network' | 'variant' | 'operators' | 'method' | 'width' | 'seed' | 'dataset'>,
  settings: Readonly<Record<string, unknown>>,
): string {
  const digest = createHash('sha256').update(stableStringify(settings)).digest('hex').slice(0, 8);
  return `${request.network}-${networkLabel(request)}-${request.method}-w${request.width}-${request.dataset}-s${request.seed}-${digest}.ckpt.json.gz`;
}

/**
 * A short name for the network choice: the variant, or for custom operators `custom-` and the
 * first 8 hex digits of the SHA-256 of the comma-separated list (file names stay short).
 */
export function networkLabel(choice: Pick<NetworkChoice, 'variant' | 'operators'>): string {
  if (choice.variant !== 'custom') return choice.variant;
  return `custom-${createHash('sha256')
    .update((choice.operators ?? []).join(','))
    .digest('hex')
    .slice(0, 8)}`;
}
