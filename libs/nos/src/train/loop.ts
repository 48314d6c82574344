/**
 * The training loop: a custom step with `tf.variableGrads`, seeded shuffling and augmentation,
 * learning-rate schedules, weight decay, label smoothing, evaluation, knowledge distillation and
 * NOS, progress events, checkpoints and AbortSignal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';

import {
  type Checkpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  assertCheckpoint,
  encodeModelWeights,
  encodeOptimizerState,
  loadModelWeights,
  loadOptimizerState,
} from '../checkpoint/index.js';
import { type AugmentOptions, makeBatch } from '../data/batch.js';
import type { ImageDataset } from '../data/dataset.js';
import { Rng, mixSeed, shuffledIndices } from '../data/rng.js';
import { type DistillOptions, type NosOptions, distillationLoss, operatorLoss } from '../distill/index.js';
import { type InitScheme, type TapMode, initializeFromTeacher, modelFromSpec } from './from-spec.js';
import { initializeWeights } from './init.js';
import { countCorrect, crossEntropy } from './losses.js';
import { type OptimizerSpec, createOptimizer, setLearningRate } from './optimizer.js';
import { type LrSchedule, annealFactor, learningRateAt } from './schedule.js';

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

/** The tfjs backend name as the project reports it. */
export function backendName(): string {
  const b = tf.getBackend();
  return b === 'tensorflow' ? 'tfjs-node' : b;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('training aborted', 'AbortError');
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function outputsOf(model: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

function inputShape(model: tfl.LayersModel): { h: number; w: number; c: number } {
  const s = model.inputs[0]?.shape;
  if (s === undefined || s.length !== 4) throw new RangeError('the model must take one NHWC image input');
  return { h: s[1] ?? -1, w: s[2] ?? -1, c: s[3] ?? -1 };
}

function positive(name: string, v: number, integer: boolean): number {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new RangeError(`train: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return v;
}

/** Evaluates a model (output 0 = logits) on a data set: mean cross-entropy and accuracy. */
export async function evaluate(
  model: tfl.LayersModel,
  data: ImageDataset,
  options: {
    batchSize?: number;
    normalize?: TrainOptions['normalize'];
    signal?: AbortSignal;
    onBatch?: (done: number, total: number) => void;
  } = {},
): Promise<{ loss: number; accuracy: number }> {
  const { c } = inputShape(model);
  const bs = options.batchSize ?? 256;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += bs) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const idx = Array.from({ length: Math.min(bs, data.count - start) }, (_, i) => start + i);
    const batch = makeBatch(data, idx, { channels: c, mean: options.normalize?.mean, std: options.normalize?.std });
    const [l, k] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
      const y = tf.tensor1d(batch.y, 'int32');
      const logits = outputsOf(model, x, false)[0] as tf.Tensor2D;
      return [tf.mul(crossEntropy(logits, y), batch.n), countCorrect(logits, y)];
    });
    lossSum += (await l!.data())[0]!;
    correct += (await k!.data())[0]!;
    tf.dispose([l!, k!]);
    options.onBatch?.(start + batch.n, data.count);
    await yieldToEventLoop();
  }
  return { loss: lossSum / Math.max(1, data.count), accuracy: correct / Math.max(1, data.count) };
}

/**
 * Trains `options.model` in place and returns plain data.
 *
 * Determinism: the epoch order is a Fisher–Yates shuffle seeded by (seed, epoch); augmentation and
 * dropout masks draw from one Rng seeded by `seed` whose state is in every checkpoint (dropout
 * layers get a fresh seed from it before every step). Model initialisation is seeded by the
 * builder's `seed` (`modelFromSpec`) or by `reinitialize`. On one backend, the same options give
 * the same weights, and a run resumed from a checkpoint reaches the same final weights as an
 * uninterrupted one.
 *
 * Abort: the signal is checked between steps; an aborted run throws an `AbortError` and emits no
 * further checkpoint, so the last one handed to `onCheckpoint` stays valid.
 */
export async function train(options: TrainOptions, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const { seed } = options;
  const fromSpec = !('layers' in options.model);
  const model: tfl.LayersModel =
    'spec' in options.model
      ? modelFromSpec(options.model.spec, {
          seed,
          taps: options.model.taps ?? (options.nos !== undefined ? 'operator' : 'none'),
          ...(options.model.init === undefined ? {} : { init: options.model.init }),
        }).model
      : options.model;
  try {
    if (fromSpec && options.nos !== undefined && options.resumeFrom === undefined) initializeFromTeacher(options.nos.teacher, model);
    return await trainModel(model, options, callbacks, t0);
  } finally {
    if (fromSpec) model.dispose();
  }
}

async function trainModel(model: tfl.LayersModel, options: TrainOptions, callbacks: TrainCallbacks, t0: number): Promise<TrainResult> {
  const { train: data, seed } = options;
  const { onProgress, onCheckpoint, signal } = callbacks;
  const epochs = positive('epochs', options.epochs, true);
  const batchSize = positive('batchSize', options.batchSize ?? 64, true);
  positive('learningRate', options.learningRate, false);
  if (options.distill !== undefined && options.nos !== undefined) throw new RangeError('train: give either distill (KD) or nos, not both');
  const method: TrainMethod = options.nos !== undefined ? 'nos' : options.distill !== undefined ? 'kd' : 'scratch';
  const teacherOpts: DistillOptions | undefined = options.nos ?? options.distill;
  const alpha = teacherOpts?.alpha ?? 0.5;
  const temperature = teacherOpts?.temperature ?? 4;
  const lambdaOp = options.nos?.lambdaOp ?? 1;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const optimizerSpec: OptimizerSpec = options.optimizer ?? { kind: 'sgd', momentum: 0.9 };
  const schedule: LrSchedule = options.schedule ?? { kind: 'constant' };
  const { h, w, c } = inputShape(model);
  if (h !== data.height || w !== data.width) {
    throw new RangeError(`train: the model takes ${h}×${w} images, the data set ${data.name} has ${data.height}×${data.width}`);
  }
  if (data.count < batchSize) throw new RangeError(`train: ${data.count} training images are fewer than one batch of ${batchSize}`);
  const stepsPerEpoch = Math.floor(data.count / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const normalize = { mean: options.normalize?.mean, std: options.normalize?.std };

  const optimizer = createOptimizer(optimizerSpec, options.learningRate);
  let rng = Rng.fromSeed(mixSeed(seed, 0x7261696e));
  let epoch = 0;
  let stepInEpoch = 0;
  let globalStep = 0;
  let sums = { loss: 0, correct: 0, seen: 0 };
  if (options.resumeFrom !== undefined) {
    const ck = options.resumeFrom;
    assertCheckpoint(ck);
    if (ck.seed !== seed || ck.stepsPerEpoch !== stepsPerEpoch || ck.totalSteps !== totalSteps) {
      throw new CheckpointError(
        'resumeFrom',
        `checkpoint (seed ${ck.seed}, ${ck.stepsPerEpoch} steps/epoch, ${ck.totalSteps} steps) does not match this run (seed ${seed}, ${stepsPerEpoch} steps/epoch, ${totalSteps} steps)`,
      );
    }
    loadModelWeights(model, ck.weights);
    await loadOptimizerState(optimizer, optimizerSpec.kind, ck.optimizer);
    rng = Rng.fromState(ck.rng);
    epoch = ck.epoch;
    stepInEpoch = ck.step;
    globalStep = ck.globalStep;
    sums = { ...ck.epochSums };
  } else if (options.reinitialize === true) {
    initializeWeights(model, mixSeed(seed, 0x696e6974));
  }

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

  const trainable = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const decayed = new Set(trainable.filter((v) => v.shape.length >= 2).map((v) => v.name));
  const dropoutLayers = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as Array<{ seed?: number }>;

  const makeCheckpoint = async (): Promise<Checkpoint> => ({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    seed,
    epoch,
    step: stepInEpoch,
    globalStep,
    totalSteps,
    stepsPerEpoch,
    rng: rng.getState(),
    epochSums: { ...sums },
    weights: encodeModelWeights(model),
    optimizer: await encodeOptimizerState(optimizerSpec.kind, optimizer),
    ...(options.meta === undefined ? {} : { meta: options.meta }),
  });
  const emitCheckpoint = async (): Promise<Checkpoint> => {
    const ck = await makeCheckpoint();
    await onCheckpoint?.(ck);
    onProgress?.({ type: 'checkpoint', epoch, step: stepInEpoch, globalStep });
    return ck;
  };

  const backend = backendName();
  onProgress?.({ type: 'start', backend, epochs, stepsPerEpoch, totalSteps, startStep: globalStep, method });
  const history: EpochMetrics[] = [];
  let trainMs = 0;
  let imagesThisCall = 0;
  let epochStart = performance.now();
  let epochImages = 0;
  let epochMs = 0;
  let last: EpochMetrics | undefined;
  let finalCheckpoint: Checkpoint | undefined;

  try {
    while (globalStep < totalSteps) {
      await yieldToEventLoop();
      if (signal?.aborted) throw abortError(signal);
      const order = shuffledIndices(data.count, Rng.fromSeed(mixSeed(seed, epoch, 0x73687566)));
      const st = performance.now();
      const batch = makeBatch(data, order.subarray(stepInEpoch * batchSize, (stepInEpoch + 1) * batchSize), {
        channels: c,
        augment: options.augment,
        rng,
        ...normalize,
      });
      for (const d of dropoutLayers) d.seed = rng.nextUint32();
      const lr = learningRateAt(schedule, options.learningRate, globalStep, totalSteps, stepsPerEpoch);
      setLearningRate(optimizer, lr);
      const scaffold = options.nos !== undefined ? annealFactor(options.nos.anneal ?? {}, globalStep, totalSteps) : 0;
      const opWeight = lambdaOp * scaffold;

      const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
      const y = tf.tensor1d(batch.y, 'int32');
      const teacherOut = teacher !== undefined ? tf.tidy(() => outputsOf(teacher, x, false)) : [];
      const parts: { task?: tf.Scalar; kd?: tf.Scalar; op?: tf.Scalar; correct?: tf.Scalar } = {};
      const { value, grads } = tf.variableGrads(() => {
        const outs = outputsOf(model, x, true);
        const logits = outs[0] as tf.Tensor2D;
        const task = crossEntropy(logits, y, labelSmoothing);
        parts.task = tf.keep(task);
        parts.correct = tf.keep(countCorrect(logits, y));
        let loss: tf.Scalar = task;
        if (teacher !== undefined) {
          const kd = distillationLoss(logits, teacherOut[0] as tf.Tensor2D, temperature);
          parts.kd = tf.keep(kd);
          loss = tf.add(tf.mul(task, 1 - alpha), tf.mul(kd, alpha));
        }
        if (options.nos !== undefined && opWeight > 0) {
          const op = operatorLoss(outs.slice(1), teacherOut.slice(1));
          parts.op = tf.keep(op);
          loss = tf.add(loss, tf.mul(op, opWeight));
        }
        return loss;
      }, trainable);
      const update = tf.tidy(() => {
        const g: tf.NamedTensorMap = {};
        for (const v of trainable) {
          const grad = grads[v.name];
          if (grad === undefined) continue;
          g[v.name] = weightDecay > 0 && decayed.has(v.name) ? tf.add(grad, tf.mul(v, weightDecay)) : grad;
        }
        return g;
      });
      optimizer.applyGradients(update);
      const [lossV, taskV, kdV, opV, correctV] = await Promise.all(
        [value, parts.task, parts.kd, parts.op, parts.correct].map(async (t) => (t === undefined ? undefined : (await t.data())[0]!)),
      );
      tf.dispose([x, y, value, ...teacherOut, ...Object.values(grads), ...Object.values(update), ...Object.values(parts)]);
      const ms = performance.now() - st;
      trainMs += ms;
      epochMs += ms;
      imagesThisCall += batch.n;
      epochImages += batch.n;
      if (!Number.isFinite(lossV!))
        throw new RangeError(`train: the loss became ${lossV} at step ${globalStep} (learning rate ${lr}); lower the learning rate`);
      sums.loss += lossV! * batch.n;
      sums.correct += correctV!;
      sums.seen += batch.n;
      onProgress?.({
        type: 'step',
        epoch,
        step: stepInEpoch,
        globalStep,
        totalSteps,
        loss: lossV!,
        taskLoss: taskV!,
        ...(kdV === undefined ? {} : { distillLoss: kdV }),
        ...(options.nos === undefined ? {} : { operatorLoss: opV ?? 0, scaffoldWeight: opWeight }),
        learningRate: lr,
        batchAccuracy: correctV! / batch.n,
        imagesPerSec: (batch.n * 1000) / Math.max(1e-3, ms),
      });
      globalStep++;
      stepInEpoch++;

      if (stepInEpoch === stepsPerEpoch) {
        const metrics: EpochMetrics = { epoch, trainLoss: sums.loss / sums.seen, trainAccuracy: sums.correct / sums.seen };
        const isLast = globalStep === totalSteps;
        if (options.test !== undefined && ((options.evalEvery ?? 'epoch') === 'epoch' || isLast)) {
          const onBatch = (done: number, total: number) => onProgress?.({ type: 'evaluate', epoch, done, total });
          const r = await evaluate(model, options.test, { batchSize: options.evalBatchSize, normalize, signal, onBatch });
          metrics.testLoss = r.loss;
          metrics.testAccuracy = r.accuracy;
        }
        history.push(metrics);
        last = metrics;
        onProgress?.({
          type: 'epoch',
          ...metrics,
          seconds: (performance.now() - epochStart) / 1000,
          imagesPerSec: (epochImages * 1000) / Math.max(1e-3, epochMs),
        });
        epoch++;
        stepInEpoch = 0;
        sums = { loss: 0, correct: 0, seen: 0 };
        epochStart = performance.now();
        epochImages = 0;
        epochMs = 0;
        const ck = await emitCheckpoint();
        if (isLast) finalCheckpoint = ck;
      } else if (options.checkpointEvery !== undefined && globalStep % options.checkpointEvery === 0) {
        await emitCheckpoint();
      }
    }
    finalCheckpoint ??= await makeCheckpoint();
  } finally {
    optimizer.dispose();
  }

  let testAccuracy = last?.testAccuracy ?? null;
  let testLoss = last?.testLoss ?? null;
  if (last === undefined && options.test !== undefined) {
    // Resumed from the final checkpoint: nothing left to train, evaluate the restored model.
    const r = await evaluate(model, options.test, { batchSize: options.evalBatchSize, normalize, signal });
    testAccuracy = r.accuracy;
    testLoss = r.loss;
  }
  return {
    method,
    backend,
    epochs,
    steps: globalStep,
    testAccuracy,
    testLoss,
    trainLoss: last?.trainLoss ?? Number.NaN,
    trainAccuracy: last?.trainAccuracy ?? Number.NaN,
    trainImagesPerSec: (imagesThisCall * 1000) / Math.max(1e-3, trainMs),
    seconds: (performance.now() - t0) / 1000,
    history,
    checkpoint: finalCheckpoint,
  };
}
