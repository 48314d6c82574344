/**
 * One-shot runs as `fuselab supernet` and the search activities (method `supernet`) share them:
 * build the supernet of a data set's shape (optionally starting its depthwise path from a trained
 * baseline), train it with `fuselab train`'s recipe, and score paths by inherited test accuracy
 * after BatchNorm recalibration, or choose one by Zero-Cost-PT. libs/nas does the work; this
 * module adds what libs leave out — the recipe's defaults, the teacher checkpoint, stored bytes with
 * the training state to resume from, and the tasks a child process runs (training-child.ts), where
 * the wasm kernels cannot starve a worker's event loop.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildNetwork, defaultStem, type BlockOperator, type NetworkName, type StemName } from '@fuselab/fuseconv';
import type { Checkpoint } from '@fuselab/nos';
import type { Supernet, SupernetTrainProgress, SupernetTrainResult, SupernetTrainState } from '@fuselab/nas/supernet';
import type { TrainAugment } from '../campaigns/expand.js';
import { TRAINING_HYPERPARAMETERS, type TrainHyperparameters } from '../campaigns/recipe.js';
import { ensureBackend, InjectedFault, loadTrainingData, TrainingInputError, type LoadedData, type TrainingRequest } from './training.js';

/** Where the data comes from, as `loadTrainingData` takes it. */
export type SupernetDataRequest = Pick<TrainingRequest, 'dataset' | 'dataDir' | 'dataPath' | 'dataSha256' | 'imageSize' | 'limit' | 'seed'>;

export interface SupernetShapeRequest {
  network: NetworkName;
  width: number;
  /** Default: fuseconv's defaultStem of the data's image size. */
  stem?: StemName;
  /** The operators every block chooses from (must include dw). */
  choices: BlockOperator[];
  /** Seeds the weights. */
  seed: number;
}

/** The supernet's shape for this data (what `--load` and a stored supernet are checked against). */
export function supernetShape(request: SupernetShapeRequest, data: Pick<LoadedData, 'inputSize' | 'numClasses'>) {
  return {
    network: request.network,
    width: request.width,
    inputSize: data.inputSize,
    numClasses: data.numClasses,
    stem: request.stem ?? defaultStem(data.inputSize),
  };
}

/**
 * A new supernet (the initialisation `fuselab train` gives its networks, so inherited and
 * standalone accuracies compare like for like), its depthwise path loaded from `teacher` when given
 * — which NOS-initialises every FuSe branch from that trained kernel.
 */
export async function createSupernet(
  request: SupernetShapeRequest,
  data: LoadedData,
  teacher?: { checkpoint: Checkpoint; source: string },
): Promise<Supernet> {
  const nos = await import('@fuselab/nos');
  const { Supernet } = await import('@fuselab/nas/supernet');
  const shape = supernetShape(request, data);
  const supernet = new Supernet(shape, { operators: request.choices, seed: request.seed, init: nos.DEFAULT_INIT });
  if (!teacher) return supernet;
  const model = nos.modelFromSpec(buildNetwork({ ...shape, variant: 'baseline' }), { seed: request.seed });
  try {
    nos.loadModelWeights(model.model, teacher.checkpoint.weights);
    supernet.initializeFromTeacher(model.model);
  } catch (error) {
    supernet.dispose();
    throw new TrainingInputError(teacher.source, (error as Error).message);
  } finally {
    model.model.dispose();
  }
  return supernet;
}

export interface SupernetRecipe {
  epochs: number;
  batch: number;
  augment?: TrainAugment;
  /** Seeds the data order, the augmentation and the paths drawn. */
  seed: number;
  /** SGD-momentum's learning rate, momentum and weight decay (campaigns/recipe.ts); default TRAINING_HYPERPARAMETERS. */
  hyperparameters?: TrainHyperparameters;
}

