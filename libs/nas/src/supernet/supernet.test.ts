/**
 * The supernet against the builder's network of the same path (forward, extraction), the NOS
 * initialisation against the depthwise kernels it is defined from, recalibration against moments
 * computed through the built network, single-path training (only the path moves; determinism;
 * learning), checkpoints, and bad input.
 */
import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork, type BlockOperator, type ShapeOptions } from '@fuselab/fuseconv';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import { selectBackend, syntheticDataset } from '@fuselab/nos';
import {
  decodeSupernet,
  decodeSupernetCheckpoint,
  encodeSupernet,
  evaluateSubnet,
  extractSubnet,
  recalibrateBatchNorm,
  samplePath,
  Supernet,
  trainSupernet,
} from './index.js';

// nos's wasm backend, as training runs: tfjs's cpu backend takes ~60× longer for these gradients.
await selectBackend('wasm');

const SHAPE: ShapeOptions = { network: 'mobilenet_v2', width: 0.25, inputSize: 16, numClasses: 4, stem: 'cifar' };
const SE_SHAPE: ShapeOptions = { network: 'mobilenet_v3_small', width: 0.35, inputSize: 16, numClasses: 3, stem: 'cifar' };
const data = (count: number, seed = 3, size = 16, classes = 4) =>
  syntheticDataset({ count, size, numClasses: classes, channels: 3, seed, noise: 0.3 });

