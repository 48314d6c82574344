/**
 * Run resolution: the options of one `train` call checked against the model and the data and
 * turned into the numbers the loop needs (method, loss weights, steps), and where the run starts —
 * a fresh seeded state, or the exact state of a checkpoint being resumed.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { CheckpointError, assertCheckpoint, loadModelWeights, loadOptimizerState } from '../checkpoint/index.js';
import { Rng, mixSeed } from '../data/rng.js';
import type { DistillOptions } from '../distill/index.js';
import { backendName, inputShape } from './evaluate.js';
import { initializeWeights } from './init.js';
import type { OptimizerSpec } from './optimizer.js';
import type { LrSchedule } from './schedule.js';
import type { TrainMethod, TrainOptions } from './types.js';

export interface RunPlan {
  method: TrainMethod;
  epochs: number;
  batchSize: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** The model's input channels (batches are built with this many). */
  channels: number;
  /** KD / NOS teacher (inference mode, no gradient). */
  teacher: tfl.LayersModel | undefined;
  alpha: number;
  temperature: number;
  lambdaOp: number;
  labelSmoothing: number;
  weightDecay: number;
  optimizerSpec: OptimizerSpec;
  schedule: LrSchedule;
  /** Pixel normalisation after scaling to [0, 1] (undefined: nos' default). */
  normalize: { mean: number | number[] | undefined; std: number | number[] | undefined };
  /** Threads computing each step's gradients (1: the loop's own; see replicas.ts). */
  replicas: number;
}

/** Where the loop stands: what a checkpoint stores besides weights and optimizer state. */
export interface RunPosition {
  rng: Rng;
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  /** Sums over the current epoch's steps so far. */
  sums: { loss: number; correct: number; seen: number };
}

function positive(name: string, v: number, integer: boolean): number {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new RangeError(`train: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return v;
}

/** Checks the options against the model, the data and the teacher; throws a RangeError naming what is wrong. */
export function planRun(model: tfl.LayersModel, options: TrainOptions): RunPlan {
  const data = options.train;
  const epochs = positive('epochs', options.epochs, true);
  const batchSize = positive('batchSize', options.batchSize ?? 64, true);
  positive('learningRate', options.learningRate, false);
  if (options.distill !== undefined && options.nos !== undefined) throw new RangeError('train: give either distill (KD) or nos, not both');
  const method: TrainMethod = options.nos !== undefined ? 'nos' : options.distill !== undefined ? 'kd' : 'scratch';
  const teacherOpts: DistillOptions | undefined = options.nos ?? options.distill;
  const { h, w, c } = inputShape(model);
  if (h !== data.height || w !== data.width) {
    throw new RangeError(`train: the model takes ${h}×${w} images, the data set ${data.name} has ${data.height}×${data.width}`);
  }
  if (data.count < batchSize) throw new RangeError(`train: ${data.count} training images are fewer than one batch of ${batchSize}`);
  const stepsPerEpoch = Math.floor(data.count / batchSize);
  const replicas = checkReplicas(options, method, batchSize);

  const teacher = teacherOpts?.teacher;
  if (teacher !== undefined) {
    const t = inputShape(teacher);
    if (t.h !== h || t.w !== w || t.c !== c)
      throw new RangeError(`train: teacher input ${t.h}×${t.w}×${t.c} differs from the student's ${h}×${w}×${c}`);
  }
  if (options.nos !== undefined) {
    const ns = model.outputs.length - 1;
    const nt = options.nos.teacher.outputs.length - 1;
    if (ns === 0 || ns !== nt) {
      throw new RangeError(
        `train: NOS needs student and teacher models with the same number of tap outputs (student ${ns}, teacher ${nt}); build both with taps`,
      );
    }
    model.outputs.slice(1).forEach((o, i) => {
      const to = options.nos!.teacher.outputs[i + 1]!;
      if (o.shape.join() !== to.shape.join())
        throw new RangeError(`train: NOS tap ${i}: student shape [${o.shape.join(', ')}] differs from teacher's [${to.shape.join(', ')}]`);
    });
  }
  return {
    method,
    epochs,
    batchSize,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * epochs,
    channels: c,
    teacher,
    alpha: teacherOpts?.alpha ?? 0.5,
    temperature: teacherOpts?.temperature ?? 4,
    lambdaOp: options.nos?.lambdaOp ?? 1,
    labelSmoothing: options.labelSmoothing ?? 0,
    weightDecay: options.weightDecay ?? 0,
    optimizerSpec: options.optimizer ?? { kind: 'sgd', momentum: 0.9 },
    schedule: options.schedule ?? { kind: 'constant' },
    normalize: { mean: options.normalize?.mean, std: options.normalize?.std },
    replicas,
  };
}

/** Data-parallel replicas build their model from the spec and have no teacher (see replicas.ts). */
function checkReplicas(options: TrainOptions, method: TrainMethod, batchSize: number): number {
  const replicas = positive('replicas', options.replicas ?? 1, true);
  if (replicas === 1) return 1;
  if (!('spec' in options.model))
    throw new RangeError('train: replicas > 1 needs the model as { spec } (each replica thread builds its own copy)');
  if (method !== 'scratch')
    throw new RangeError(
      `train: replicas > 1 trains from scratch only; method ${method} needs its teacher in every replica (not supported yet)`,
    );
  if (batchSize < replicas)
    throw new RangeError(`train: replicas ${replicas} exceed the batch size ${batchSize} (each replica needs one image)`);
  if (backendName() === 'tfjs-node')
    throw new RangeError('train: replicas > 1 is for the wasm and cpu backends (tfjs-node already uses every core)');
  return replicas;
}

/**
 * The run's starting point. Resuming restores the weights, the optimizer state, the Rng and the
 * position of the checkpoint, which must come from a run with the same seed and step counts;
 * otherwise the Rng starts from the seed and, with `reinitialize`, so do the weights.
 */
export async function startPosition(
  model: tfl.LayersModel,
  options: TrainOptions,
  plan: RunPlan,
  optimizer: tf.Optimizer,
): Promise<RunPosition> {
  const { seed } = options;
  if (options.resumeFrom === undefined) {
    if (options.reinitialize === true) initializeWeights(model, mixSeed(seed, 0x696e6974));
    return {
      rng: Rng.fromSeed(mixSeed(seed, 0x7261696e)),
      epoch: 0,
      stepInEpoch: 0,
      globalStep: 0,
      sums: { loss: 0, correct: 0, seen: 0 },
    };
  }
  const ck = options.resumeFrom;
  assertCheckpoint(ck);
  if (ck.seed !== seed || ck.stepsPerEpoch !== plan.stepsPerEpoch || ck.totalSteps !== plan.totalSteps) {
    throw new CheckpointError(
      'resumeFrom',
      `checkpoint (seed ${ck.seed}, ${ck.stepsPerEpoch} steps/epoch, ${ck.totalSteps} steps) does not match this run (seed ${seed}, ${plan.stepsPerEpoch} steps/epoch, ${plan.totalSteps} steps)`,
    );
  }
  loadModelWeights(model, ck.weights);
  await loadOptimizerState(optimizer, plan.optimizerSpec.kind, ck.optimizer);
  return { rng: Rng.fromState(ck.rng), epoch: ck.epoch, stepInEpoch: ck.step, globalStep: ck.globalStep, sums: { ...ck.epochSums } };
}