/** Single-path training with `fuselab train`'s recipe (or the search's): SGD-momentum, cosine to 0, its weight decay. */
export async function trainSupernetWithRecipe(
  supernet: Supernet,
  data: LoadedData,
  recipe: SupernetRecipe,
  callbacks: {
    signal?: AbortSignal;
    onProgress?: (event: SupernetTrainProgress) => void;
    onEpochEnd?: (state: SupernetTrainState) => void | Promise<void>;
    resumeFrom?: SupernetTrainState;
  } = {},
): Promise<SupernetTrainResult> {
  const { trainSupernet } = await import('@fuselab/nas/supernet');
  const h = recipe.hyperparameters ?? TRAINING_HYPERPARAMETERS;
  // The spec refuses Adam for a supernet (recipe.ts recipeProblem); this guards other callers.
  if (h.optimizer !== 'sgd') throw new TrainingInputError('optimizer', 'a supernet trains with SGD-momentum only');
  return trainSupernet(supernet, {
    train: data.train,
    epochs: recipe.epochs,
    batchSize: recipe.batch,
    learningRate: h.learningRate,
    momentum: h.momentum,
    weightDecay: h.weightDecay,
    schedule: { kind: 'cosine' },
    seed: recipe.seed,
    ...(recipe.augment ? { augment: { cropPadding: recipe.augment.crop ?? 0, horizontalFlip: recipe.augment.flip ?? false } } : {}),
    ...(callbacks.signal ? { signal: callbacks.signal } : {}),
    ...(callbacks.onProgress ? { onProgress: callbacks.onProgress } : {}),
    ...(callbacks.onEpochEnd ? { onEpochEnd: callbacks.onEpochEnd } : {}),
    ...(callbacks.resumeFrom ? { resumeFrom: callbacks.resumeFrom } : {}),
  });
}

export interface ScoreSettings {
  /** Training batches whose BatchNorm statistics each path gets. */
  recalibrate: number;
  batch: number;
  /** Picks the recalibration images. */
  seed: number;
}

export interface PathScore {
  operators: BlockOperator[];
  accuracy: number;
  loss: number;
}

/** Each path's inherited test accuracy: its BatchNorms recalibrated on training batches, then evaluated. */
export async function scoreSupernetPaths(
  supernet: Supernet,
  paths: readonly BlockOperator[][],
  data: LoadedData,
  settings: ScoreSettings,
  callbacks: { signal?: AbortSignal; onPath?: (done: number, total: number) => void } = {},
): Promise<PathScore[]> {
  const { recalibrateBatchNorm, evaluateSubnet } = await import('@fuselab/nas/supernet');
  if (settings.recalibrate * settings.batch > data.train.count)
    throw new TrainingInputError(
      'recalibrate',
      `${settings.recalibrate} batches of ${settings.batch} need ${settings.recalibrate * settings.batch} images, there are ${data.train.count}`,
    );
  const scores: PathScore[] = [];
  for (const [i, path] of paths.entries()) {
    // Let timers (progress lines, heartbeats) and an abort run between paths.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (callbacks.signal?.aborted) throw callbacks.signal.reason instanceof Error ? callbacks.signal.reason : new Error('scoring aborted');
    await recalibrateBatchNorm(supernet, path, data.train, {
      batches: settings.recalibrate,
      batchSize: settings.batch,
      seed: settings.seed,
    });
    const { accuracy, loss } = await evaluateSubnet(supernet, path, data.test);
    scores.push({ operators: [...path], accuracy, loss });
    callbacks.onPath?.(i + 1, paths.length);
  }
  return scores;
}

export interface ZeroCostPtChoice {
  /** One operator per block. */
  operators: BlockOperator[];
  /** Mixtures scored (NASWOT forward passes). */
  evaluations: number;
  seconds: number;
}

/**
 * Zero-Cost-PT's choice on this supernet (libs/nas zeroCostPt): NASWOT of the mixture on the first
 * `batch` training images (unaugmented, as the proxies take one minibatch), blocks settled in a
 * seeded order.
 */
