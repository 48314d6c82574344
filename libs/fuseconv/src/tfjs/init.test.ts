/**
 * The builder's initial weights follow PyTorch's definitions. `reference`: `kaiming_normal_(mode=
 * 'fan_out')` as the reference applies it to every conv (fan-out = the module's out_channels ·
 * kh · kw, so C·K·K for a depthwise conv and C_h·K for a FuSe 1×K conv), N(0, 0.01) for Linear
 * layers, zero biases. `pytorch`: nn.Conv2d / nn.Linear defaults, U(±1/√fan_in) weights and
 * biases (fan_in = in_channels/groups · kh · kw: K·K for depthwise, K for FuSe). BN γ = 1, β = 0.
 * The expected distributions are written out from those definitions here, not taken from the
 * code under test.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../build.js';
import type { BlockOperator } from '../types.js';
import { buildModel } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Stats {
  n: number;
  sd: number;
  /** Largest |w| / expected σ. */
  maxZ: number;
}

function stats(values: ArrayLike<number>, sigma: number): Stats {
  let sq = 0;
  let maxZ = 0;
  for (const v of Array.from(values)) {
    sq += v * v;
    maxZ = Math.max(maxZ, Math.abs(v) / sigma);
  }
  return { n: values.length, sd: Math.sqrt(sq / values.length), maxZ };
}

const isSpatial = (name: string): boolean => /(depthwise_kernel|kernel_[hv])$/.test(name);

/** PyTorch's fans of a kernel in tfjs layout, from the layer kind (written out, not derived from the initialiser). */
function torchFans(name: string, shape: number[]): { fanIn: number; fanOut: number } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  // Depthwise / FuSe 1-D kernels [kh, kw, C, 1]: PyTorch weight (C, 1, kh, kw), groups = C.
  if (isSpatial(name)) return { fanIn: kh * kw, fanOut: kh * kw * cin };
  return { fanIn: kh * kw * cin, fanOut: kh * kw * cout };
}

function expectSdNear(name: string, s: Stats, sigma: number): void {
  // The sample sd of n draws is within ±4·σ/√(2n) of σ with overwhelming probability (normal;
  // a uniform's sd varies less).
  const tol = 4 / Math.sqrt(2 * s.n);
  expect(s.sd / sigma, `${name} sd ${s.sd} vs σ ${sigma}`).toBeGreaterThan(1 - tol);
  expect(s.sd / sigma, `${name} sd ${s.sd} vs σ ${sigma}`).toBeLessThan(1 + tol);
}

describe('init: reference (the reference PyTorch models)', () => {
  for (const operator of ['dw', 'fuse_half', 'fuse_full'] as BlockOperator[]) {
    it(`mobilenet_v2 ${operator}: conv kernels N(0, 2 / fan_out) untruncated, Linear N(0, 0.01), BN 1/0`, () => {
      const variant = operator === 'dw' ? 'baseline' : operator;
      const spec = buildNetwork({ network: 'mobilenet_v2', variant, width: 1, inputSize: 32, numClasses: 10 });
      const { model } = buildModel(spec, { seed: 7 }); // init: 'reference' by default
      let pooledSq = 0;
      let pooledN = 0;
      let beyond2Sigma = 0;
      let checkedSpatial = 0;
      for (const w of model.weights) {
        const name = w.originalName;
        const values = w.read().dataSync() as Float32Array;
        if (/(gamma|moving_variance)$/.test(name)) {
          expect(
            values.every((v) => v === 1),
            name,
          ).toBe(true);
        } else if (/(beta|moving_mean|bias)$/.test(name)) {
          expect(
            values.every((v) => v === 0),
            name,
          ).toBe(true);
        } else if (w.shape.length === 2) {
          expectSdNear(name, stats(values, 0.01), 0.01);
        } else {
          const sigma = Math.sqrt(2 / torchFans(name, w.shape as number[]).fanOut);
          const s = stats(values, sigma);
          expectSdNear(name, s, sigma);
          if (isSpatial(name)) checkedSpatial++;
          pooledSq += (s.sd * s.sd * s.n) / (sigma * sigma);
          pooledN += s.n;
          for (const v of values) if (Math.abs(v) > 2 * sigma) beyond2Sigma++;
        }
      }
      expect(checkedSpatial).toBeGreaterThanOrEqual(operator === 'dw' ? 17 : 34);
      // All conv weights together: unit variance after scaling by σ, and the normal's tails are
      // present (a normal truncated at 2σ, as tfjs's varianceScaling draws, has none beyond 2σ
      // and variance 0.77).
      expect(Math.sqrt(pooledSq / pooledN)).toBeCloseTo(1, 1);
      expect(beyond2Sigma / pooledN).toBeGreaterThan(0.035); // 4.55 % for a normal
      expect(beyond2Sigma / pooledN).toBeLessThan(0.056);
      model.dispose();
    });
  }
});

describe('init: pytorch (nn.Conv2d / nn.Linear defaults)', () => {
  for (const operator of ['dw', 'fuse_half'] as BlockOperator[]) {
    it(`mobilenet_v2 ${operator}: weights and biases U(±1/√fan_in), BN 1/0`, () => {
      const variant = operator === 'dw' ? 'baseline' : operator;
      const spec = buildNetwork({ network: 'mobilenet_v2', variant, width: 1, inputSize: 32, numClasses: 10 });
      const { model } = buildModel(spec, { seed: 7, init: 'pytorch' });
      let checkedSpatial = 0;
      let checkedBias = 0;
      for (const w of model.weights) {
        const name = w.originalName;
        const values = w.read().dataSync() as Float32Array;
        if (/(gamma|moving_variance)$/.test(name)) {
          expect(
            values.every((v) => v === 1),
            name,
          ).toBe(true);
        } else if (/(beta|moving_mean)$/.test(name)) {
          expect(
            values.every((v) => v === 0),
            name,
          ).toBe(true);
        } else {
          // Linear (1280 → 10) bias and weight: fan_in = in_features = 1280; convs: the fans above.
          const fanIn = /bias$/.test(name) || w.shape.length === 2 ? 1280 : torchFans(name, w.shape as number[]).fanIn;
          const bound = 1 / Math.sqrt(fanIn);
          expect(
            values.every((v) => Math.abs(v) <= bound),
            `${name} within ±${bound}`,
          ).toBe(true);
          if (values.length >= 30) expectSdNear(name, stats(values, bound / Math.sqrt(3)), bound / Math.sqrt(3));
          if (isSpatial(name)) checkedSpatial++;
          if (/bias$/.test(name)) checkedBias++;
        }
      }
      expect(checkedSpatial).toBeGreaterThanOrEqual(operator === 'dw' ? 17 : 34);
      expect(checkedBias).toBe(1); // the classifier's; MobileNetV2's convs have none
      model.dispose();
    });
  }

  it('rejects an unknown scheme', () => {
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', width: 0.25, inputSize: 32, numClasses: 10 });
    expect(() => buildModel(spec, { init: 'xavier' as 'pytorch' })).toThrow(/init must be one of reference, pytorch, got "xavier"/);
  });
});
