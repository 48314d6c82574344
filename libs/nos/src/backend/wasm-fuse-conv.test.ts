/**
 * Parity of the wasm FuSe-stage kernels (SIMD when both halves have a multiple of 4 channels,
 * JavaScript otherwise) with the cpu backend: forward, dx, dkernel_h, dkernel_v, for both modes,
 * K 3 and 5, strides 1 and 2, even and odd sizes, against tfjs's composed ops on cpu.
 */
import { fuseChannels, fuseConv2d, FUSE_CONV, type FuseMode } from '@fuselab/fuseconv/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from './index.js';
import { randomInt, randomValues, relativeError } from './test-util.js';

beforeAll(async () => {
  await selectBackend('cpu');
  expect((await selectBackend('wasm')).name).toBe('wasm');
}, 60_000);

interface Case {
  mode: FuseMode;
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  s: number;
  seed: number;
}

function evaluate(c: Case, fused: boolean): Float32Array[] {
  const p = (c.k - 1) >> 1;
  const { horizontal, vertical } = fuseChannels(c.mode, c.c);
  const out: Float32Array[] = [];
  tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.n * c.h * c.w * c.c, c.seed), [c.n, c.h, c.w, c.c]);
    const kh = tf.tensor4d(randomValues(c.k * horizontal, c.seed + 1), [1, c.k, horizontal, 1]);
    const kv = tf.tensor4d(randomValues(c.k * vertical, c.seed + 2), [c.k, 1, vertical, 1]);
    const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor): tf.Tensor => {
      if (fused)
        return fuseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, {
          mode: c.mode,
          kernelSize: c.k,
          strides: c.s,
          padding: p,
        });
      let xh = a as tf.Tensor4D;
      let xv = a as tf.Tensor4D;
      if (c.mode === 'half') [xh, xv] = tf.split(a, [horizontal, vertical], 3) as [tf.Tensor4D, tf.Tensor4D];
      xh = tf.pad(xh, [
        [0, 0],
        [0, 0],
        [p, p],
        [0, 0],
      ]);
      xv = tf.pad(xv, [
        [0, 0],
        [p, p],
        [0, 0],
        [0, 0],
      ]);
      return tf.concat([tf.depthwiseConv2d(xh, b as tf.Tensor4D, c.s, 'valid'), tf.depthwiseConv2d(xv, d as tf.Tensor4D, c.s, 'valid')], 3);
    };
    const y = f(x, kh, kv);
    const r = tf.tensor(randomValues(y.size, c.seed + 3), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, d), r)))([x, kh, kv]);
    for (const t of [y, ...g]) out.push(t.dataSync() as Float32Array);
  });
  return out;
}

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 300;
  for (const mode of ['half', 'full'] as const) {
    for (const s of [1, 2]) {
      for (const [h, w] of [
        [8, 8],
        [7, 9],
        [6, 5],
      ] as const) {
        for (const k of [3, 5]) {
          seed += 13;
          // SIMD needs both halves a multiple of 4: C = 8·m (half) or 4·m (full); others take the JS path.
          const simd = seed % 2 === 0;
          const c = simd ? (mode === 'half' ? 8 : 4) * randomInt(seed, 1, 4) : 4 * randomInt(seed, 1, 4) + randomInt(seed + 1, 1, 3);
          out.push({ mode, n: randomInt(seed + 2, 1, 3), h, w, c, k, s, seed });
        }
      }
    }
  }
  out.push({ mode: 'half', n: 8, h: 16, w: 16, c: 64, k: 3, s: 2, seed: 991 });
  out.push({ mode: 'half', n: 8, h: 8, w: 8, c: 128, k: 3, s: 1, seed: 992 });
  return out;
}

const NAMES = ['y', 'dx', 'dkernel_h', 'dkernel_v'];

describe('fused FuSe stage on wasm matches cpu', () => {
  it.each(cases().map((c) => [`${c.mode} K=${c.k} s${c.s} x[${c.n},${c.h},${c.w},${c.c}]`, c] as const))('%s', async (_n, c) => {
    expect(tf.getKernel(FUSE_CONV, 'wasm')).toBeDefined();
    await tf.setBackend('cpu');
    const ref = evaluate(c, false);
    await tf.setBackend('wasm');
    const got = evaluate(c, true);
    ref.forEach((r, i) => expect(relativeError(got[i] ?? [], r), NAMES[i]).toBeLessThan(2e-5));
  });
});