const mixedPath = (n: number): BlockOperator[] => Array.from({ length: n }, (_, i) => (['dw', 'fuse_half', 'fuse_full'] as const)[i % 3]!);

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('forward', () => {
  for (const [label, shape] of [
    ['MobileNetV2', SHAPE],
    ['MobileNetV3 (SE, h-swish)', SE_SHAPE],
  ] as const) {
    test(`${label}: a path's logits equal the built network's with the extracted weights`, async () => {
      const net = new Supernet(shape, { seed: 5 });
      const ds = data(32, 3, shape.inputSize, shape.numClasses);
      const path = mixedPath(net.blocks);
      // Non-trivial BatchNorm statistics, so inference-mode BatchNorm is not near the identity.
      await recalibrateBatchNorm(net, path, ds, { batches: 2, batchSize: 16 });
      const built = extractSubnet(net, path);
      const x = tf.randomNormal([4, shape.inputSize!, shape.inputSize!, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
      const ours = await values(net.forward(x, path));
      const theirs = await values(built.model.predict(x) as tf.Tensor);
      expect(ours.length).toBe(4 * shape.numClasses!);
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
      // The extracted network is the path's spec, parameter for parameter.
      expect(built.spec.blocks.map((b) => b.operator)).toEqual(path);
      built.model.dispose();
      net.dispose();
    }, 120_000);
  }

  test('paths that differ in one block give different logits; the shared layers are one set', async () => {
    const net = new Supernet(SHAPE, { seed: 1, scaffold: false });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const dw = Array<BlockOperator>(net.blocks).fill('dw');
    const one = dw.map((op, i) => (i === 3 ? 'fuse_full' : op));
    // Training-mode BatchNorm keeps activations at unit scale (an untrained network's inference
    // logits are ~1e-6); the classifier's dropout draws from the same seed in both runs.
    const logits = async (path: BlockOperator[]) => {
      (net.layersOf(path).get('head.dropout') as unknown as { seed: number }).seed = 7;
      return values(net.forward(x, path, { training: true }));
    };
    const [a, b] = [await logits(dw), await logits(one)];
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(0.05 * scale);
    // Shared weights are counted once: the supernet is far smaller than three networks.
    const three = (['dw', 'fuse_half', 'fuse_full'] as const).reduce(
      (sum, op) => sum + extractSubnet(net, Array<BlockOperator>(net.blocks).fill(op)).model.countParams(),
      0,
    );
    expect(net.parameterCount).toBeLessThan(0.8 * three);
    net.dispose();
  });
});

describe('NOS initialisation', () => {
  test('FuSe kernels are the depthwise kernel’s centre row and column; FuSe-full’s projection is ½[P; P]', async () => {
    const net = new Supernet(SHAPE, { seed: 2 });
    const block = net.spec.blocks[4]!;
    const all = (op: BlockOperator) => net.layersOf(Array<BlockOperator>(net.blocks).fill(op));
    const dw = (await values(all('dw').get(`${block.name}.op`)!.getWeights()[0]!)) as Float32Array; // [3, 3, C, 1]
    const c = block.hiddenChannels;
    const at = (r: number, col: number, ch: number) => dw[(r * 3 + col) * c + ch]!;
    const [fh, fv] = await Promise.all(all('fuse_full').get(`${block.name}.op`)!.getWeights().map(values)); // [1,3,C,1], [3,1,C,1]
    const [hh, hv] = await Promise.all(all('fuse_half').get(`${block.name}.op`)!.getWeights().map(values));
    const half = Math.ceil(c / 2);
    for (let ch = 0; ch < c; ch++) {
      for (let k = 0; k < 3; k++) {
        expect(fh![k * c + ch]).toBe(at(1, k, ch));
        expect(fv![k * c + ch]).toBe(at(k, 1, ch));
        if (ch < half) expect(hh![k * half + ch]).toBe(at(1, k, ch));
        else expect(hv![k * (c - half) + ch - half]).toBe(at(k, 1, ch));
      }
    }
    const p = await values(all('dw').get(`${block.name}.project`)!.getWeights()[0]!); // [1,1,C,out]
    const pf = await values(all('fuse_full').get(`${block.name}.project`)!.getWeights()[0]!); // [1,1,2C,out]
    expect(pf.length).toBe(2 * p.length);
    expect(Array.from(pf.subarray(0, p.length))).toEqual(Array.from(p, (v) => Math.fround(v * 0.5)));
    expect(Array.from(pf.subarray(p.length))).toEqual(Array.from(p, (v) => Math.fround(v * 0.5)));
    net.dispose();
  });

  test('from a teacher: the depthwise path is the teacher, the FuSe branches follow it', async () => {
    const net = new Supernet(SHAPE, { seed: 3 });
    const teacher = buildModel(net.spec, { seed: 77 });
    net.initializeFromTeacher(teacher.model);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const dw = Array<BlockOperator>(net.blocks).fill('dw');
    expect(maxAbsDiff(await values(net.forward(x, dw)), await values(teacher.model.predict(x) as tf.Tensor))).toBeLessThan(1e-5);
    const name = `${net.spec.blocks[2]!.name}.op`;
    const teacherKernel = await values(teacher.model.getLayer(name).getWeights()[0]!);
    const fullH = await values(
      net
        .layersOf(dw.map(() => 'fuse_full'))
        .get(name)!
        .getWeights()[0]!,
    );
    const c = net.spec.blocks[2]!.hiddenChannels;
    expect(fullH[0]).toBe(teacherKernel[3 * c]); // row 1, column 0, channel 0
    const wrong = buildModel(buildNetwork({ ...SHAPE, width: 0.5 }));
    expect(() => net.initializeFromTeacher(wrong.model)).toThrow(
      /teacher.*is not this supernet's depthwise network: layer .*weight shapes differ/,
    );
    teacher.model.dispose();
    wrong.model.dispose();
    net.dispose();
  });
});

describe('recalibration', () => {
  test('the stem BatchNorm gets the mean and biased variance of the stem convolution’s output', async () => {
    const net = new Supernet(SHAPE, { seed: 4 });
    const ds = data(24);
    const path = mixedPath(net.blocks);
    await recalibrateBatchNorm(net, path, ds, { batches: 1, batchSize: 24, normalize: { mean: 0.5, std: 0.25 } });
    // Independently: the built network, cut after the stem convolution, on all 24 images.
    const built = extractSubnet(net, path);
    const stem = net.spec.stem[0]!.name;
    const cut = tfl.model({ inputs: built.model.inputs, outputs: built.model.getLayer(stem).output as tfl.SymbolicTensor });
    const pixels = Float32Array.from(ds.images, (v) => (v / 255 - 0.5) / 0.25);
    const out = cut.predict(tf.tensor4d(pixels, [24, 16, 16, 3])) as tf.Tensor4D;
    const { mean, variance } = tf.moments(out, [0, 1, 2]);
    const [, , movingMean, movingVariance] = net.layersOf(path).get(`${stem}.bn`)!.getWeights();
    expect(maxAbsDiff(await values(movingMean!), await values(mean))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await values(movingVariance!), await values(variance))).toBeLessThan(1e-4);
    built.model.dispose();
    net.dispose();
  }, 60_000);

  test('asks for no more images than the data set has', async () => {
    const net = new Supernet(SHAPE);
    await expect(recalibrateBatchNorm(net, mixedPath(net.blocks), data(10), { batches: 2, batchSize: 8 })).rejects.toThrow(
      /batches: 2 batches of 8 need 16 images, the data set has 10/,
    );
    net.dispose();
  });
});

describe('single-path training', () => {
  test('a step moves only the drawn path; the same seed repeats the run', async () => {
    const run = async () => {
      const net = new Supernet(SHAPE, { seed: 6 });
      const before = net.weights();
      const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.clone()]));
      const drawn: BlockOperator[][] = [];
      await trainSupernet(net, {
        train: data(16),
        epochs: 1,
        batchSize: 16,
        learningRate: 0.05,
        seed: 11,
        onProgress: (e) => e.type === 'step' && drawn.push([...e.path]),
      });
      const after = net.weights();
      const moved = new Set(Object.keys(after).filter((k) => tf.any(tf.notEqual(after[k]!, snapshot[k]!)).dataSync()[0] === 1));
      const result = { moved, drawn, after: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Array.from(v.dataSync())])) };
      tf.dispose(Object.values(snapshot));
      net.dispose();
      return result;
    };
    const a = await run();
    expect(a.drawn).toEqual([samplePath(['dw', 'fuse_full', 'fuse_half'], 17, 11, 0)]);
    const path = a.drawn[0]!;
    // Block 5's branches: the drawn one moved, the others did not.
    const block = 'features.6';
    const op = path[5]!;
    const keyOf = (o: BlockOperator) => (o === 'dw' ? `${block}.op#0` : `${o}:${block}.op#0`);
    expect(a.moved.has(keyOf(op))).toBe(true);
    for (const other of (['dw', 'fuse_full', 'fuse_half'] as const).filter((o) => o !== op)) expect(a.moved.has(keyOf(other))).toBe(false);
    // A shared layer (the expansion) moved whatever the operator.
    expect(a.moved.has(`${block}.expand#0`)).toBe(true);
    const b = await run();
    expect(b.after).toEqual(a.after);
  }, 120_000);

  test('resumes exactly: 1 epoch, a checkpoint with its state, 2 more from it = 3 epochs straight', async () => {
    const options = { train: data(32), epochs: 3, batchSize: 16, learningRate: 0.05, seed: 4, weightDecay: 1e-4 };
    const straight = new Supernet(SHAPE, { seed: 2, operators: ['dw', 'fuse_half'] });
    const whole = await trainSupernet(straight, options);
    const expected = encodeSupernet(straight);

    const first = new Supernet(SHAPE, { seed: 2, operators: ['dw', 'fuse_half'] });
    let saved: Uint8Array | undefined;
    const stop = new AbortController();
    await expect(
      trainSupernet(first, {
        ...options,
        signal: stop.signal,
        onEpochEnd: (state) => {
          // A crash after the first epoch's checkpoint.
          saved = encodeSupernet(first, state);
          stop.abort(new Error('killed'));
        },
      }),
    ).rejects.toThrow('killed');
    first.dispose();
    const { supernet: resumed, state } = decodeSupernetCheckpoint(saved!, 'epoch-1');
    expect(state).toMatchObject({ epoch: 1, history: [whole.epochs[0]] });
    // Momentum for every variable a step updated (more than the shared layers alone).
    expect(Object.keys(state!.momentum).length).toBeGreaterThan(10);
    const rest = await trainSupernet(resumed, { ...options, resumeFrom: state! });
    expect(encodeSupernet(resumed)).toEqual(expected);
    expect(rest.epochs).toEqual(whole.epochs);
    expect(rest.operatorCounts).toEqual(whole.operatorCounts);
    // Without the momentum (a resume that dropped the optimizer) the weights differ.
    const { supernet: plain, state: again } = decodeSupernetCheckpoint(saved!, 'epoch-1');
    await trainSupernet(plain, { ...options, resumeFrom: { ...again!, momentum: {} } });
    expect(encodeSupernet(plain)).not.toEqual(expected);
    tf.dispose([...Object.values(state!.momentum), ...Object.values(again!.momentum)]);
    [straight, resumed, plain].forEach((n) => n.dispose());
  }, 300_000);

  test('paths are drawn uniformly per block', () => {
    const counts = { dw: 0, fuse_full: 0, fuse_half: 0 };
    for (let step = 0; step < 600; step++) for (const op of samplePath(['dw', 'fuse_full', 'fuse_half'], 17, 1, step)) counts[op]++;
    // 10,200 draws: each share within 3 % of a third (the binomial σ is 0.5 %).
    for (const n of Object.values(counts)) expect(Math.abs(n / 10200 - 1 / 3)).toBeLessThan(0.03);
  });

  test('learns: subnets of a trained supernet beat chance on held-out data', async () => {
    // Measured (wasm, this seed): 0.97 and 0.95 after recalibration; 0.44 for dw before it.
    const net = new Supernet({ ...SHAPE, numClasses: 2 }, { seed: 8, operators: ['dw', 'fuse_half'] });
    const train = syntheticDataset({ count: 128, size: 16, numClasses: 2, channels: 3, seed: 1, noise: 0.2 });
    const test = syntheticDataset({ count: 64, size: 16, numClasses: 2, channels: 3, seed: 2, noise: 0.2 });
    const result = await trainSupernet(net, { train, epochs: 6, batchSize: 16, learningRate: 0.02, seed: 3 });
    expect(result.steps).toBe(48);
    expect(result.operatorCounts.fuse_full).toBeUndefined();
    expect((result.operatorCounts.dw ?? 0) + (result.operatorCounts.fuse_half ?? 0)).toBe(48 * 17);
    for (const op of ['dw', 'fuse_half'] as const) {
      const path = Array<BlockOperator>(net.blocks).fill(op);
      await recalibrateBatchNorm(net, path, train, { batches: 4, batchSize: 32 });
      const { accuracy } = await evaluateSubnet(net, path, test);
      expect(accuracy).toBeGreaterThan(0.85);
    }
    net.dispose();
  }, 300_000);
});

