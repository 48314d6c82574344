/**
 * The KD and NOS objectives as `train` reports them, step by step, against the documented formula
 * computed here in plain float64 from the very logits and taps the step used:
 *
 *   loss = (1 − α)·CE(student, y) + α·T²·mean_n KL(softmax(t/T) ‖ softmax(s/T))
 *          [+ λ_op·s(t)·mean_i MSE(student tap i, teacher tap i)   for NOS]
 *
 * with s(t) the annealing schedule of libs/nos' README (cosine ½(1 + cos(π·t/T_a)), linear 1 − t/T_a,
 * T_a = fraction · total steps, 0 from then on). The models' `apply` is wrapped to record what each
 * forward pass returned (the product's loss code is not called here); each image carries its label in
 * its first pixel, so the labels of a shuffled batch are read back from the recorded input.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork, type NetworkSpec } from '@fuselab/fuseconv';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { randomValues } from '../backend/test-util.js';
import { decodeTensor } from '../checkpoint/index.js';
import type { NosOptions } from './index.js';
import type { ImageDataset } from '../data/dataset.js';
import { syntheticDataset } from '../data/synthetic.js';
import { modelFromSpec } from '../train/from-spec.js';
import { type TrainProgress, train } from '../train/loop.js';
import { tinyModel } from '../train/test-util.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type StepEvent = Extract<TrainProgress, { type: 'step' }>;

/** Pixel value coding label k in pixel 0 (mid-range steps, far apart after normalisation). */
const code = (k: number) => 40 + 50 * k;

/** 64 synthetic 8×8 images whose first pixel codes the label. */
function labelledData(): ImageDataset {
  const d = syntheticDataset({ count: 64, size: 8, numClasses: 4, seed: 21 });
  const images = d.images.slice();
  for (let i = 0; i < d.count; i++) images[i * 64] = code(d.labels[i]!);
  return { ...d, images };
}

interface Forward {
  input: Float32Array;
  outputs: Float64Array[];
  shapes: number[][];
}

/** Wraps `model.apply` so every forward pass (teacher or student) leaves a copy of its input and outputs. */
function record(model: tfl.LayersModel, into: Forward[]): void {
  const apply = model.apply.bind(model);
  model.apply = ((x: tf.Tensor, kwargs?: Record<string, unknown>) => {
    const out = apply(x, kwargs) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    into.push({
      input: x.dataSync() as Float32Array,
      outputs: list.map((t) => Float64Array.from(t.dataSync())),
      shapes: list.map((t) => t.shape),
    });
    return out;
  }) as typeof model.apply;
}

/** Labels back from the normalised first pixel: x = (v/255 − 0.5)/0.5. */
function labelsOf(f: Forward, n: number): number[] {
  const per = f.input.length / n;
  return Array.from({ length: n }, (_, i) => Math.round((Math.round((f.input[i * per]! * 0.5 + 0.5) * 255) - 40) / 50));
}

function logSoftmax(row: Float64Array | number[], scale = 1): number[] {
  const z = Array.from(row, (v) => v / scale);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

function rows(flat: Float64Array, n: number): Float64Array[] {
  const k = flat.length / n;
  return Array.from({ length: n }, (_, i) => flat.subarray(i * k, (i + 1) * k));
}

function crossEntropy64(logits: Float64Array, labels: number[]): number {
  const r = rows(logits, labels.length);
  return -r.reduce((s, row, i) => s + logSoftmax(row)[labels[i]!]!, 0) / labels.length;
}

function distill64(student: Float64Array, teacher: Float64Array, n: number, T: number): number {
  const s = rows(student, n);
  const t = rows(teacher, n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const ls = logSoftmax(s[i]!, T);
    const lt = logSoftmax(t[i]!, T);
    sum += lt.reduce((acc, v, k) => acc + Math.exp(v) * (v - ls[k]!), 0);
  }
  return (T * T * sum) / n;
}

function operator64(student: Float64Array[], teacher: Float64Array[]): number {
  const mse = student.map((s, i) => s.reduce((acc, v, j) => acc + (v - teacher[i]![j]!) ** 2, 0) / s.length);
  return mse.reduce((a, b) => a + b, 0) / mse.length;
}

/** s(t) as libs/nos' README documents it. */
function scaffold(kind: 'cosine' | 'linear', fraction: number, step: number, total: number): number {
  const end = fraction * total;
  if (step >= end) return 0;
  return kind === 'cosine' ? 0.5 * (1 + Math.cos((Math.PI * step) / end)) : 1 - step / end;
}

/** The product's float32 losses against float64 from the same float32 outputs: measured ≤ 3.2e-7 relative. */
const REL = 1e-6;
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(REL * Math.max(1, Math.abs(expected)));

const data = labelledData();
let teacher: tfl.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  // A teacher that learned something, so its soft targets and taps differ clearly from the student's.
  teacher = tinyModel({ operator: 'dw', taps: true, seed: 4 });
  await train({ model: teacher, train: data, epochs: 2, batchSize: 16, seed: 1, optimizer: { kind: 'adam' }, learningRate: 0.01 });
});

