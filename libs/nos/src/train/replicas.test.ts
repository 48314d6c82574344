/**
 * Data-parallel training (replicas.ts) on the wasm backend with a real replica thread: one step is
 * exactly the shard-weighted mean of the shards' gradients computed in one thread (reproduced here
 * from the loop's parts), runs are deterministic and resume bitwise, and bad options are refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork, type NetworkSpec } from '@fuselab/fuseconv';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { selectBackend } from '../backend/select.js';
import { type Checkpoint, loadModelWeights } from '../checkpoint/index.js';
import { makeBatch, type Batch } from '../data/batch.js';
import { Rng, mixSeed, shuffledIndices } from '../data/rng.js';
import { syntheticDataset } from '../data/synthetic.js';
import { dropoutLayers } from './dropout-seeds.js';
import { modelFromSpec } from './from-spec.js';
import { evaluate } from './evaluate.js';
import { train, type TrainOptions } from './loop.js';
import { createOptimizer, setLearningRate } from './optimizer.js';
import { planRun } from './run-plan.js';
import { learningRateAt } from './schedule.js';
import { shardBounds } from './replicas.js';
import { applyStep, stepGradients } from './step.js';
import { flatWeights } from './test-util.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

beforeAll(async () => {
  await selectBackend('wasm');
});

// A small CIFAR-style MobileNetV2 (FuSe-half blocks, BatchNorm everywhere, dropout in the head).
const spec: NetworkSpec = buildNetwork({
  network: 'mobilenet_v2',
  variant: 'fuse_half',
  width: 0.25,
  inputSize: 16,
  numClasses: 4,
  stem: 'cifar',
});
const data = syntheticDataset({ count: 40, size: 16, channels: 3, numClasses: 4, seed: 5 });

const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  model: { spec },
  train: data,
  epochs: 1,
  batchSize: 20,
  seed: 3,
  learningRate: 0.1,
  optimizer: { kind: 'sgd', momentum: 0.9 },
  weightDecay: 1e-3,
  replicas: 2,
  ...over,
});

const weightsOf = (ck: Checkpoint): string[] => ck.weights.map((w) => JSON.stringify(w));

describe('shardBounds', () => {
  it('splits a batch into contiguous shares differing by at most one image, larger first', () => {
    expect(shardBounds(64, 2)).toEqual([0, 32, 64]);
    expect(shardBounds(10, 3)).toEqual([0, 4, 7, 10]);
    expect(shardBounds(3, 3)).toEqual([0, 1, 2, 3]);
  });
});

/**
 * What `train(o)` with two replicas must compute, done in one thread from the loop's parts: every
 * step's batch and dropout seeds from the run's Rng (the replica mixes its index into the loop's),
 * each half of the batch's gradients on its own copy of the weights (`a` the loop's, `b` the
 * replica's), their mean applied once with the schedule's learning rate, the moving statistics
 * averaged. Returns both copies as they are after the last step.
 */
async function oneThreadShares(o: TrainOptions): Promise<{ a: tfl.LayersModel; b: tfl.LayersModel }> {
  const a = modelFromSpec(spec, { seed: o.seed }).model;
  const b = modelFromSpec(spec, { seed: o.seed }).model;
  const plan = planRun(a, o);
  const optimizer = createOptimizer(plan.optimizerSpec, o.learningRate);
  const ta = a.trainableWeights.map((v) => v.read() as tf.Variable);
  const tb = b.trainableWeights.map((v) => v.read() as tf.Variable);
  const stepA = {
    model: a,
    optimizer,
    trainable: ta,
    decayed: new Set(ta.filter((v) => v.shape.length >= 2).map((v) => v.name)),
    nos: false,
  };
  const [dropoutsA, dropoutsB] = [dropoutLayers(a), dropoutLayers(b)];
  const rng = Rng.fromSeed(mixSeed(o.seed, 0x7261696e));
  const px = 16 * 16 * 3;
  const half = (m: Batch, s: number, e: number): Batch => ({ ...m, n: e - s, x: m.x.slice(s * px, e * px), y: m.y.slice(s, e) });
  const size = plan.batchSize;
  for (let step = 0; step < plan.totalSteps; step++) {
    const epoch = Math.floor(step / plan.stepsPerEpoch);
    const inEpoch = step % plan.stepsPerEpoch;
    const order = shuffledIndices(o.train.count, Rng.fromSeed(mixSeed(o.seed, epoch, 0x73687566)));
    const batch = makeBatch(o.train, order.subarray(inEpoch * size, (inEpoch + 1) * size), {
      channels: plan.channels,
      rng,
      ...plan.normalize,
    });
    const seeds = dropoutsA.map((d) => (d.seed = rng.nextUint32()));
    dropoutsB.forEach((d, i) => (d.seed = mixSeed(seeds[i]!, 1)));
    b.setWeights(a.getWeights());
    setLearningRate(optimizer, learningRateAt(plan.schedule, o.learningRate, step, plan.totalSteps, plan.stepsPerEpoch));
    const ga = await stepGradients({ model: a, trainable: ta, nos: false }, plan, half(batch, 0, size / 2), 0);
    const gb = await stepGradients({ model: b, trainable: tb, nos: false }, plan, half(batch, size / 2, size), 0);
    const grads: tf.NamedTensorMap = {};
    ta.forEach((v, k) => (grads[v.name] = tf.add(tf.mul(ga.grads[v.name]!, 0.5), tf.mul(gb.grads[tb[k]!.name]!, 0.5))));
    applyStep(stepA, plan, grads);
    tf.dispose([...Object.values(ga.grads), ...Object.values(gb.grads), ...Object.values(grads)]);
    a.nonTrainableWeights.forEach((w, k) => {
      const v = w.read() as tf.Variable;
      const mean = tf.tidy(() => tf.add(tf.mul(v, 0.5), tf.mul(b.nonTrainableWeights[k]!.read(), 0.5)));
      v.assign(mean);
      mean.dispose();
    });
  }
  optimizer.dispose();
  return { a, b };
}