describe('checkpoints and bad input', () => {
  test('weights round-trip into a fresh supernet of the same shape', async () => {
    const a = new Supernet(SHAPE, { seed: 1 });
    const b = new Supernet(SHAPE, { seed: 2 });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const path = mixedPath(a.blocks);
    b.loadWeights(a.weights());
    expect(await values(b.forward(x, path))).toEqual(await values(a.forward(x, path)));
    const c = new Supernet(SHAPE, { operators: ['dw', 'fuse_half'] });
    expect(() => c.loadWeights({})).toThrow(/weights: missing .*: not a checkpoint of this supernet/);
    [a, b, c].forEach((n) => n.dispose());
  });

  test('bytes round-trip: the same shape, operators and logits; damaged bytes are refused', async () => {
    const a = new Supernet(SHAPE, { seed: 9, operators: ['dw', 'fuse_full'] });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const path = Array.from({ length: a.blocks }, (_, i): BlockOperator => (i % 2 ? 'fuse_full' : 'dw'));
    await recalibrateBatchNorm(a, path, data(16), { batches: 1, batchSize: 16 });
    const bytes = encodeSupernet(a);
    const b = decodeSupernet(bytes, 'test.bin');
    expect(b.shape).toEqual(a.shape);
    expect(b.operators).toEqual(['dw', 'fuse_full']);
    expect(await values(b.forward(x, path))).toEqual(await values(a.forward(x, path)));
    expect(() => decodeSupernet(bytes.subarray(0, bytes.length - 4), 'test.bin')).toThrow(
      /^test\.bin: holds \d+ bytes of weights, its header lists \d+/,
    );
    expect(() => decodeSupernet(new TextEncoder().encode('{"a":1}'), 'x.bin')).toThrow(/^x\.bin: is not a supernet checkpoint/);
    // Bytes written before training states (version 1, same layout) still read.
    const v1 = bytes.slice();
    const at = Buffer.from(v1).indexOf('"version":2');
    v1.set(new TextEncoder().encode('"version":1'), at);
    const c = decodeSupernet(v1, 'v1.bin');
    expect(await values(c.forward(x, path))).toEqual(await values(a.forward(x, path)));
    c.dispose();
    [a, b].forEach((n) => n.dispose());
  });

  test('operators and paths', () => {
    expect(() => new Supernet(SHAPE, { operators: ['fuse_half', 'fuse_full'] })).toThrow(/operators: must include dw/);
    expect(() => new Supernet(SHAPE, { operators: ['dw', 'dw'] })).toThrow(/operators\[1\]: duplicate operator dw/);
    expect(() => new Supernet(SHAPE, { operators: ['dw', 'sep' as BlockOperator] })).toThrow(/operators\[1\]: expected one of/);
    const net = new Supernet(SHAPE, { operators: ['dw', 'fuse_half'] });
    expect(() => net.checkPath(['dw'])).toThrow(/path: expected 17 operators \(one per block\), got 1/);
    const withFull = mixedPath(17);
    expect(() => net.layersOf(withFull)).toThrow(/path\[2\]: expected one of the supernet's operators dw, fuse_half, got "fuse_full"/);
    net.dispose();
  });
});