/** Runs `train`, recording every forward pass and step event; returns them per step. */
async function recordedRun(student: tfl.LayersModel, options: Omit<Parameters<typeof train>[0], 'model' | 'train'>) {
  const studentPasses: Forward[] = [];
  const teacherPasses: Forward[] = [];
  const events: StepEvent[] = [];
  record(student, studentPasses);
  record(teacher, teacherPasses);
  try {
    await train({ model: student, train: data, ...options }, { onProgress: (e) => e.type === 'step' && events.push(e) });
  } finally {
    delete (teacher as { apply?: unknown }).apply; // back to the prototype's
  }
  // One teacher and one student pass per step, nothing else (no test set).
  expect(studentPasses).toHaveLength(events.length);
  expect(teacherPasses).toHaveLength(events.length);
  return events.map((event, i) => ({ event, student: studentPasses[i]!, teacher: teacherPasses[i]! }));
}

describe('the KD objective', () => {
  it('each step reports (1 − α)·CE + α·T²·KL of its own logits', async () => {
    const alpha = 0.7;
    const T = 3;
    const steps = await recordedRun(tinyModel({ operator: 'fuse', seed: 7 }), {
      epochs: 2,
      batchSize: 16,
      seed: 2,
      optimizer: { kind: 'adam' },
      learningRate: 0.01,
      distill: { teacher, alpha, temperature: T },
    });
    expect(steps).toHaveLength(8);
    for (const { event, student, teacher: t } of steps) {
      const n = 16;
      const labels = labelsOf(t, n);
      expect(labelsOf(student, n)).toEqual(labels);
      const ce = crossEntropy64(student.outputs[0]!, labels);
      const kl = distill64(student.outputs[0]!, t.outputs[0]!, n, T);
      // The distillation term is no rounding error: dropping it must show.
      expect(alpha * kl).toBeGreaterThan(1e-3 * ce);
      close(event.taskLoss, ce);
      close(event.distillLoss!, kl);
      close(event.loss, (1 - alpha) * ce + alpha * kl);
      expect(event).not.toHaveProperty('operatorLoss');
    }
  });
});

describe('the NOS objective', () => {
  it.each(['cosine', 'linear'] as const)('each step reports the KD loss + λ_op·s(t)·MSE of the taps (%s annealing)', async (kind) => {
    const alpha = 0.5;
    const T = 3;
    const lambdaOp = 2;
    const fraction = 0.6;
    const steps = await recordedRun(tinyModel({ operator: 'fuse', taps: true, seed: 7 }), {
      epochs: 2,
      batchSize: 16,
      seed: 2,
      optimizer: { kind: 'adam' },
      learningRate: 0.01,
      nos: { teacher, alpha, temperature: T, lambdaOp, anneal: { kind, fraction } },
    });
    expect(steps).toHaveLength(8);
    const weights: number[] = [];
    for (const { event, student, teacher: t } of steps) {
      const n = 16;
      const labels = labelsOf(t, n);
      expect(student.shapes.slice(1)).toEqual(t.shapes.slice(1));
      const ce = crossEntropy64(student.outputs[0]!, labels);
      const kl = distill64(student.outputs[0]!, t.outputs[0]!, n, T);
      const op = operator64(student.outputs.slice(1), t.outputs.slice(1));
      const w = lambdaOp * scaffold(kind, fraction, event.globalStep, steps.length);
      weights.push(w);
      expect(event.scaffoldWeight).toBeCloseTo(w, 12);
      close(event.taskLoss, ce);
      close(event.distillLoss!, kl);
      // While the scaffold is on, the operator term is computed and counted; afterwards it is off.
      if (w > 0) close(event.operatorLoss!, op);
      else expect(event.operatorLoss).toBe(0);
      close(event.loss, (1 - alpha) * ce + alpha * kl + w * op);
      if (w > 0) expect(w * op).toBeGreaterThan(1e-3 * ce);
    }
    // 8 steps, scaffold over the first 4.8: on at steps 0–4 (from λ_op down), off at 5–7.
    expect(weights[0]).toBe(lambdaOp);
    expect(weights.map((w) => w > 0)).toEqual([true, true, true, true, true, false, false, false]);
  });
});

/**
 * A NOS student's initial weights as `train` sets them up: one plain-SGD step at a learning rate far
 * below float32 resolution of the weights, so the final checkpoint holds the initial trainable
 * weights (to ≤ 1e-30 × gradient).
 */
const initialWeights = (studentSpec: NetworkSpec, nos: NosOptions) =>
  train({
    model: { spec: studentSpec },
    train: syntheticDataset({ count: 4, size: 16, numClasses: 4, seed: 5 }),
    epochs: 1,
    batchSize: 4,
    seed: 7,
    optimizer: { kind: 'sgd', momentum: 0 },
    learningRate: 1e-30,
    nos,
  });

