import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { FuseConv2D, HardSigmoid, HardSwish, fuseChannels, fuseFullConv2d, fuseHalfConv2d, separableBlock } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * PyTorch semantics written out with loops: depthwise conv of x [N,H,W,C] with kernel
 * [kh,kw,C] (channel c uses kernel[..][..][c]), stride s, zero padding ph/pw on both sides.
 */
function naiveDepthwise(x: number[][][][], kernel: number[][][], s: number, ph: number, pw: number): number[][][][] {
  const n = x.length;
  const h = x[0]!.length;
  const w = x[0]![0]!.length;
  const c = x[0]![0]![0]!.length;
  const kh = kernel.length;
  const kw = kernel[0]!.length;
  const oh = Math.floor((h + 2 * ph - kh) / s) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / s) + 1;
  const out: number[][][][] = [];
  for (let b = 0; b < n; b++) {
    const rows: number[][][] = [];
    for (let i = 0; i < oh; i++) {
      const cols: number[][] = [];
      for (let j = 0; j < ow; j++) {
        const chans: number[] = [];
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              const y = i * s - ph + u;
              const z = j * s - pw + v;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              acc += x[b]![y]![z]![ch]! * kernel[u]![v]![ch]!;
            }
          }
          chans.push(acc);
        }
        cols.push(chans);
      }
      rows.push(cols);
    }
    out.push(rows);
  }
  return out;
}

/** The reference FuSe stage with plain loops: split (half) or share (full), 1×K / K×1, concat. */
function naiveFuse(x: tf.Tensor4D, layer: FuseConv2D): number[][][][] {
  const [kh, kv] = layer.getWeights() as [tf.Tensor4D, tf.Tensor4D];
  const xs = x.arraySync();
  const c = x.shape[3];
  const { horizontal } = fuseChannels(layer.mode, c);
  const pick = (lo: number, hi: number) => xs.map((b) => b.map((r) => r.map((p) => p.slice(lo, hi))));
  const xh = layer.mode === 'half' ? pick(0, horizontal) : xs;
  const xv = layer.mode === 'half' ? pick(horizontal, c) : xs;
  const k = layer.kernelSize;
  const p = layer.padding;
  const squeeze = (t: tf.Tensor4D) => t.arraySync().map((r) => r.map((col) => col.map((m) => m[0]!)));
  const yh = naiveDepthwise(xh, squeeze(kh), layer.strides, 0, p);
  const yv = naiveDepthwise(xv, squeeze(kv), layer.strides, p, 0);
  expect(kh.shape).toEqual([1, k, xh[0]![0]![0]!.length, 1]);
  return yh.map((b, bi) => b.map((r, i) => r.map((col, j) => [...col, ...yv[bi]![i]![j]!])));
}

function close(actual: number[][][][], expected: number[][][][], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const a = actual.flat(3);
  const e = expected.flat(3);
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  expect(worst).toBeLessThan(tol);
}

