/**
 * Zero-cost proxies against values computed by hand in plain float64 JS (forward and backward
 * written out below for a 2×2 conv → ReLU → linear net on two 3×3 images), the linear algebra
 * against closed forms, and every proxy of a real network spec.
 */
import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork } from '@fuselab/fuseconv';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import {
  fisher,
  gradNorm,
  grasp,
  jacobCov,
  logAbsDet,
  naswot,
  rankVote,
  scoreSpec,
  snip,
  symmetricEigenvalues,
  zenOfModel,
  PROXIES,
  type ProxyBatch,
} from './proxies.js';

const X = [
  [0.5, -1.2, 0.3, 0.8, 1.5, -0.4, -0.7, 0.2, 1.1],
  [-0.3, 0.9, 1.4, -1.1, 0.6, 0.25, 0.45, -0.8, -0.2],
]; // two 3×3×1 images, row-major
const K = [0.7, -0.4, 0.3, 0.9, -0.6, 0.5, 0.2, -0.8]; // [a][b][0][f], 2×2×1×2, f fastest
const W = Array.from({ length: 8 * 3 }, (_, i) => Math.sin(1.7 * i + 0.3) * 0.6); // [8][3]
const LABELS = [2, 0];

function tinyModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [3, 3, 1], filters: 2, kernelSize: 2, useBias: false, name: 'conv' }));
  model.add(tfl.layers.reLU({ name: 'relu' }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ units: 3, useBias: false, name: 'linear' }));
  model.setWeights([tf.tensor4d(K, [2, 2, 1, 2]), tf.tensor2d(W, [8, 3])]);
  return model;
}
const batch = (labels = true): ProxyBatch => ({
  x: Float32Array.from(X.flat()),
  n: 2,
  height: 3,
  width: 3,
  channels: 1,
  ...(labels ? { labels: Int32Array.from(LABELS) } : {}),
});

