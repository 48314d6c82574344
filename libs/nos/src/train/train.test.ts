import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { type Checkpoint, CheckpointError, decodeTensor, encodeTensor, loadModelWeights } from '../checkpoint/index.js';
import { syntheticDataset } from '../data/synthetic.js';
import { distillationLoss, operatorLoss } from '../distill/index.js';
import { annealFactor, learningRateAt } from './schedule.js';
import { type TrainOptions, type TrainProgress, train } from './loop.js';
import { flatWeights, tinyModel } from './test-util.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

const data = syntheticDataset({ count: 128, size: 8, numClasses: 4, seed: 11 });
const test = syntheticDataset({ count: 96, size: 8, numClasses: 4, seed: 11, name: 'synthetic-test' });

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((arr, i) => arr.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

describe('schedules and losses', () => {
  it('cosine, step and constant learning rates', () => {
    expect(learningRateAt({ kind: 'constant' }, 0.1, 50, 100, 10)).toBe(0.1);
    expect(learningRateAt({ kind: 'cosine' }, 0.1, 0, 100, 10)).toBeCloseTo(0.1);
    expect(learningRateAt({ kind: 'cosine' }, 0.1, 50, 100, 10)).toBeCloseTo(0.05);
    expect(learningRateAt({ kind: 'cosine', minLr: 0.01 }, 0.1, 100, 100, 10)).toBeCloseTo(0.01);
    expect(learningRateAt({ kind: 'cosine', warmupSteps: 10 }, 0.1, 4, 100, 10)).toBeCloseTo(0.05);
    expect(learningRateAt({ kind: 'step', gamma: 0.1, everyEpochs: 3 }, 1, 29, 100, 10)).toBeCloseTo(1);
    expect(learningRateAt({ kind: 'step', gamma: 0.1, everyEpochs: 3 }, 1, 30, 100, 10)).toBeCloseTo(0.1);
    expect(learningRateAt({ kind: 'step', gamma: 0.5, milestones: [2, 5] }, 1, 55, 100, 10)).toBeCloseTo(0.25);
  });

  it('anneals the scaffold weight to zero', () => {
    expect(annealFactor({}, 0, 100)).toBe(1);
    expect(annealFactor({}, 25, 100)).toBeCloseTo(0.5);
    expect(annealFactor({}, 50, 100)).toBe(0);
    expect(annealFactor({ kind: 'linear', fraction: 1 }, 75, 100)).toBeCloseTo(0.25);
    expect(annealFactor({ kind: 'none' }, 99, 100)).toBe(1);
  });

  it('KD loss is T²·KL and operator loss is the mean MSE', () => {
    const s = tf.tensor2d([[1, 2, 3]]);
    expect(distillationLoss(s, s, 4).dataSync()[0]).toBeCloseTo(0, 6);
    const t = tf.tensor2d([[3, 2, 1]]);
    const T = 2;
    const p = (z: number[]) => {
      const e = z.map((v) => Math.exp(v / T));
      const sum = e.reduce((a, b) => a + b);
      return e.map((v) => v / sum);
    };
    const ps = p([1, 2, 3]);
    const pt = p([3, 2, 1]);
    const kl = pt.reduce((acc, v, i) => acc + v * Math.log(v / ps[i]!), 0);
    expect(distillationLoss(s, t, T).dataSync()[0]).toBeCloseTo(T * T * kl, 5);
    const op = operatorLoss([tf.tensor1d([1, 2]), tf.tensor1d([0, 0, 0])], [tf.tensor1d([1, 4]), tf.tensor1d([1, 1, 1])]);
    expect(op.dataSync()[0]).toBeCloseTo((2 + 1) / 2, 6);
    expect(() => operatorLoss([tf.tensor1d([1])], [tf.tensor1d([1, 2])])).toThrow(/tap 0/);
  });

  it('tensors round-trip through base64 blobs exactly', () => {
    const t = tf.tensor([1.5, -2.25, 3e-8, Math.PI], [2, 2]);
    const blob = JSON.parse(JSON.stringify(encodeTensor('w', t)));
    expect(Array.from(decodeTensor(blob).dataSync())).toEqual(Array.from(t.dataSync()));
    const i = tf.tensor([7, -3], [2], 'int32');
    expect(Array.from(decodeTensor(encodeTensor('i', i)).dataSync())).toEqual([7, -3]);
  });
});

describe('train', () => {
  const base = (model: TrainOptions['model']): TrainOptions => ({
    model,
    train: data,
    test,
    epochs: 3,
    batchSize: 16,
    seed: 5,
    optimizer: { kind: 'adam' },
    learningRate: 0.01,
    schedule: { kind: 'cosine' },
    weightDecay: 1e-4,
    labelSmoothing: 0.1,
    // No flips: a mirrored 45° grating is the 135° class.
    augment: { cropPadding: 1 },
  });

  it('learns the synthetic set, reports progress, and is deterministic from the seed', async () => {
    const events: TrainProgress[] = [];
    const m1 = tinyModel({ operator: 'dw', dropout: 0.2 });
    const r1 = await train(base(m1), { onProgress: (e) => events.push(e) });
    expect(r1).toMatchObject({ method: 'scratch', backend: 'cpu', epochs: 3, steps: 24 });
    expect(r1.testAccuracy).toBeGreaterThan(0.45); // chance is 0.25
    expect(r1.history).toHaveLength(3);
    expect(r1.history[2]!.trainLoss).toBeLessThan(r1.history[0]!.trainLoss);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toHaveLength(24);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(3);
    // Every epoch's evaluation reports its batches (the orchestrator heartbeats on them), ending
    // with the whole test set, before that epoch's summary.
    const evaluations = events.filter((e) => e.type === 'evaluate');
    expect(evaluations.length).toBeGreaterThanOrEqual(3);
    for (let epoch = 0; epoch < 3; epoch++) {
      const own = evaluations.filter((e) => e.epoch === epoch);
      expect(own.at(-1)).toMatchObject({ done: test.count, total: test.count });
      expect(events.indexOf(own.at(-1)!)).toBeLessThan(events.findIndex((e) => e.type === 'epoch' && e.epoch === epoch));
    }
    expect(events[0]).toMatchObject({ type: 'start', totalSteps: 24, stepsPerEpoch: 8 });
    expect(r1.trainImagesPerSec).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(r1.checkpoint))).toEqual(r1.checkpoint);

    // Another model with different initial weights, reinitialised from the seed, twice: identical.
    const a = tinyModel({ operator: 'dw', dropout: 0.2, seed: 2 });
    const b = tinyModel({ operator: 'dw', dropout: 0.2, seed: 3 });
    const ra = await train({ ...base(a), epochs: 1, reinitialize: true });
    const rb = await train({ ...base(b), epochs: 1, reinitialize: true });
    expect(maxAbsDiff(flatWeights(a), flatWeights(b))).toBe(0);
    expect(ra.trainLoss).toBe(rb.trainLoss);
    const c = tinyModel({ operator: 'dw', dropout: 0.2, seed: 2 });
    await train({ ...base(c), epochs: 1, reinitialize: true, seed: 6 });
    expect(maxAbsDiff(flatWeights(a), flatWeights(c))).toBeGreaterThan(1e-3);
  });

  it.each(['adam', 'sgd', 'rmsprop'] as const)('resumes from a mid-epoch checkpoint to the same final weights (%s)', async (kind) => {
    const opts = (m: TrainOptions['model']): TrainOptions => ({
      ...base(m),
      epochs: 2,
      optimizer: { kind },
      augment: { cropPadding: 1, horizontalFlip: true },
      learningRate: kind === 'adam' ? 0.01 : 0.05,
      test: undefined,
      checkpointEvery: 3,
    });
    const full = tinyModel({ operator: 'dw', dropout: 0.2 });
    const rFull = await train(opts(full));

    const interrupted = tinyModel({ operator: 'dw', dropout: 0.2 });
    const controller = new AbortController();
    const stored: string[] = [];
    const run = train(opts(interrupted), {
      signal: controller.signal,
      onCheckpoint: (ck) => void stored.push(JSON.stringify(ck)),
      onProgress: (e) => {
        if (e.type === 'step' && e.globalStep === 10) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const lastCk = JSON.parse(stored.at(-1)!) as Checkpoint;
    expect(lastCk).toMatchObject({ epoch: 1, step: 1, globalStep: 9 });

    // Another seed: ignoring the checkpoint would start from other weights; and only steps 9… run.
    const resumed = tinyModel({ operator: 'dw', dropout: 0.2, seed: 9 });
    const executed: number[] = [];
    const rRes = await train(
      { ...opts(resumed), resumeFrom: lastCk },
      { onProgress: (e) => e.type === 'step' && executed.push(e.globalStep) },
    );
    expect(executed).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(rRes.steps).toBe(16);
    // Bitwise, also for Adam (its bias-correction accumulators are restored exactly, see fused-adam.ts).
    expect(maxAbsDiff(flatWeights(full), flatWeights(resumed))).toBe(0);
    expect(rRes.trainLoss).toBe(rFull.trainLoss);
  });

  it('rejects a checkpoint from a different run or architecture', async () => {
    const m = tinyModel({ operator: 'dw' });
    const r = await train({ ...base(m), epochs: 1, test: undefined });
    await expect(train({ ...base(tinyModel({ operator: 'dw' })), epochs: 1, seed: 99, resumeFrom: r.checkpoint })).rejects.toThrow(
      CheckpointError,
    );
    expect(() => loadModelWeights(tinyModel({ operator: 'fuse' }), r.checkpoint.weights)).toThrow(
      /checkpoint has \d+ weight tensors, the model has \d+/,
    );
  });

  it('aborts before the first step when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(train(base(tinyModel({ operator: 'dw' })), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('distillation and NOS', () => {
  let teacher: ReturnType<typeof tinyModel>;
  let teacherAcc = 0;
  beforeAll(async () => {
    teacher = tinyModel({ operator: 'dw', taps: true, seed: 4 });
    const r = await train({
      model: teacher,
      train: data,
      test,
      epochs: 3,
      batchSize: 16,
      seed: 1,
      optimizer: { kind: 'adam' },
      learningRate: 0.01,
    });
    teacherAcc = r.testAccuracy!;
  });

  it('a tiny KD run lowers the loss', async () => {
    expect(teacherAcc).toBeGreaterThan(0.6);
    const events: TrainProgress[] = [];
    const student = tinyModel({ operator: 'fuse', seed: 7 });
    const r = await train(
      {
        model: student,
        train: data,
        test,
        epochs: 3,
        batchSize: 16,
        seed: 2,
        optimizer: { kind: 'adam' },
        learningRate: 0.01,
        distill: { teacher, alpha: 0.7, temperature: 3 },
      },
      { onProgress: (e) => events.push(e) },
    );
    expect(r.method).toBe('kd');
    expect(r.history[2]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss * 0.8);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps[0]).toHaveProperty('distillLoss');
    expect(r.testAccuracy).toBeGreaterThan(0.5);
  });

  it('a tiny NOS run lowers the operator and total losses and anneals the scaffold to zero', async () => {
    const events: Extract<TrainProgress, { type: 'step' }>[] = [];
    const student = tinyModel({ operator: 'fuse', taps: true, seed: 7 });
    // Initialise from the teacher where shapes allow (the stem, BNs, projection and classifier).
    for (const layer of student.layers) {
      const t = teacher.layers.find((l) => l.name === layer.name);
      if (t !== undefined && layer.getWeights().length > 0) layer.setWeights(t.getWeights());
    }
    const r = await train(
      {
        model: student,
        train: data,
        test,
        epochs: 3,
        batchSize: 16,
        seed: 2,
        optimizer: { kind: 'adam' },
        learningRate: 0.01,
        nos: { teacher, alpha: 0.5, temperature: 3, lambdaOp: 2, anneal: { kind: 'cosine', fraction: 0.6 } },
      },
      {
        onProgress: (e) => {
          if (e.type === 'step') events.push(e);
        },
      },
    );
    expect(r.method).toBe('nos');
    expect(events[0]!.scaffoldWeight).toBe(2);
    expect(events.at(-1)!.scaffoldWeight).toBe(0);
    expect(events.at(-1)!.operatorLoss).toBe(0);
    const opEarly = events.slice(0, 3).reduce((s, e) => s + e.operatorLoss!, 0) / 3;
    const opLate = events.slice(10, 13).reduce((s, e) => s + e.operatorLoss!, 0) / 3;
    expect(opLate).toBeLessThan(opEarly);
    const taskEarly = events.slice(0, 4).reduce((s, e) => s + e.taskLoss, 0) / 4;
    const taskLate = events.slice(-4).reduce((s, e) => s + e.taskLoss, 0) / 4;
    expect(taskLate).toBeLessThan(taskEarly);
    expect(r.testAccuracy).toBeGreaterThan(0.5);
  });

  it('NOS needs matching taps', async () => {
    await expect(
      train({
        model: tinyModel({ operator: 'fuse' }),
        train: data,
        epochs: 1,
        batchSize: 16,
        seed: 1,
        learningRate: 0.01,
        nos: { teacher },
      }),
    ).rejects.toThrow(/same number of tap outputs/);
  });
});