describe('FuseConv2D numerics against loops with PyTorch semantics', () => {
  const cases: Array<[mode: 'full' | 'half', k: number, s: number, h: number, w: number, c: number]> = [
    ['half', 3, 1, 7, 6, 6],
    ['half', 3, 2, 8, 8, 6], // stride 2, even input: symmetric padding, unlike TF 'same'
    ['half', 5, 2, 9, 10, 5], // odd channels: 1×K gets the extra one (torch.chunk)
    ['half', 5, 1, 6, 7, 4],
    ['full', 3, 2, 8, 6, 3],
    ['full', 5, 1, 5, 5, 2],
  ];
  for (const [mode, k, s, h, w, c] of cases) {
    it(`${mode} K=${k} stride ${s} on ${h}×${w}×${c}`, () => {
      const layer = new FuseConv2D({ mode, kernelSize: k, strides: s, seed: 7 });
      const x = tf.randomNormal([2, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
      const y = layer.apply(x) as tf.Tensor4D;
      expect(y.shape).toEqual(layer.computeOutputShape([2, h, w, c]));
      expect(y.shape[3]).toBe(mode === 'full' ? 2 * c : c);
      close(y.arraySync(), naiveFuse(x, layer));
      // The two kernels start different (distinct seeds).
      const [a, b] = layer.getWeights();
      expect(tf.reshape(a!, [-1]).arraySync()).not.toEqual(tf.reshape(b!, [-1]).arraySync());
    });
  }

  it('FuSe-half equals split → 1×K / K×1 depthwise → concat written with plain tf ops', () => {
    const layer = fuseHalfConv2d({ kernelSize: 3, strides: 2, seed: 1 });
    const x = tf.randomNormal([1, 10, 10, 8], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = layer.apply(x) as tf.Tensor4D;
    const [kh, kv] = layer.getWeights() as [tf.Tensor4D, tf.Tensor4D];
    const [a, b] = tf.split(x, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    // conv2d per channel with explicit symmetric padding: an independent path from depthwiseConv2d.
    const perChannel = (t: tf.Tensor4D, kernel: tf.Tensor4D, pad: [[number, number], [number, number]]) =>
      tf.concat(
        tf
          .split(t, t.shape[3], 3)
          .map((ch, i) =>
            tf.conv2d(ch as tf.Tensor4D, tf.slice(kernel, [0, 0, i, 0], [kernel.shape[0], kernel.shape[1], 1, 1]), 2, [
              [0, 0],
              ...pad,
              [0, 0],
            ]),
          ),
        3,
      );
    const ref = tf.concat(
      [
        perChannel(a, kh, [
          [0, 0],
          [1, 1],
        ]),
        perChannel(b, kv, [
          [1, 1],
          [0, 0],
        ]),
      ],
      3,
    ) as tf.Tensor4D;
    close(y.arraySync(), ref.arraySync());
  });

  it('rejects bad configs and too few channels', () => {
    expect(() => new FuseConv2D({ mode: 'quarter' as 'half', kernelSize: 3 })).toThrow(/mode/);
    expect(() => fuseFullConv2d({ kernelSize: 0 })).toThrow(/kernelSize/);
    expect(() => fuseHalfConv2d({ kernelSize: 3 }).apply(tf.zeros([1, 4, 4, 1]))).toThrow(/at least 2 channels/);
  });
});

describe('activations', () => {
  it('HardSwish and HardSigmoid match the reference formulas', () => {
    const xs = [-5, -3, -1.5, 0, 0.5, 2.9, 3, 6];
    const x = tf.tensor1d(xs);
    const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
    const hs = (new HardSwish().apply(x) as tf.Tensor).arraySync() as number[];
    const hg = (new HardSigmoid().apply(x) as tf.Tensor).arraySync() as number[];
    xs.forEach((v, i) => {
      expect(hs[i]).toBeCloseTo((v * relu6(v + 3)) / 6, 6);
      expect(hg[i]).toBeCloseTo(relu6(v + 3) / 6, 6);
    });
  });
});

describe('serialisation', () => {
  it('a model of FuSe blocks and hard activations round-trips through save/load', async () => {
    const input = tfl.input({ shape: [12, 12, 6] });
    let y = separableBlock(input, { operator: 'fuse_half', outChannels: 8, stride: 2, name: 'b0', seed: 1, pointwiseActivation: 'hswish' });
    y = separableBlock(y, { operator: 'fuse_full', outChannels: 8, kernel: 5, name: 'b1', seed: 2, spatialActivation: 'relu6' });
    y = separableBlock(y, { operator: 'dw', outChannels: 4, name: 'b2', seed: 3 });
    const gate = new HardSigmoid({ name: 'gate' }).apply(y) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: gate });
    expect(model.getLayer('b0.op').getClassName()).toBe('FuseConv2D');
    expect(
      model
        .getLayer('b1.op')
        .getWeights()
        .map((w) => w.shape),
    ).toEqual([
      [1, 5, 8, 1],
      [5, 1, 8, 1],
    ]);
    // Non-trivial BN statistics so that their round-trip matters.
    for (const l of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      l.setWeights(l.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', 10 + i)));
    }
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(artifacts!.modelTopology)).toContain('"class_name":"FuseConv2D"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.getLayer('b0.op')).toBeInstanceOf(FuseConv2D);
    expect((loaded.getLayer('b1.op') as FuseConv2D).mode).toBe('full');
    const x = tf.randomNormal([3, 12, 12, 6], 0, 1, 'float32', 4);
    const a = (model.predict(x) as tf.Tensor).arraySync();
    const b = (loaded.predict(x) as tf.Tensor).arraySync();
    expect(b).toEqual(a);
    const wa = model.getWeights().map((w) => w.arraySync());
    const wb = loaded.getWeights().map((w) => w.arraySync());
    expect(wb).toEqual(wa);
  });

  it('getConfig / fromConfig keeps every FuseConv2D option', () => {
    const layer = new FuseConv2D({ name: 'f', mode: 'half', kernelSize: 5, strides: 2, padding: 2, seed: 9 });
    const config = layer.getConfig();
    expect(config).toMatchObject({ name: 'f', mode: 'half', kernelSize: 5, strides: 2, padding: 2, seed: 9 });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['FuseConv2D'];
    expect(copy).toBeDefined();
    const again = FuseConv2D.fromConfig(FuseConv2D, config) as FuseConv2D;
    expect(again.getConfig()).toEqual(config);
  });
});
