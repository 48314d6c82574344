import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUSE_CONV, fuseConv2d, fuseChannels, fuseConvKernelAvailable, type FuseMode } from './index.js';
import { relErr } from './test-util.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The FuSe stage composed of tfjs ops (split, explicit pad, 'valid' depthwise convs, concat). */
function composed(x: tf.Tensor4D, kh: tf.Tensor4D, kv: tf.Tensor4D, mode: FuseMode, s: number, p: number): tf.Tensor4D {
  let xh = x;
  let xv = x;
  if (mode === 'half') [xh, xv] = tf.split(x, [kh.shape[2], kv.shape[2]], 3) as [tf.Tensor4D, tf.Tensor4D];
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
  return tf.concat([tf.depthwiseConv2d(xh, kh, s, 'valid'), tf.depthwiseConv2d(xv, kv, s, 'valid')], 3);
}

/** Deterministic pseudo-random integer in [lo, hi]. */
function pick(seed: number, lo: number, hi: number): number {
  const v = Math.sin(seed * 12.9898) * 43758.5453;
  return lo + Math.floor((v - Math.floor(v)) * (hi - lo + 1));
}

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

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 1;
  for (const mode of ['half', 'full'] as const) {
    for (const s of [1, 2]) {
      for (const [h, w] of [
        [8, 8],
        [7, 9],
        [6, 5],
      ] as const) {
        for (const k of [3, 5]) {
          seed++;
          out.push({ mode, n: pick(seed, 1, 3), h, w, c: pick(seed + 100, 2, 13), k, s, seed });
        }
      }
    }
  }
  return out;
}

describe('fused FuSe kernel (cpu) vs composed tfjs ops', () => {
  it('is registered for cpu', () => {
    expect(tf.getKernel(FUSE_CONV, 'cpu')).toBeDefined();
    expect(fuseConvKernelAvailable()).toBe(true);
  });
  for (const c of cases()) {
    it(`${c.mode} K=${c.k} s${c.s} x[${c.n},${c.h},${c.w},${c.c}]: forward and gradients`, () => {
      const p = (c.k - 1) >> 1;
      const { horizontal, vertical } = fuseChannels(c.mode, c.c);
      const x = tf.randomNormal([c.n, c.h, c.w, c.c], 0, 1, 'float32', c.seed) as tf.Tensor4D;
      const kh = tf.randomNormal([1, c.k, horizontal, 1], 0, 1, 'float32', c.seed + 1) as tf.Tensor4D;
      const kv = tf.randomNormal([c.k, 1, vertical, 1], 0, 1, 'float32', c.seed + 2) as tf.Tensor4D;
      const opts = { mode: c.mode, kernelSize: c.k, strides: c.s, padding: p };
      const y = fuseConv2d(x, kh, kv, opts);
      const ry = composed(x, kh, kv, c.mode, c.s, p);
      expect(relErr(y, ry)).toBeLessThan(1e-5);
      const dy = tf.randomNormal(ry.shape, 0, 1, 'float32', c.seed + 3);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        fuseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, opts),
      )([x, kh, kv], dy);
      const rg = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        composed(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, c.mode, c.s, p),
      )([x, kh, kv], dy);
      ['dx', 'dkernel_h', 'dkernel_v'].forEach((name, i) => expect(relErr(g[i]!, rg[i]!), name).toBeLessThan(1e-5));
      tf.dispose([x, kh, kv, y, ry, dy, ...g, ...rg]);
    });
  }
  it('rejects kernel/padding combinations whose two outputs differ in size', () => {
    const x = tf.zeros([1, 6, 6, 4]) as tf.Tensor4D;
    expect(() =>
      fuseConv2d(x, tf.zeros([1, 4, 2, 1]), tf.zeros([4, 1, 2, 1]), { mode: 'half', kernelSize: 4, strides: 1, padding: 1 }),
    ).toThrow(/differ in size/);
  });
});
