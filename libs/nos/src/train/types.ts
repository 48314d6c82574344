/** The training loop's options, progress events and result (loop.ts runs them). */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';

import type { Checkpoint } from '../checkpoint/index.js';
import type { AugmentOptions } from '../data/batch.js';
import type { ImageDataset } from '../data/dataset.js';
import type { DistillOptions, NosOptions } from '../distill/index.js';
import type { InitScheme, TapMode } from './from-spec.js';
import type { OptimizerSpec } from './optimizer.js';
import type { LrSchedule } from './schedule.js';

export interface TrainOptions {
  /**
   * The model to train, in place: a `tf.LayersModel` whose output 0 is the logits (any further
   * outputs are taps, block or operator outputs used by NOS), or a fuseconv spec, which `train`
   * builds with `modelFromSpec(spec, { seed, taps, init })` (taps default to `operator` with `nos`,
   * else none; init to `DEFAULT_INIT`, PyTorch's layer defaults), trains, and disposes (its weights are in the result's checkpoint). A NOS student built
   * from a spec is initialised from the teacher (`initializeFromTeacher`) unless resuming.
   */
  model: tfl.LayersModel | { spec: NetworkSpec; taps?: TapMode; init?: InitScheme };
  /**
   * Redraw all weights from the run's seed before training (see `initializeWeights`). Default
   * false: models from `modelFromSpec` are already seeded by the builder, and a student initialised
   * from its teacher must keep those weights. Ignored when resuming.
   */
  reinitialize?: boolean;
  train: ImageDataset;
  /** Evaluated after every epoch (`evalEvery: 'epoch'`, default) or only at the end. */
  test?: ImageDataset;
  evalEvery?: 'epoch' | 'end';
  epochs: number;
  /** Default 64. Each epoch runs ⌊count / batchSize⌋ steps (the last partial batch is dropped). */
  batchSize?: number;
  evalBatchSize?: number;
  seed: number;
  /** Default SGD with momentum 0.9. */
  optimizer?: OptimizerSpec;
  learningRate: number;
  /** Default constant. */
  schedule?: LrSchedule;
  /** L2 weight decay added to the gradients of kernels (weights of rank ≥ 2), default 0. */
  weightDecay?: number;
  labelSmoothing?: number;
  augment?: AugmentOptions;
  /** Pixel normalisation after scaling to [0, 1] (default mean 0.5, std 0.5). */
  normalize?: { mean?: number | number[]; std?: number | number[] };
  /** Logit distillation from a teacher (`method: kd`). */
  distill?: DistillOptions;
  /** NOS: logit distillation plus annealed operator distillation via the models' taps. */
  nos?: NosOptions;
  /**
   * Data parallelism: threads that compute each step's gradients on shards of the batch (default 1;
   * `replicas.ts`). Up to the machine's cores, a step takes about 1/replicas of the time. Changes the
   * result (BatchNorm statistics per shard), so it is part of what a run is. Needs the model as
   * `{ spec }` and method scratch.
   */
  replicas?: number;
  /** Continue a run from a checkpoint of the same options. */
  resumeFrom?: Checkpoint;
  /** Emit a checkpoint every this many steps as well as at the end of every epoch. */
  checkpointEvery?: number;
  /** Free-form data copied into every checkpoint. */
  meta?: Record<string, unknown>;
}

export type TrainProgress =
  | { type: 'start'; backend: string; epochs: number; stepsPerEpoch: number; totalSteps: number; startStep: number; method: TrainMethod }
  | {
      type: 'step';
      epoch: number;
      step: number;
      globalStep: number;
      totalSteps: number;
      loss: number;
      taskLoss: number;
      distillLoss?: number;
      operatorLoss?: number;
      scaffoldWeight?: number;
      learningRate: number;
      batchAccuracy: number;
      imagesPerSec: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      trainLoss: number;
      trainAccuracy: number;
      testLoss?: number;
      testAccuracy?: number;
      seconds: number;
      imagesPerSec: number;
    }
  | { type: 'checkpoint'; epoch: number; step: number; globalStep: number }
  /** After every batch of an evaluation on the test set (a sign of life between steps). */
  | { type: 'evaluate'; epoch: number; done: number; total: number };

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
}

export interface TrainCallbacks {
  onProgress?: (event: TrainProgress) => void;
  /** Receives each checkpoint; awaited before training continues. */
  onCheckpoint?: (checkpoint: Checkpoint) => void | Promise<void>;
  signal?: AbortSignal;
}

export type TrainMethod = 'scratch' | 'kd' | 'nos';

export interface TrainResult {
  method: TrainMethod;
  backend: string;
  /** Threads that computed the gradients (`TrainOptions.replicas`). */
  replicas: number;
  epochs: number;
  steps: number;
  /** Test accuracy after the last epoch (null without a test set). */
  testAccuracy: number | null;
  testLoss: number | null;
  /** Mean training loss (the full objective) of the last epoch. */
  trainLoss: number;
  trainAccuracy: number;
  /** Training images per second over the steps run in this call (evaluation excluded). */
  trainImagesPerSec: number;
  /** Wall time of this call in seconds. */
  seconds: number;
  history: EpochMetrics[];
  /** The final state; `loadModelWeights(model, checkpoint.weights)` restores the trained model. */
  checkpoint: Checkpoint;
}
