/** Helpers shared by the backend tests (not exported from the package). */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

type LayersModelLike = Pick<tfl.LayersModel, 'trainableWeights' | 'apply'>;

/** Deterministic uniform(-1, 1) values (mulberry32). */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic integer in [lo, hi] from a seed. */
export function randomInt(seed: number, lo: number, hi: number): number {
  const v = randomValues(1, seed)[0] ?? 0;
  return lo + Math.min(hi - lo, Math.floor(((v + 1) / 2) * (hi - lo + 1)));
}

/**
 * max |a - b| relative to max |b| (the reference), so float32 round-off in long sums is judged
 * against the magnitude of the result.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!Number.isFinite(x)) return Infinity;
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return diff / Math.max(scale, 1e-12);
}

function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/**
 * Per tensor: max |got − ref| relative to max(its own largest |ref|, `floor` × the largest |ref| of
 * all tensors). Each gradient is judged at its own scale (a tensor that would move little in a few
 * optimizer steps as strictly as one that moves much), except gradients that vanish in exact
 * arithmetic (BatchNorm's scale invariance), which hold only round-off.
 */
export function gradientErrors(got: ReadonlyArray<ArrayLike<number>>, ref: ReadonlyArray<ArrayLike<number>>, floor = 1e-3): number[] {
  const global = Math.max(...ref.map(maxAbsOf));
  return ref.map((r, i) => {
    const g = got[i];
    if (g === undefined || g.length !== r.length) return Infinity;
    let d = 0;
    for (let j = 0; j < r.length; j++) d = Math.max(d, Math.abs((g[j] as number) - (r[j] as number)));
    return d / Math.max(maxAbsOf(r), floor * global);
  });
}

/** Training-mode gradients of −mean Σ y·log p for a model whose output is a softmax, in trainable-weight order. */
export function softmaxModelGradients(model: LayersModelLike, x: tf.Tensor, y: tf.Tensor): Float32Array[] {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const p = model.apply(x, { training: true }) as tf.Tensor;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), 1))) as tf.Scalar;
  }, vars);
  const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}
