/**
 * Parity with the cpu backend of the JavaScript element-wise / reduction kernels and the fused
 * gradients (ReLU, ReLU6, clipByValue, batch norm, mean, square) installed for wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from './index.js';
import { randomValues, relativeError } from './test-util.js';

const TOL = 2e-5;

beforeAll(async () => {
  await selectBackend('cpu');
  await selectBackend('wasm');
}, 60_000);

/** Runs f on cpu and on wasm; returns the relative error of every output. */
async function parity(f: () => tf.Tensor[]): Promise<number[]> {
  const run = (): Float32Array[] =>
    tf
      .tidy(() => f())
      .map((t) => {
        const v = Float32Array.from(t.dataSync());
        t.dispose();
        return v;
      });
  await tf.setBackend('cpu');
  const ref = run();
  await tf.setBackend('wasm');
  const got = run();
  expect(got.length).toBe(ref.length);
  return ref.map((r, i) => relativeError(got[i] ?? [], r));
}

const rnd = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ).map((v) => v * scale),
    shape,
  );

describe('element-wise and reduction kernels', () => {
  it('Tile over every axis pattern', async () => {
    const errs = await parity(() => {
      const x = rnd([2, 1, 3, 4], 1);
      return [tf.tile(x, [1, 5, 1, 1]), tf.tile(x, [3, 2, 2, 1]), tf.tile(rnd([1, 1, 1, 7], 2), [4, 3, 2, 1]), tf.tile(rnd([5], 3), [3])];
    });
    errs.forEach((e) => expect(e).toBe(0));
  });

  it('Slice: borders of NHWC maps, inner cuts, whole tensors, ranks 1–5, int32', async () => {
    const errs = await parity(() => {
      const x = rnd([3, 6, 5, 4], 4);
      const x5 = rnd([2, 3, 4, 5, 6], 5);
      return [
        tf.slice(x, [0, 1, 1, 0], [3, 4, 3, 4]), // the gradient of a 1-pixel zero padding
        tf.slice(x, [1, 0, 0, 0], [2, 6, 5, 4]), // leading axis only: one run
        tf.slice(x, [0, 0, 0, 1], [3, 6, 5, 2]), // channels cut: runs of 2
        tf.slice(x, [2, 5, 4, 3], [1, 1, 1, 1]),
        tf.slice(x, [0, 0, 0, 0], [3, 6, 5, 4]),
        tf.slice(x, [0, 2, 0, 0], [3, 0, 5, 4]),
        tf.slice(rnd([9], 6), [2], [5]),
        tf.slice(rnd([4, 7], 7), [1, 2], [2, 4]),
        tf.slice(x5, [1, 0, 1, 2, 0], [1, 3, 2, 3, 6]),
        tf.cast(tf.slice(tf.cast(tf.mul(x, 100), 'int32'), [0, 1, 0, 1], [2, 3, 5, 3]), 'float32'),
      ];
    });
    errs.forEach((e) => expect(e).toBe(0));
  });

  it.each([
    [[64, 6, 5, 7], [0, 1, 2], false],
    [[64, 6, 5, 7], [0, 1, 2], true],
    [[3, 4, 5], [0], false],
    [[200, 3], [0], true],
    [[4, 5, 6], [1, 2], false],
    [[4, 5, 6], [2], true],
    [[4, 5, 6], [0, 2], false],
    [[4, 5, 6], [], false],
  ] as const)('Sum and Mean of %j over %j (keepDims %s)', async (shape, axes, keepDims) => {
    const errs = await parity(() => {
      const x = rnd([...shape], 7);
      return [tf.sum(x, [...axes], keepDims), tf.mean(x, [...axes], keepDims)];
    });
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  it('comparisons, logicalAnd and where (scalar and element-wise)', async () => {
    const errs = await parity(() => {
      const a = rnd([3, 4, 5], 11, 3);
      const b = rnd([3, 4, 5], 12, 3);
      const s = tf.scalar(0.5);
      const outs = [
        tf.greaterEqual(a, b),
        tf.lessEqual(a, s),
        tf.greater(s, a),
        tf.less(a, b),
        tf.logicalAnd(tf.greater(a, 0), tf.less(b, 0)),
      ];
      return [...outs.map((t) => tf.cast(t, 'float32')), tf.where(tf.greater(a, b), a, b)];
    });
    errs.forEach((e) => expect(e).toBe(0));
  });

  it('batchNorm forward with per-channel, scalar and missing parameters', async () => {
    const errs = await parity(() => {
      const x = rnd([4, 5, 6, 8], 21, 2);
      const p = (seed: number): tf.Tensor1D => rnd([8], seed) as tf.Tensor1D;
      const v = tf.abs(p(23)) as tf.Tensor1D;
      return [
        tf.batchNorm(x, p(22), v, p(24), p(25), 1e-3),
        tf.batchNorm(x, p(22), v, undefined, undefined, 1e-3),
        tf.batchNorm(x, tf.scalar(0.3), tf.scalar(2), tf.scalar(0.1), tf.scalar(1.5), 1e-3),
      ];
    });
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });
});

describe('fused gradients on wasm match the tfjs-core gradients on cpu', () => {
  it('relu, relu6, clipByValue, square', async () => {
    const errs = await parity(() => {
      const x = rnd([6, 7, 8], 31, 8);
      const r = rnd([6, 7, 8], 32);
      const g = (f: (t: tf.Tensor) => tf.Tensor): tf.Tensor => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(x);
      return [g(tf.relu), g(tf.relu6), g((t) => tf.clipByValue(t, -1.5, 2.5)), g(tf.square)];
    });
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  it('mean over leading and other axes', async () => {
    const errs = await parity(() => {
      const x = rnd([5, 4, 3, 6], 41);
      const r6 = rnd([6], 42);
      const r = rnd([5, 3], 43);
      return [
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [0, 1, 2]), r6)))(x),
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [1, 3]), r)))(x),
      ];
    });
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  // (Without a scale tensor tfjs-core itself cannot differentiate batchNorm, on any backend.)
  it.each([true])('batch norm in training mode (moments of x), with scale: %s', async (withScale) => {
    const errs = await parity(() => {
      const x = rnd([8, 5, 4, 6], 51, 3);
      const gamma = rnd([6], 52);
      const beta = rnd([6], 53);
      const r = rnd([8, 5, 4, 6], 54);
      const f = (xv: tf.Tensor, gv: tf.Tensor, bv: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(xv, [0, 1, 2]);
        const y = tf.batchNorm(xv as tf.Tensor4D, mean, variance, bv as tf.Tensor1D, withScale ? (gv as tf.Tensor1D) : undefined, 1e-3);
        return tf.sum(tf.mul(y, r));
      };
      return withScale
        ? tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([x, gamma, beta])
        : tf.grads((a: tf.Tensor, c: tf.Tensor) => f(a, gamma, c))([x, beta]);
    });
    errs.forEach((e) => expect(e).toBeLessThan(1e-4));
  });

  it('batch norm with constant statistics (inference-style)', async () => {
    const errs = await parity(() => {
      const x = rnd([4, 3, 3, 5], 61);
      const mean = rnd([5], 62);
      const variance = tf.abs(rnd([5], 63));
      const r = rnd([4, 3, 3, 5], 64);
      return tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(tf.batchNorm(a as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), r),
        ),
      )([x, rnd([5], 65), rnd([5], 66)]);
    });
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });
});
