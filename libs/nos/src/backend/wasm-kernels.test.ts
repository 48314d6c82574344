/**
 * Parity of the wasm training kernels (and of the forward-bug workaround) with the pure-JS `cpu`
 * backend: forward values and the gradients w.r.t. input, filter and bias of every convolution
 * flavour the layers API uses, over kernel shapes (1×1, 3×3, 5×5, 1×K, K×1), strides 1 and 2,
 * 'same' and 'valid' padding, even and odd spatial sizes, NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmTrainingKernels, selectBackend, WASM_TRAINING_KERNELS, WASM_WRAPPED_FORWARD_KERNELS } from './index.js';
import { randomInt, randomValues, relativeError } from './test-util.js';

type Op = 'fusedConv2d' | 'conv2d' | 'depthwise' | 'fusedDepthwise';

interface ConvCase {
  op: Op;
  n: number;
  h: number;
  w: number;
  ci: number;
  /** Output channels (conv) or channel multiplier (depthwise). */
  co: number;
  kh: number;
  kw: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
  bias: boolean;
  activation: 'linear' | 'relu6';
  seed: number;
}

const TOL = 2e-5;

function label(c: ConvCase): string {
  return (
    `${c.op} x[${c.n},${c.h},${c.w},${c.ci}] k${c.kh}x${c.kw}→${c.co} s${c.stride} ${c.pad}` +
    (c.bias ? ' +bias' : '') +
    (c.activation !== 'linear' ? ` ${c.activation}` : '')
  );
}

/** y, then the gradients of sum(y · r) w.r.t. x, filter (and bias), as plain arrays. */
function evaluate(c: ConvCase): Float32Array[] {
  const depthwise = c.op === 'depthwise' || c.op === 'fusedDepthwise';
  const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.ci];
  const fShape: [number, number, number, number] = [c.kh, c.kw, c.ci, c.co];
  const outChannels = depthwise ? c.ci * c.co : c.co;
  const out: Float32Array[] = [];
  tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.n * c.h * c.w * c.ci, c.seed), xShape);
    const f = tf.tensor4d(randomValues(c.kh * c.kw * c.ci * c.co, c.seed + 1), fShape);
    const b = tf.tensor1d(randomValues(outChannels, c.seed + 2));
    const forward = (xv: tf.Tensor, fv: tf.Tensor, bv: tf.Tensor): tf.Tensor4D => {
      const x4 = xv as tf.Tensor4D;
      const f4 = fv as tf.Tensor4D;
      const bias = c.bias ? (bv as tf.Tensor1D) : undefined;
      switch (c.op) {
        case 'conv2d':
          return tf.conv2d(x4, f4, c.stride, c.pad);
        case 'depthwise':
          return tf.depthwiseConv2d(x4, f4, c.stride, c.pad);
        case 'fusedConv2d':
          return tf.fused.conv2d({
            x: x4,
            filter: f4,
            strides: c.stride,
            pad: c.pad,
            bias,
            activation: c.activation,
          });
        case 'fusedDepthwise':
          return tf.fused.depthwiseConv2d({
            x: x4,
            filter: f4,
            strides: c.stride,
            pad: c.pad,
            bias,
            activation: c.activation,
          });
      }
    };
    const y = forward(x, f, b);
    const r = tf.tensor(randomValues(y.size, c.seed + 3), y.shape);
    const grads = c.bias
      ? tf.grads((xv: tf.Tensor, fv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(forward(xv, fv, bv), r)))([x, f, b])
      : tf.grads((xv: tf.Tensor, fv: tf.Tensor) => tf.sum(tf.mul(forward(xv, fv, b), r)))([x, f]);
    out.push(y.dataSync() as Float32Array);
    for (const g of grads) out.push(g.dataSync() as Float32Array);
  });
  return out;
}

const KERNELS: Array<[number, number]> = [
  [1, 1],
  [3, 3],
  [5, 5],
  [1, 3],
  [3, 1],
  [1, 5],
  [5, 1],
];

function gridCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let seed = 100;
  for (const op of ['fusedConv2d', 'depthwise'] as const) {
    for (const [kh, kw] of KERNELS) {
      for (const stride of [1, 2] as const) {
        for (const pad of ['same', 'valid'] as const) {
          // (even H, odd W) and (odd H, even W): both axes meet both parities.
          for (const [h, w] of [
            [8, 9],
            [7, 6],
          ] as const) {
            seed += 10;
            cases.push({
              op,
              n: randomInt(seed, 1, 3),
              h,
              w,
              ci: randomInt(seed + 5, 1, 6),
              co: op === 'depthwise' ? 1 : randomInt(seed + 6, 1, 6),
              kh,
              kw,
              stride,
              pad,
              bias: false,
              activation: 'linear',
              seed,
            });
          }
        }
      }
    }
  }
  return cases;
}

