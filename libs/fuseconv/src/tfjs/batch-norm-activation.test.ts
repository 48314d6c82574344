import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_ACT_TRAIN, BATCH_NORM_MOVING, BatchNormActivation, batchNormActivationTrain, type FusedActivation } from './index.js';
import { relErr } from './test-util.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The unfused reference: tfjs's moments + batchNorm + activation (what the tf.layers compute). */
function reference(x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, eps: number, act: FusedActivation): tf.Tensor[] {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  let y = tf.batchNorm(x, mean, variance, b, g, eps);
  if (act === 'relu') y = tf.relu(y);
  if (act === 'relu6') y = tf.clipByValue(tf.relu(y), 0, 6);
  return [y, mean, variance];
}

function rand(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale), offset));
}

describe('fused batch norm + activation kernels (cpu) vs tfjs ops', () => {
  const shapes: number[][] = [
    [4, 5, 6, 7],
    [3, 8, 8, 16],
    [2, 7, 9, 3],
    [16, 10],
    [2, 1, 1, 5],
  ];
  const acts: FusedActivation[] = ['linear', 'relu', 'relu6'];
  let seed = 10;
  for (const shape of shapes) {
    for (const act of acts) {
      it(`${act} on [${shape.join(',')}]: forward, statistics and gradients`, () => {
        seed += 7;
        const C = shape[shape.length - 1]!;
        // Offset and scale so that the ReLU6 clip at 6 and the mean shift both matter.
        const x = rand(shape, seed, 2.5, 1.5);
        const g = rand([C], seed + 1, 2, 1) as tf.Tensor1D;
        const b = rand([C], seed + 2, 2, 1) as tf.Tensor1D;
        const dy = rand(shape, seed + 3);
        const eps = 1e-3;
        expect(tf.getKernel(BATCH_NORM_ACT_TRAIN, 'cpu')).toBeDefined();
        const [y, m, v] = batchNormActivationTrain(x, g, b, eps, act);
        const [ry, rm, rv] = reference(x, g, b, eps, act);
        expect(relErr(y, ry!)).toBeLessThan(2e-5);
        expect(relErr(m, rm!)).toBeLessThan(2e-5);
        expect(relErr(v, rv!)).toBeLessThan(2e-5);
        const fused = tf.grads(
          (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => batchNormActivationTrain(a, c as tf.Tensor1D, d as tf.Tensor1D, eps, act)[0],
        )([x, g, b], dy);
        const ref = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => reference(a, c as tf.Tensor1D, d as tf.Tensor1D, eps, act)[0]!)(
          [x, g, b],
          dy,
        );
        // With very few values per channel dx is a difference of nearly equal terms (ill-conditioned
        // in float32 on both sides), hence the looser bound there.
        const tol = x.size / C < 8 ? 1e-3 : 5e-5;
        for (let i = 0; i < 3; i++) expect(relErr(fused[i]!, ref[i]!), `grad ${i}`).toBeLessThan(tol);
        tf.dispose([x, g, b, dy, y, m, v, ry!, rm!, rv!, ...fused, ...ref]);
      });
    }
  }
});

type ST = tfl.SymbolicTensor;

/** conv → BN → act → dense, either as separate tf.layers or with the fused layer. */
function tinyModel(fused: boolean, act: FusedActivation): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 3] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, useBias: false, kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }), name: 'conv' })
    .apply(input) as ST;
  if (fused) {
    x = new BatchNormActivation({ name: 'bn', activation: act, epsilon: 1e-5, momentum: 0.9 }).apply(x) as ST;
  } else {
    x = tfl.layers.batchNormalization({ name: 'bn', epsilon: 1e-5, momentum: 0.9 }).apply(x) as ST;
    if (act === 'relu') x = tfl.layers.reLU().apply(x) as ST;
    if (act === 'relu6') x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as ST;
  }
  x = tfl.layers.flatten().apply(x) as ST;
  const out = tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }), name: 'dense' }).apply(x) as ST;
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  return model;
}