export async function selectPathByZeroCostPt(
  supernet: Supernet,
  data: LoadedData,
  settings: { batch: number; seed: number },
): Promise<ZeroCostPtChoice> {
  const nos = await import('@fuselab/nos');
  const { zeroCostPt } = await import('@fuselab/nas/supernet');
  const started = performance.now();
  const made = nos.makeBatch(
    data.train,
    Array.from({ length: Math.min(settings.batch, data.train.count) }, (_, i) => i),
    { channels: supernet.spec.inputChannels },
  );
  const chosen = zeroCostPt(supernet, { ...made, labels: made.y }, { seed: settings.seed });
  return { operators: chosen.path, evaluations: chosen.evaluations, seconds: (performance.now() - started) / 1000 };
}

/** Stored supernet bytes (checkpoints table, `--save` files): libs/nas' encoding, gzip-compressed. */
export { SUPERNET_STORAGE_FORMAT } from './storage-formats.js';

/** The stored bytes of a supernet, with a training's state to resume from when given. */
export async function encodeStoredSupernet(supernet: Supernet, state?: SupernetTrainState): Promise<Uint8Array> {
  const { encodeSupernet } = await import('@fuselab/nas/supernet');
  return new Uint8Array(gzipSync(encodeSupernet(supernet, state), { level: 1 }));
}

/** Decodes stored bytes (gzip or not); a damaged file or row is a TrainingInputError naming `source`. */
export async function decodeStoredSupernet(bytes: Uint8Array, source: string): Promise<Supernet> {
  const { supernet, state } = await decodeStoredSupernetCheckpoint(bytes, source);
  if (state) await disposeState(state);
  return supernet;
}

async function disposeState(state: SupernetTrainState): Promise<void> {
  const { disposeSupernetState } = await import('@fuselab/nas/supernet');
  disposeSupernetState(state);
}

/** The supernet and the training state stored with it, if any (a checkpoint written after an epoch). */
export async function decodeStoredSupernetCheckpoint(
  bytes: Uint8Array,
  source: string,
): Promise<{ supernet: Supernet; state?: SupernetTrainState }> {
  const { decodeSupernetCheckpoint } = await import('@fuselab/nas/supernet');
  let raw: Uint8Array;
  try {
    raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  } catch (error) {
    throw new TrainingInputError(source, `damaged gzip data (${(error as Error).message})`);
  }
  try {
    return decodeSupernetCheckpoint(raw, source);
  } catch (error) {
    throw new TrainingInputError(source, (error as Error).message);
  }
}

/** The supernet tasks a child process runs for the search activities (training-child.ts): train, score, Zero-Cost-PT. */
export type SupernetTask =
  | ({
      kind: 'supernet-train';
      data: SupernetDataRequest;
      teacher?: { checkpoint: Checkpoint; source: string };
      /** An epoch checkpoint of this training (stored bytes with its state): continue from it. */
      resumeFrom?: { bytes: Uint8Array; source: string };
      /** Test hook: fail (as a killed worker would) once an epoch ending at or after this step is checkpointed. */
      failAfterStep?: number;
    } & SupernetShapeRequest &
      SupernetRecipe)
  | ({ kind: 'supernet-score'; data: SupernetDataRequest; supernet: Uint8Array; source: string; paths: BlockOperator[][] } & ScoreSettings)
  | ({
      kind: 'supernet-zero-cost-pt';
      data: SupernetDataRequest;
      /** A trained supernet (then the choice is scored on it too), or the shape of an untrained one. */
      supernet: { stored: Uint8Array; source: string; scoring: ScoreSettings } | { untrained: SupernetShapeRequest };
    } & { batch: number; seed: number });

export type SupernetTaskEvent =
  | { type: 'train'; event: SupernetTrainProgress }
  /** After each epoch: the supernet with its training state, to store (a retried attempt resumes from it). */
  | { type: 'checkpoint'; epoch: number; step: number; bytes: Uint8Array }
  | { type: 'scored'; done: number; total: number }
  /** Images of an image-folder data set decoded so far (a first run decodes; later ones read the cache). */
  | { type: 'data'; done: number; total: number };