function randomCases(count: number): ConvCase[] {
  const ops: Op[] = ['fusedConv2d', 'conv2d', 'depthwise', 'fusedDepthwise'];
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const seed = 5000 + i * 17;
    const op = ops[i % ops.length] as Op;
    const depthwise = op === 'depthwise' || op === 'fusedDepthwise';
    const kernel = KERNELS[randomInt(seed, 0, KERNELS.length - 1)] as [number, number];
    const fused = op === 'fusedConv2d' || op === 'fusedDepthwise';
    cases.push({
      op,
      n: randomInt(seed + 1, 1, 4),
      h: randomInt(seed + 2, 5, 14),
      w: randomInt(seed + 3, 5, 14),
      ci: randomInt(seed + 4, 1, 24),
      co: depthwise ? (i % 5 === 0 ? 2 : 1) : randomInt(seed + 5, 1, 24),
      kh: kernel[0],
      kw: kernel[1],
      stride: randomInt(seed + 6, 1, 2) as 1 | 2,
      pad: randomInt(seed + 7, 0, 1) === 0 ? 'same' : 'valid',
      bias: fused && randomInt(seed + 8, 0, 1) === 1,
      activation: fused && randomInt(seed + 9, 0, 2) === 0 ? 'relu6' : 'linear',
      seed,
    });
  }
  return cases;
}

/** Sizes of the benchmark network's layers (larger channel counts exercise the GEMM paths). */
const NETWORK_CASES: ConvCase[] = [
  {
    op: 'fusedConv2d',
    n: 4,
    h: 32,
    w: 32,
    ci: 3,
    co: 16,
    kh: 3,
    kw: 3,
    stride: 2,
    pad: 'same',
    bias: false,
    activation: 'linear',
    seed: 9001,
  },
  {
    op: 'fusedConv2d',
    n: 4,
    h: 16,
    w: 16,
    ci: 24,
    co: 96,
    kh: 1,
    kw: 1,
    stride: 1,
    pad: 'same',
    bias: false,
    activation: 'linear',
    seed: 9002,
  },
  {
    op: 'fusedConv2d',
    n: 4,
    h: 8,
    w: 8,
    ci: 128,
    co: 32,
    kh: 1,
    kw: 1,
    stride: 1,
    pad: 'same',
    bias: true,
    activation: 'linear',
    seed: 9003,
  },
  {
    op: 'depthwise',
    n: 4,
    h: 16,
    w: 16,
    ci: 48,
    co: 1,
    kh: 1,
    kw: 3,
    stride: 2,
    pad: 'same',
    bias: false,
    activation: 'linear',
    seed: 9004,
  },
  {
    op: 'depthwise',
    n: 4,
    h: 16,
    w: 16,
    ci: 48,
    co: 1,
    kh: 3,
    kw: 1,
    stride: 2,
    pad: 'same',
    bias: false,
    activation: 'linear',
    seed: 9005,
  },
  { op: 'depthwise', n: 4, h: 8, w: 8, ci: 64, co: 1, kh: 3, kw: 3, stride: 1, pad: 'same', bias: false, activation: 'linear', seed: 9006 },
];

/**
 * Depthwise cases with channel counts that are multiples of 4 (the SIMD filter-gradient path), on
 * every kernel shape × stride × padding × parity.
 */
function simdDepthwiseCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let seed = 8000;
  for (const [kh, kw] of KERNELS) {
    for (const stride of [1, 2] as const) {
      for (const pad of ['same', 'valid'] as const) {
        for (const [h, w] of [
          [8, 9],
          [7, 6],
        ] as const) {
          seed += 10;
          cases.push({
            op: seed % 20 === 0 ? 'fusedDepthwise' : 'depthwise',
            n: randomInt(seed, 1, 3),
            h,
            w,
            ci: 4 * randomInt(seed + 5, 1, 5),
            co: 1,
            kh,
            kw,
            stride,
            pad,
            bias: false,
            activation: 'linear',
            seed,
          });
        }
      }
    }
  }
  return cases;
}