describe('BatchNormActivation layer', () => {
  it('has the weights of tf.layers.batchNormalization (γ, β trainable; moving stats not)', () => {
    const fused = tinyModel(true, 'relu6');
    const plain = tinyModel(false, 'relu6');
    const names = (m: tfl.LayersModel, trainable: boolean) =>
      (trainable ? m.getLayer('bn').trainableWeights : m.getLayer('bn').nonTrainableWeights).map((w) => [
        w.name.split('/').pop()!.replace(/_\d+$/, ''),
        w.shape,
      ]);
    expect(names(fused, true)).toEqual(names(plain, true));
    expect(names(fused, false)).toEqual(names(plain, false));
    expect(
      fused
        .getLayer('bn')
        .getWeights()
        .map((w) => w.shape),
    ).toEqual(
      plain
        .getLayer('bn')
        .getWeights()
        .map((w) => w.shape),
    );
    expect(fused.countParams()).toBe(plain.countParams());
    fused.dispose();
    plain.dispose();
  });

  for (const act of ['linear', 'relu', 'relu6'] as const) {
    it(`${act}: trains exactly like BatchNormalization + ReLU layers (3 Adam steps, moving stats, inference)`, async () => {
      const fused = tinyModel(true, act);
      const plain = tinyModel(false, act);
      fused.setWeights(plain.getWeights());
      const x = rand([5, 6, 6, 3], 3, 2, 0.5);
      const y = rand([5, 4], 4);
      for (let i = 0; i < 3; i++) {
        const lf = (await fused.trainOnBatch(x, y)) as number;
        const lp = (await plain.trainOnBatch(x, y)) as number;
        expect(Math.abs(lf - lp)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lp)));
      }
      const wf = fused.getWeights();
      const wp = plain.getWeights();
      expect(wf.length).toBe(wp.length);
      wf.forEach((w, i) => expect(relErr(w, wp[i]!), `weight ${i}`).toBeLessThan(1e-3));
      const pf = fused.predict(x) as tf.Tensor;
      const pp = plain.predict(x) as tf.Tensor;
      expect(relErr(pf, pp)).toBeLessThan(1e-3);
      fused.dispose();
      plain.dispose();
    });
  }

  it('round-trips through save/load (class registered, config and weights kept)', async () => {
    const model = tinyModel(true, 'relu6');
    const x = rand([2, 6, 6, 3], 9, 2, 0.5);
    await model.trainOnBatch(x, rand([2, 4], 10));
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const layer = loaded.getLayer('bn') as BatchNormActivation;
    expect(layer).toBeInstanceOf(BatchNormActivation);
    expect(layer.activation).toBe('relu6');
    expect(layer.epsilon).toBe(1e-5);
    expect(layer.momentum).toBe(0.9);
    expect(relErr(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(0);
    model.dispose();
    loaded.dispose();
  });

  it('updates the moving statistics to the bit as tfjs sub/mul/sub do, in one kernel without a gradient', async () => {
    const C = 257;
    // Values of every magnitude, so that each of the three roundings matters somewhere.
    const values = (seed: number) =>
      tf.tidy(() => tf.mul(tf.randomNormal([C], 0, 1, 'float32', seed), tf.pow(10, tf.randomUniform([C], -6, 6, 'float32', seed + 1))));
    for (const [seed, decay] of [
      [1, 1 - 0.9],
      [2, 1 - 0.99],
      [3, 0.3],
    ] as const) {
      const moving = values(seed);
      const batch = values(seed + 10);
      const expected = tf.sub(moving, tf.mul(tf.sub(moving, batch), decay));
      const [got] = tf.engine().runKernel(
        BATCH_NORM_MOVING,
        { movingMean: moving, movingVariance: moving, mean: batch, variance: batch },
        {
          decay,
        },
      ) as unknown as tf.Tensor[];
      expect(Array.from(got!.dataSync()), `decay ${decay}`).toEqual(Array.from(expected.dataSync()));
    }
    // A training call under a gradient tape records the update as that one kernel: none of the
    // subs and muls (nor the clones the tape keeps of their inputs).
    const layer = new BatchNormActivation({ activation: 'relu6', momentum: 0.9 });
    const x = rand([4, 5, 5, 6], 31, 2, 1);
    layer.apply(x); // builds the weights
    const trainable = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const info = await tf.profile(() => tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor), trainable).value);
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === BATCH_NORM_MOVING)).toHaveLength(1);
    expect(names.filter((n) => n === 'Sub')).toEqual([]);
    expect(names.filter((n) => n === 'Multiply')).toHaveLength(1); // the gradient of tf.sum
  });

  it('rejects an unknown activation', () => {
    expect(() => new BatchNormActivation({ activation: 'hswish' as 'relu' })).toThrow(/activation/);
  });
});

describe('buildModel with fused batch norms', () => {
  it('computes what the unfused model computes (training and inference) with the same weights', async () => {
    const { buildNetwork } = await import('../build.js');
    const { buildModel } = await import('./index.js');
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.35, inputSize: 32, numClasses: 5 });
    // Block taps: the head's dropout makes training-mode logits random.
    const fused = buildModel(spec, { seed: 5, taps: 'block' }).model;
    const plain = buildModel(spec, { seed: 5, taps: 'block', fuseBatchNorm: false }).model;
    const classes = (m: tfl.LayersModel) => m.layers.map((l) => l.getClassName());
    expect(classes(fused)).toContain('BatchNormActivation');
    expect(classes(plain)).not.toContain('BatchNormActivation');
    expect(fused.layers.length).toBeLessThan(plain.layers.length);
    expect(fused.countParams()).toBe(plain.countParams());
    const byName = new Map(plain.weights.map((w) => [w.originalName, w]));
    expect(fused.weights.map((w) => byName.get(w.originalName)?.shape)).toEqual(fused.weights.map((w) => w.shape));
    const x = rand([4, 32, 32, 3], 21);
    for (const training of [true, false]) {
      if (!training) {
        // The training pass just updated the moving statistics from those ill-conditioned late
        // batch norms too (with PyTorch's initialisation, the late depthwise outputs are small,
        // so their 4 values per channel normalise with a tiny variance); the moving-average update
        // itself is compared with BatchNormalization's in the unit tests above. Give the fused
        // model the plain one's statistics so inference compares the two functions on equal weights.
        fused.setWeights(fused.weights.map((w) => byName.get(w.originalName)!.read()));
      }
      const a = fused.apply(x, { training }) as tf.Tensor[];
      const b = plain.apply(x, { training }) as tf.Tensor[];
      expect(a.length).toBe(spec.blocks.length + 1);
      // In training mode, batch norms over a handful of values per channel (late 1×1 maps ×
      // batch 3) amplify float32 round-off without bound; compare the taps whose maps still have
      // at least 16 values per channel.
      let compared = 0;
      a.forEach((t, i) => {
        if (training && (i === 0 || t.size / t.shape[t.shape.length - 1]! < 16)) return;
        expect(relErr(t, b[i]!), `training ${training}, output ${i}`).toBeLessThan(training ? 1e-3 : 1e-4);
        compared++;
      });
      expect(compared).toBeGreaterThanOrEqual(5);
    }
    fused.dispose();
    plain.dispose();
  });
});