/** Forward and backward of the tiny net in float64 for kernel k and weights w. */
function byHand(k: readonly number[], w: readonly number[], logitGrad: 'loss' | 'sum' = 'loss') {
  const out = X.map((x, n) => {
    const z: number[] = []; // [i][j][f]
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let f = 0; f < 2; f++) {
          let v = 0;
          for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) v += x[(i + a) * 3 + (j + b)]! * k[(a * 2 + b) * 2 + f]!;
          z.push(v);
        }
    const h = z.map((v) => Math.max(v, 0));
    const logits = [0, 1, 2].map((c) => h.reduce((s, hv, u) => s + hv * w[u * 3 + c]!, 0));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const p = e.map((v) => v / e.reduce((s, t) => s + t, 0));
    const dLogits = logitGrad === 'sum' ? [1, 1, 1] : p.map((pv, c) => (pv - (c === LABELS[n] ? 1 : 0)) / X.length);
    const dh = h.map((_, u) => [0, 1, 2].reduce((s, c) => s + dLogits[c]! * w[u * 3 + c]!, 0));
    const dz = dh.map((g, u) => (z[u]! > 0 ? g : 0));
    const dx = new Array<number>(9).fill(0);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let f = 0; f < 2; f++)
          for (let a = 0; a < 2; a++)
            for (let b = 0; b < 2; b++) dx[(i + a) * 3 + (j + b)]! += k[(a * 2 + b) * 2 + f]! * dz[(i * 2 + j) * 2 + f]!;
    return { x, z, h, logits, dLogits, dz, dx };
  });
  const dK = k.map((_, idx) => {
    const f = idx % 2;
    const ab = (idx - f) / 2;
    const [a, b] = [Math.floor(ab / 2), ab % 2];
    let s = 0;
    for (const o of out)
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) s += o.x[(i + a) * 3 + (j + b)]! * o.dz[(i * 2 + j) * 2 + f]!;
    return s;
  });
  const dW = w.map((_, idx) => out.reduce((s, o) => s + o.h[Math.floor(idx / 3)]! * o.dLogits[idx % 3]!, 0));
  return { out, dK, dW };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('gradient proxies on a 1-conv + linear net (hand-computed, float64)', () => {
  const { out, dK, dW } = byHand(K, W);
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

  test('grad_norm = ‖∂L/∂K‖ + ‖∂L/∂W‖', () => {
    expect(rel(gradNorm(tinyModel(), batch()), norm(dK) + norm(dW))).toBeLessThan(1e-5);
  });

  test('snip = Σ|K ⊙ ∂L/∂K| + Σ|W ⊙ ∂L/∂W|', () => {
    const expected = K.reduce((s, k, i) => s + Math.abs(k * dK[i]!), 0) + W.reduce((s, w, i) => s + Math.abs(w * dW[i]!), 0);
    expect(rel(snip(tinyModel(), batch()), expected)).toBeLessThan(1e-5);
  });

  test('grasp = −Σ θ ⊙ Hg (Hg by float64 central differences of the hand gradient)', () => {
    const g = [...dK, ...dW];
    const theta = [...K, ...W];
    const eps = 1e-6;
    const grad = (sign: number) => {
      const t = theta.map((v, i) => v + sign * eps * g[i]!);
      const r = byHand(t.slice(0, 8), t.slice(8));
      return [...r.dK, ...r.dW];
    };
    const [plus, minus] = [grad(1), grad(-1)];
    const expected = -theta.reduce((s, v, i) => s + v * ((plus[i]! - minus[i]!) / (2 * eps)), 0);
    expect(Math.abs(expected)).toBeGreaterThan(1e-4);
    expect(rel(grasp(tinyModel(), batch()), expected)).toBeLessThan(2e-2);
  });

  test('fisher = Σ_layers Σ_k ½ mean_n (Σ_spatial a ⊙ ∂L/∂a)² over the conv and linear outputs', () => {
    let expected = 0;
    for (let f = 0; f < 2; f++)
      expected += (0.5 * out.reduce((s, o) => s + [0, 1, 2, 3].reduce((t, u) => t + o.z[u * 2 + f]! * o.dz[u * 2 + f]!, 0) ** 2, 0)) / 2;
    for (let c = 0; c < 3; c++) expected += (0.5 * out.reduce((s, o) => s + (o.logits[c]! * o.dLogits[c]!) ** 2, 0)) / 2;
    expect(rel(fisher(tinyModel(), batch()), expected)).toBeLessThan(1e-4);
  });

  test('jacob_cov = −Σ log(λ + k) + 1/(λ + k), λ = 1 ± r for two samples', () => {
    const rows = byHand(K, W, 'sum').out.map((o) => o.dx);
    const centred = rows.map((r) => r.map((v) => v - r.reduce((s, t) => s + t, 0) / r.length));
    const r = centred[0]!.reduce((s, v, i) => s + v * centred[1]![i]!, 0) / (norm(centred[0]!) * norm(centred[1]!));
    const expected = -[1 + r, 1 - r].reduce((s, l) => s + Math.log(l + 1e-5) + 1 / (l + 1e-5), 0);
    expect(rel(jacobCov(tinyModel(), batch(false)), expected)).toBeLessThan(1e-4);
  });

  test('naswot = log|det K|, K_ij = number of ReLU units where samples i and j agree', () => {
    const codes = out.map((o) => o.z.map((v) => v > 0));
    const agree = codes[0]!.filter((c, u) => c === codes[1]![u]).length;
    expect(agree).toBeLessThan(8);
    expect(rel(naswot(tinyModel(), batch(false)), Math.log(Math.abs(8 * 8 - agree * agree)))).toBeLessThan(1e-9);
  });

  test('naswot reads the codes of fused BatchNorm + ReLU6 layers as of separate activation layers', () => {
    // The same spec and seed built with fuseconv's BatchNormActivation and with BatchNorm + ReLU6
    // layers: the same units, the same signs, so the same kernel up to float32 sign ties.
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.25, inputSize: 16, numClasses: 4, stem: 'cifar' });
    const n = 6;
    const images = {
      x: Float32Array.from({ length: n * 16 * 16 * 3 }, (_, i) => Math.sin(0.37 * i)),
      n,
      height: 16,
      width: 16,
      channels: 3,
    };
    const fused = buildModel(spec, { seed: 2 }).model;
    const separate = buildModel(spec, { seed: 2, fuseBatchNorm: false }).model;
    expect(fused.layers.some((l) => l.getClassName() === 'BatchNormActivation')).toBe(true);
    expect(rel(naswot(fused, images), naswot(separate, images))).toBeLessThan(1e-6);
    fused.dispose();
    separate.dispose();
  });

  test('labelled proxies refuse a batch without labels, naming the proxy', () => {
    expect(() => snip(tinyModel(), batch(false))).toThrow(/^proxies: snip needs labels/);
  });
});