/** The run's final weights, bitwise: the replica thread runs the same wasm kernels on the same numbers. */
function expectWeightsOf(result: { checkpoint: Checkpoint }, expected: tfl.LayersModel): Float32Array[] {
  const restored = modelFromSpec(spec, { seed: 3 }).model;
  loadModelWeights(restored, result.checkpoint.weights);
  const got = flatWeights(restored);
  const want = flatWeights(expected);
  got.forEach((arr, i) => expect(Array.from(arr), `weight ${i} (${expected.weights[i]!.originalName})`).toEqual(Array.from(want[i]!)));
  restored.dispose();
  return got;
}

describe('data-parallel training', () => {
  it('one step applies the shard-weighted mean of the shards’ gradients and BatchNorm statistics', async () => {
    const o = options({ epochs: 1, train: syntheticDataset({ count: 20, size: 16, channels: 3, numClasses: 4, seed: 5 }) });
    const result = await train(o);
    expect(result.replicas).toBe(2);
    expect(result.steps).toBe(1);
    const { a, b } = await oneThreadShares(o);
    const got = expectWeightsOf(result, a);
    // The averaged statistics are not either shard's own.
    expect(
      got.some((arr, i) => a.weights[i]!.trainable === false && Array.from(arr).join() !== Array.from(flatWeights(b)[i]!).join()),
    ).toBe(true);
    [a, b].forEach((m) => m.dispose());
  });

  it('several steps are, weight for weight, the one-thread computation of BatchNorm over the shards', async () => {
    // Two epochs of two steps: the schedule's learning rates, momentum, weight decay, the epochs'
    // shuffles and the moving statistics carried from step to step — what one step cannot show.
    const o = options({ epochs: 2, schedule: { kind: 'cosine' } });
    const result = await train(o);
    expect(result.steps).toBe(4);
    const { a, b } = await oneThreadShares(o);
    expectWeightsOf(result, a);
    [a, b].forEach((m) => m.dispose());
  });

  it('is deterministic and resumes bitwise from a checkpoint', async () => {
    const first = await train(options({ epochs: 2 }));
    const again = await train(options({ epochs: 2 }));
    expect(weightsOf(again.checkpoint)).toEqual(weightsOf(first.checkpoint));
    let mid: Checkpoint | undefined;
    await train(options({ epochs: 2, checkpointEvery: 3 }), {
      onCheckpoint: (ck) => {
        if (ck.globalStep === 3) mid = ck;
      },
    });
    expect(mid).toBeDefined();
    const resumed = await train(options({ epochs: 2, resumeFrom: mid! }));
    expect(weightsOf(resumed.checkpoint)).toEqual(weightsOf(first.checkpoint));
    // One thread normalises whole batches: another result.
    const single = await train(options({ epochs: 2, replicas: 1 }));
    expect(weightsOf(single.checkpoint)).not.toEqual(weightsOf(first.checkpoint));
  });

  it('evaluates with the threads to the very numbers one thread gets', async () => {
    const test = syntheticDataset({ count: 50, size: 16, channels: 3, numClasses: 4, seed: 8, name: 'synthetic-test' });
    const events: number[] = [];
    const result = await train(options({ test, evalBatchSize: 8 }), {
      onProgress: (e) => void (e.type === 'evaluate' && events.push(e.done)),
    });
    const model = modelFromSpec(spec, { seed: 3 }).model;
    loadModelWeights(model, result.checkpoint.weights);
    const alone = await evaluate(model, test, { batchSize: 8 });
    expect(result.testLoss).toBe(alone.loss);
    expect(result.testAccuracy).toBe(alone.accuracy);
    expect(events.at(-1)).toBe(50);
    expect(events.every((d, i) => i === 0 || d >= events[i - 1]!)).toBe(true);
    model.dispose();
  });

  it('refuses replicas it cannot run, naming the option', async () => {
    await expect(train(options({ replicas: 0 }))).rejects.toThrow('train: replicas must be a positive integer, got 0');
    await expect(train(options({ replicas: 1.5 }))).rejects.toThrow('train: replicas must be a positive integer, got 1.5');
    await expect(train(options({ replicas: 21 }))).rejects.toThrow('train: replicas 21 exceed the batch size 20');
    const model = modelFromSpec(spec, { seed: 1 }).model;
    await expect(train(options({ model }))).rejects.toThrow('train: replicas > 1 needs the model as { spec }');
    await expect(train(options({ distill: { teacher: model } }))).rejects.toThrow(
      'train: replicas > 1 trains from scratch only; method kd',
    );
    model.dispose();
  });
});