export type SupernetTaskResult =
  | {
      kind: 'supernet-train';
      /** The last epoch's checkpoint: stored bytes of the supernet with its training state. */
      supernet: Uint8Array;
      result: SupernetTrainResult;
      backend: string;
      /** The step this run resumed from (null: from the start). */
      resumedFrom: number | null;
    }
  | { kind: 'supernet-score'; scores: PathScore[] }
  | { kind: 'supernet-zero-cost-pt'; choice: ZeroCostPtChoice; accuracy?: number };

/** Runs one task (in the child process; also callable in-process). */
export async function runSupernetTask(
  task: SupernetTask,
  callbacks: { signal?: AbortSignal; onEvent?: (event: SupernetTaskEvent) => void } = {},
): Promise<SupernetTaskResult> {
  const backend = await ensureBackend();
  const onEvent = callbacks.onEvent;
  const data = await loadTrainingData(task.data, onEvent ? { onProgress: (done, total) => onEvent({ type: 'data', done, total }) } : {});
  if (task.kind === 'supernet-train') {
    const resumed = task.resumeFrom ? await decodeStoredSupernetCheckpoint(task.resumeFrom.bytes, task.resumeFrom.source) : undefined;
    if (resumed && !resumed.state) {
      resumed.supernet.dispose();
      throw new TrainingInputError(task.resumeFrom!.source, 'holds no training state to resume from');
    }
    const supernet = resumed?.supernet ?? (await createSupernet(task, data, task.teacher));
    const stepsPerEpoch = Math.floor(data.train.count / task.batch);
    // The result is the last epoch's checkpoint (with its state): the bytes the parent stored, so a
    // retry that finds them resumes to nothing and answers the same bytes.
    let last = task.resumeFrom?.bytes;
    try {
      const result = await trainSupernetWithRecipe(supernet, data, task, {
        ...(callbacks.signal ? { signal: callbacks.signal } : {}),
        onProgress: (event) => callbacks.onEvent?.({ type: 'train', event: { ...event } }),
        onEpochEnd: async (state) => {
          const bytes = await encodeStoredSupernet(supernet, state);
          last = bytes;
          const step = state.epoch * stepsPerEpoch;
          callbacks.onEvent?.({ type: 'checkpoint', epoch: state.epoch, step, bytes });
          if (task.failAfterStep !== undefined && step >= task.failAfterStep && state.epoch < task.epochs)
            throw new InjectedFault(`fault injected after step ${step}`);
        },
        ...(resumed?.state ? { resumeFrom: resumed.state } : {}),
      });
      return {
        kind: task.kind,
        supernet: last!,
        result,
        backend: backend.name,
        resumedFrom: resumed?.state ? resumed.state.epoch * stepsPerEpoch : null,
      };
    } finally {
      supernet.dispose();
      if (resumed?.state) await disposeState(resumed.state);
    }
  }
  if (task.kind === 'supernet-zero-cost-pt') {
    const spec = task.supernet;
    const supernet = 'stored' in spec ? await decodeStoredSupernet(spec.stored, spec.source) : await createSupernet(spec.untrained, data);
    try {
      const choice = await selectPathByZeroCostPt(supernet, data, task);
      if (!('stored' in spec)) return { kind: task.kind, choice };
      const [scored] = await scoreSupernetPaths(supernet, [choice.operators], data, spec.scoring);
      return { kind: task.kind, choice, accuracy: scored!.accuracy };
    } finally {
      supernet.dispose();
    }
  }
  const supernet = await decodeStoredSupernet(task.supernet, task.source);
  try {
    const scores = await scoreSupernetPaths(supernet, task.paths, data, task, {
      ...(callbacks.signal ? { signal: callbacks.signal } : {}),
      onPath: (done, total) => callbacks.onEvent?.({ type: 'scored', done, total }),
    });
    return { kind: task.kind, scores };
  } finally {
    supernet.dispose();
  }
}