/**
 * 1×1 stride-1 convolutions with Ci % 4 == 0 and Co % 8 == 0 (the SIMD xᵀ·dy filter gradient),
 * with row counts N·H·W below, at and above multiples of its 128-row blocks. Those without bias
 * also take the SIMD GEMM forward (Co % 8 == 0) and, where Ci % 8 == 0, for the input gradient;
 * the row counts 210, 105 and 9 leave 2, 1 and 1 rows past its 4-row tiles.
 */
const GEMM_CASES: ConvCase[] = [
  [1, 3, 5, 4, 8],
  [2, 8, 8, 8, 16],
  [3, 7, 9, 12, 24],
  [2, 16, 16, 32, 64],
  [4, 9, 11, 64, 8],
  [5, 6, 7, 20, 40],
  [3, 5, 7, 16, 24],
  [1, 3, 3, 8, 8],
].map(
  ([n, h, w, ci, co], i) =>
    ({
      op: i % 2 === 0 || i === 7 ? 'fusedConv2d' : 'conv2d',
      n,
      h,
      w,
      ci,
      co,
      kh: 1,
      kw: 1,
      stride: 1,
      pad: 'same',
      bias: i % 2 === 0 && i < 6,
      activation: 'linear',
      seed: 9100 + 7 * i,
    }) as ConvCase,
);

/** The forward shapes of tensorflow/tfjs#6629: stride 2, 'same', 1×K / K×1, even size. */
const BUG_CASES: ConvCase[] = [];
for (const op of ['conv2d', 'fusedConv2d', 'depthwise', 'fusedDepthwise'] as const) {
  for (const [kh, kw] of [
    [1, 3],
    [3, 1],
    [1, 5],
    [5, 1],
  ] as const) {
    BUG_CASES.push({
      op,
      n: 2,
      h: 8,
      w: 8,
      ci: 3,
      co: op === 'depthwise' || op === 'fusedDepthwise' ? 1 : 4,
      kh,
      kw,
      stride: 2,
      pad: 'same',
      bias: op.startsWith('fused'),
      activation: 'linear',
      seed: 7000 + kh * 10 + kw,
    });
  }
}

async function compare(c: ConvCase): Promise<number[]> {
  await tf.setBackend('cpu');
  const ref = evaluate(c);
  await tf.setBackend('wasm');
  const got = evaluate(c);
  expect(got.length).toBe(ref.length);
  return ref.map((r, i) => relativeError(got[i] ?? new Float32Array(), r));
}

beforeAll(async () => {
  await selectBackend('cpu');
  const s = await selectBackend('wasm');
  expect(s.name).toBe('wasm');
}, 60_000);

describe('registration', () => {
  it('registers the missing gradient kernels for wasm, idempotently', () => {
    registerWasmTrainingKernels();
    for (const k of [...WASM_TRAINING_KERNELS, ...WASM_WRAPPED_FORWARD_KERNELS]) {
      expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('forward values on the shapes of tensorflow/tfjs#6629 match cpu', () => {
  it.each(BUG_CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const [yErr] = await compare(c);
    expect(yErr).toBeLessThan(TOL);
  });
});

describe('forward and gradients match cpu', () => {
  const names = ['y', 'dx', 'dfilter', 'dbias'];
  const check = async (c: ConvCase): Promise<void> => {
    const errs = await compare(c);
    errs.forEach((e, i) => expect(e, `${names[i]} of ${label(c)}`).toBeLessThan(TOL));
  };
  it('on the grid of kernel shapes × strides × paddings × parities', async () => {
    const cases = gridCases();
    expect(cases.length).toBe(112);
    for (const c of cases) await check(c);
  }, 60_000);
  it.each(GEMM_CASES.map((c) => [label(c), c] as const))('1×1 SIMD filter gradient %s', (_n, c) => check(c), 30_000);
  it('depthwise with channels a multiple of 4 (SIMD filter gradient), on the same grid', async () => {
    const cases = simdDepthwiseCases();
    expect(cases.length).toBe(56);
    for (const c of cases) await check(c);
  }, 60_000);
  it.each(randomCases(40).map((c) => [label(c), c] as const))('random %s', (_n, c) => check(c));
  // The cpu reference is slow at these sizes; allow for a loaded machine.
  it.each(NETWORK_CASES.map((c) => [label(c), c] as const))('network-size %s', (_n, c) => check(c), 30_000);
});
