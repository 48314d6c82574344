/**
 * The training loop: seeded shuffling and augmentation, learning-rate schedule and scaffold weight
 * per step, per-epoch bookkeeping and evaluation, progress events, checkpoints and AbortSignal.
 * What a run is (run-plan.ts), one optimizer step (step.ts) and evaluation (evaluate.ts) live
 * beside it; the options, events and result types in types.ts.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type Checkpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, encodeModelWeights, encodeOptimizerState } from '../checkpoint/index.js';
import { makeBatch } from '../data/batch.js';
import { Rng, mixSeed, shuffledIndices } from '../data/rng.js';
import { dropoutLayers } from './dropout-seeds.js';
import { abortError, backendName, evaluate, yieldToEventLoop } from './evaluate.js';
import { DEFAULT_INIT, initializeFromTeacher, modelFromSpec, nosTapMode } from './from-spec.js';
import { createOptimizer, setLearningRate } from './optimizer.js';
import { planRun, startPosition } from './run-plan.js';
import { annealFactor, learningRateAt } from './schedule.js';
import { ReplicaPool } from './replicas.js';
import { trainStep } from './step.js';
import type { EpochMetrics, TrainCallbacks, TrainOptions, TrainResult } from './types.js';

export type { EpochMetrics, TrainCallbacks, TrainMethod, TrainOptions, TrainProgress, TrainResult } from './types.js';
export { backendName, evaluate } from './evaluate.js';

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
          taps: options.model.taps ?? (options.nos !== undefined ? nosTapMode(options.model.spec) : 'none'),
          ...(options.model.init === undefined ? {} : { init: options.model.init }),
        }).model
      : options.model;
  try {
    if (fromSpec && options.nos !== undefined && options.resumeFrom === undefined)
      initializeFromTeacher(options.nos.teacher, model, options.nos.fuseInit);
    return await trainModel(model, options, callbacks, t0);
  } finally {
    if (fromSpec) model.dispose();
  }
}

async function trainModel(model: tfl.LayersModel, options: TrainOptions, callbacks: TrainCallbacks, t0: number): Promise<TrainResult> {
  const { train: data, seed } = options;
  const { onProgress, onCheckpoint, signal } = callbacks;
  const plan = planRun(model, options);
  const { method, epochs, batchSize, stepsPerEpoch, totalSteps, normalize } = plan;
  const optimizer = createOptimizer(plan.optimizerSpec, options.learningRate);
  const position = await startPosition(model, options, plan, optimizer).catch((error: unknown) => {
    optimizer.dispose();
    throw error;
  });
  const { rng } = position;
  let { epoch, stepInEpoch, globalStep, sums } = position;

  const pool = await startReplicas(model, options, plan).catch((error: unknown) => {
    optimizer.dispose();
    throw error;
  });

  const trainable = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const stepModel = {
    model,
    optimizer,
    trainable,
    decayed: new Set(trainable.filter((v) => v.shape.length >= 2).map((v) => v.name)),
    nos: options.nos !== undefined,
  };
  const dropouts = dropoutLayers(model);

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
    optimizer: await encodeOptimizerState(plan.optimizerSpec.kind, optimizer),
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
      // Draws from the run's Rng in a fixed order (augmentation, then dropout seeds): a resumed run
      // continues the same stream from the checkpoint's Rng state.
      const batch = makeBatch(data, order.subarray(stepInEpoch * batchSize, (stepInEpoch + 1) * batchSize), {
        channels: plan.channels,
        augment: options.augment,
        rng,
        ...normalize,
      });
      const dropoutSeeds = dropouts.map((d) => (d.seed = rng.nextUint32()));
      const lr = learningRateAt(plan.schedule, options.learningRate, globalStep, totalSteps, stepsPerEpoch);
      setLearningRate(optimizer, lr);
      const scaffold = options.nos !== undefined ? annealFactor(options.nos.anneal ?? {}, globalStep, totalSteps) : 0;
      const opWeight = plan.lambdaOp * scaffold;

      const step =
        pool === undefined
          ? await trainStep(stepModel, plan, batch, opWeight)
          : await pool.step(stepModel, plan, batch, opWeight, dropoutSeeds);
      const ms = performance.now() - st;
      trainMs += ms;
      epochMs += ms;
      imagesThisCall += batch.n;
      epochImages += batch.n;
      if (!Number.isFinite(step.loss))
        throw new RangeError(`train: the loss became ${step.loss} at step ${globalStep} (learning rate ${lr}); lower the learning rate`);
      sums.loss += step.loss * batch.n;
      sums.correct += step.correct;
      sums.seen += batch.n;
      onProgress?.({
        type: 'step',
        epoch,
        step: stepInEpoch,
        globalStep,
        totalSteps,
        loss: step.loss,
        taskLoss: step.taskLoss,
        ...(step.distillLoss === undefined ? {} : { distillLoss: step.distillLoss }),
        ...(options.nos === undefined ? {} : { operatorLoss: step.operatorLoss ?? 0, scaffoldWeight: opWeight }),
        learningRate: lr,
        batchAccuracy: step.correct / batch.n,
        imagesPerSec: (batch.n * 1000) / Math.max(1e-3, ms),
      });
      globalStep++;
      stepInEpoch++;

      if (stepInEpoch === stepsPerEpoch) {
        const metrics: EpochMetrics = { epoch, trainLoss: sums.loss / sums.seen, trainAccuracy: sums.correct / sums.seen };
        const isLast = globalStep === totalSteps;
        if (options.test !== undefined && ((options.evalEvery ?? 'epoch') === 'epoch' || isLast)) {
          const onBatch = (done: number, total: number) => onProgress?.({ type: 'evaluate', epoch, done, total });
          const evalOptions = { batchSize: options.evalBatchSize, normalize, signal, onBatch };
          const r =
            pool === undefined ? await evaluate(model, options.test, evalOptions) : await pool.evaluate(model, options.test, evalOptions);
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
    await pool?.close();
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
    replicas: plan.replicas,
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

/** The replica threads of a data-parallel run (`replicas` > 1, checked by planRun), or none. */
async function startReplicas(
  model: tfl.LayersModel,
  options: TrainOptions,
  plan: ReturnType<typeof planRun>,
): Promise<ReplicaPool | undefined> {
  if (plan.replicas === 1 || !('spec' in options.model)) return undefined;
  const backend = backendName();
  return ReplicaPool.start(
    {
      replicas: plan.replicas,
      backend: backend === 'tfjs-node' ? 'tfjs-node' : backend === 'wasm' ? 'wasm' : 'cpu',
      spec: options.model.spec,
      taps: options.model.taps ?? 'none',
      init: options.model.init ?? DEFAULT_INIT,
      seed: options.seed,
      plan: { labelSmoothing: plan.labelSmoothing, alpha: plan.alpha, temperature: plan.temperature },
    },
    model.weights.map((w) => [...w.shape] as number[]),
  );
}