describe('a NOS student built from a spec', () => {
  it("with fuseInit 'seeded' starts from the teacher in the stem, expansions, projections, BNs, head and classifier, and from its own seed in the FuSe operators", async () => {
    const o = { width: 0.25, inputSize: 16, numClasses: 4 } as const;
    const studentSpec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', ...o });
    const t = modelFromSpec(buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', ...o }), { seed: 3, taps: 'operator' }).model;
    // Teacher weights unlike any initialiser's (BN γ = 1, β = 0 would match the student's own).
    const random = t.weights.map((w, i) => {
      const v = w.read();
      return tf.tensor(
        randomValues(v.size, 900 + i).map((r) => (/moving_variance/.test(w.originalName) ? 1 + Math.abs(r) : r)),
        v.shape,
      );
    });
    t.setWeights(random);
    tf.dispose(random);
    const own = modelFromSpec(studentSpec, { seed: 7, taps: 'operator' }).model;
    try {
      const r = await initialWeights(studentSpec, { teacher: t, fuseInit: 'seeded' });
      const got = new Map(r.checkpoint.weights.map((b) => [b.name, decodeTensor(b)]));
      const teacherW = new Map(t.weights.map((w) => [w.originalName, w.read()]));
      // libs/nos README / initializeFromTeacher: everything but the spatial operator, which in the
      // teacher is a depthwise conv and in the student a FuSe layer.
      const fromTeacher = /^features\.0\.0(\.bn)?\/|\.(expand|project)(\.bn)?\/|\.op\.bn\/|^features\.18\.0(\.bn)?\/|^classifier\.1\//;
      const fuse = /^features\.\d+\.op\//;
      const counts = { teacher: 0, own: 0 };
      for (const w of own.trainableWeights) {
        const name = w.originalName;
        const actual = Float32Array.from(got.get(name)!.dataSync());
        const expected = fromTeacher.test(name) ? teacherW.get(name)! : w.read();
        const other = fromTeacher.test(name) ? w.read() : teacherW.get(name);
        expect(fromTeacher.test(name) !== fuse.test(name), `${name} is one of the two kinds`).toBe(true);
        const e = Float32Array.from(expected.dataSync());
        expect(actual.length, name).toBe(e.length);
        expect(
          actual.reduce((m, v, j) => Math.max(m, Math.abs(v - e[j]!)), 0),
          `${name} from ${fromTeacher.test(name) ? 'teacher' : 'own seed'}`,
        ).toBeLessThanOrEqual(1e-20);
        // The two candidates differ, so the check tells them apart (the FuSe kernels have no teacher twin).
        if (other !== undefined && other.shape.join() === expected.shape.join()) {
          const od = Float32Array.from(other.dataSync());
          expect(
            e.reduce((m, v, j) => Math.max(m, Math.abs(v - od[j]!)), 0),
            name,
          ).toBeGreaterThan(1e-3);
        }
        counts[fromTeacher.test(name) ? 'teacher' : 'own']++;
      }
      expect(counts.own).toBe(2 * 17); // kernel_h and kernel_v of 17 FuSe-half blocks
      expect(counts.teacher).toBeGreaterThan(100);
      tf.dispose([...got.values()]);
    } finally {
      t.dispose();
      own.dispose();
    }
  });

  it("by default (fuseInit 'depthwise') starts its FuSe kernels from the teacher's depthwise kernels' centre row and column", async () => {
    const o = { width: 0.25, inputSize: 16, numClasses: 4 } as const;
    const studentSpec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', ...o });
    const t = modelFromSpec(buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', ...o }), { seed: 3, taps: 'operator' }).model;
    try {
      const r = await initialWeights(studentSpec, { teacher: t });
      const got = new Map(r.checkpoint.weights.map((b) => [b.name, Array.from(decodeTensor(b).dataSync())]));
      for (const b of studentSpec.blocks) {
        // The teacher's kernel [K, K, C, 1], read element by element: centre row for the first ⌈C/2⌉ channels, centre column for the rest.
        const kernel = t.getLayer(`${b.name}.op`).getWeights()[0]!;
        const [k, , c] = kernel.shape as [number, number, number];
        const d = kernel.dataSync();
        const m = (k - 1) / 2;
        const h = Math.ceil(c / 2);
        const row: number[] = [];
        const column: number[] = [];
        for (let j = 0; j < k; j++) for (let ch = 0; ch < h; ch++) row.push(d[(m * k + j) * c + ch]!);
        for (let i = 0; i < k; i++) for (let ch = h; ch < c; ch++) column.push(d[(i * k + m) * c + ch]!);
        const [kh, kv] = [...got.keys()].filter((n) => n.startsWith(`${b.name}.op/`)).sort(); // kernel_h, kernel_v
        for (const [name, expected] of [
          [kh!, row],
          [kv!, column],
        ] as const) {
          const actual = got.get(name)!;
          expect(actual.length, name).toBe(expected.length);
          expect(
            actual.reduce((mx, v, j) => Math.max(mx, Math.abs(v - expected[j]!)), 0),
            name,
          ).toBeLessThanOrEqual(1e-20);
        }
      }
    } finally {
      t.dispose();
    }
  });
});