test('zen = log mean_n Σ|f(x) − f(x + αε)| + Σ_BN log √mean σ² (hand-computed)', () => {
  const input = tfl.input({ shape: [3, 3, 1] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 2, useBias: false, name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ epsilon: 1e-5, name: 'bn' }).apply(conv) as tfl.SymbolicTensor;
  const act = tfl.layers.reLU({ name: 'relu' }).apply(bn) as tfl.SymbolicTensor;
  const pool = tfl.layers.globalAveragePooling2d({ name: 'head.pool' }).apply(act) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 3, name: 'linear' }).apply(pool) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  model.layers[1]!.setWeights([tf.tensor4d(K, [2, 2, 1, 2])]);
  const noise = [0.3, -0.2, 0.5, 0.1, -0.4, 0.6, -0.1, 0.2, 0.9, -0.5, 0.4, 0.3, -0.6, 0.2, 0.1, -0.3, 0.7, 0.05];
  const mixed = X.flat().map((v, i) => v + 0.01 * noise[i]!);
  const features = (images: number[][]) => {
    const z = images.map((x) => {
      const v: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let f = 0; f < 2; f++) {
            let s = 0;
            for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) s += x[(i + a) * 3 + (j + b)]! * K[(a * 2 + b) * 2 + f]!;
            v.push(s);
          }
      return v;
    });
    const variance = [0, 1].map((f) => {
      const vals = z.flatMap((v) => [0, 1, 2, 3].map((u) => v[u * 2 + f]!));
      const mean = vals.reduce((s, t) => s + t, 0) / vals.length;
      return { mean, variance: vals.reduce((s, t) => s + (t - mean) ** 2, 0) / vals.length };
    });
    const f = z.map((v) => v.map((t, u) => Math.max(0, (t - variance[u % 2]!.mean) / Math.sqrt(variance[u % 2]!.variance + 1e-5))));
    return { f, variance };
  };
  const a = features(X);
  const b = features([mixed.slice(0, 9), mixed.slice(9)]);
  const expressivity = a.f.reduce((s, v, n) => s + v.reduce((t, x, u) => t + Math.abs(x - b.f[n]![u]!), 0), 0) / 2;
  const expected = Math.log(expressivity) + Math.log(Math.sqrt((a.variance[0]!.variance + a.variance[1]!.variance) / 2));
  const score = zenOfModel(model, tf.tensor4d(X.flat(), [2, 3, 3, 1]), tf.tensor4d(mixed, [2, 3, 3, 1]));
  expect(Math.abs(score - expected)).toBeLessThan(1e-3);
});

describe('linear algebra and the vote', () => {
  test('log|det| and eigenvalues against closed forms', () => {
    expect(
      logAbsDet([
        [2, 1, 0],
        [1, 3, 1],
        [0, 1, 4],
      ]),
    ).toBeCloseTo(Math.log(2 * (12 - 1) - 1 * 4), 12);
    expect(
      logAbsDet([
        [1, 2],
        [2, 4],
      ]),
    ).toBe(-Infinity);
    // [[2,1,0],[1,2,1],[0,1,2]]: 2 − √2, 2, 2 + √2.
    const ev = symmetricEigenvalues([
      [2, 1, 0],
      [1, 2, 1],
      [0, 1, 2],
    ]);
    [2 - Math.SQRT2, 2, 2 + Math.SQRT2].forEach((v, i) => expect(ev[i]).toBeCloseTo(v, 10));
  });

  test('rank vote sums per-proxy ranks (ties share the average rank)', () => {
    const scores = [
      { snip: 3, naswot: 10 },
      { snip: 1, naswot: 30 },
      { snip: 3, naswot: 20 },
    ];
    // snip ranks: 2.5, 1, 2.5; naswot ranks: 1, 3, 2.
    expect(rankVote(scores, ['snip', 'naswot'])).toEqual([3.5, 4, 4.5]);
    expect(() => rankVote([{ snip: NaN }], ['snip'])).toThrow(/^scores\[0\]\.snip: expected a finite score/);
  });
});

test('every proxy of a real network spec (MobileNetV3-small, FuSe-half, width 0.25, 32×32) is finite', async () => {
  const spec = buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 10 });
  const n = 4;
  const x = Float32Array.from({ length: n * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
  const scores = await scoreSpec(spec, { x, n, height: 32, width: 32, channels: 3, labels: Int32Array.from([1, 3, 5, 7]) }, [...PROXIES]);
  expect(Object.keys(scores)).toEqual([...PROXIES]);
  for (const [name, value] of Object.entries(scores)) expect(Number.isFinite(value), name).toBe(true);
  expect(scores.params).toBeGreaterThan(0);
  await expect(scoreSpec(spec, { x, n, height: 32, width: 32, channels: 3 }, ['naswot', 'grasp'])).rejects.toThrow(
    /^proxies: grasp needs labels/,
  );
}, 120_000);
