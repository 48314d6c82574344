import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../index.js';
import { BatchNormActivation, buildModel, isBatchNorm, isDropout, withLayerCalls, type LayerCall } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** input → dense (weights 1) → batchNorm → dense: a model whose first dense layer we double. */
function model() {
  const input = tfl.input({ shape: [2] });
  const dense = tfl.layers.dense({ units: 2, kernelInitializer: 'ones', useBias: false });
  const norm = tfl.layers.batchNormalization();
  const output = tfl.layers
    .dense({ units: 1, kernelInitializer: 'ones', useBias: false })
    .apply(norm.apply(dense.apply(input))) as tfl.SymbolicTensor;
  return { model: tfl.model({ inputs: input, outputs: output }), dense, norm };
}

const doubled =
  (_: tfl.layers.Layer, original: LayerCall): LayerCall =>
  (inputs, kwargs) =>
    tf.mul(original(inputs, kwargs) as tf.Tensor, 2);
const firstDense = (m: tfl.LayersModel) => (m.apply(tf.tensor2d([[1, 2]])) as tf.Tensor).dataSync()[0]!;

describe('withLayerCalls', () => {
  it('wraps the layers while run runs and uncovers their inherited call afterwards', () => {
    const { model: m, dense } = model();
    const plain = firstDense(m);
    const inside = withLayerCalls([dense], doubled, () => firstDense(m));
    expect(inside).toBeCloseTo(2 * plain, 4);
    expect(Object.prototype.hasOwnProperty.call(dense, 'call')).toBe(false);
    expect(firstDense(m)).toBeCloseTo(plain, 4);
  });

  it('puts back an own call, also when run throws', () => {
    const { model: m, dense } = model();
    const own: LayerCall = (inputs) => tf.zerosLike(Array.isArray(inputs) ? inputs[0]! : inputs);
    (dense as unknown as { call: LayerCall }).call = own;
    expect(() =>
      withLayerCalls([dense], doubled, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect((dense as unknown as { call: LayerCall }).call).toBe(own);
    expect(firstDense(m)).toBe(0);
  });

  it('keeps the wrap across awaits and restores once the promise settles', async () => {
    const { model: m, dense } = model();
    const plain = firstDense(m);
    const seen: number[] = [];
    const done = withLayerCalls([dense], doubled, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(firstDense(m));
      throw new Error('late');
    });
    await expect(done).rejects.toThrow('late');
    expect(seen[0]).toBeCloseTo(2 * plain, 4);
    expect(firstDense(m)).toBeCloseTo(plain, 4);
  });
});

describe('isBatchNorm', () => {
  it("knows tfjs-layers' BatchNorm and the fused BatchNormActivation, nothing else", () => {
    const { dense, norm } = model();
    expect(isBatchNorm(norm)).toBe(true);
    expect(isBatchNorm(new BatchNormActivation({ activation: 'relu' }))).toBe(true);
    expect(isBatchNorm(dense)).toBe(false);
  });
});

describe('isDropout', () => {
  it("knows tfjs-layers' Dropout, and the builder's classifier has one", () => {
    const { dense, norm } = model();
    expect(isDropout(tfl.layers.dropout({ rate: 0.2 }))).toBe(true);
    expect(isDropout(dense)).toBe(false);
    expect(isDropout(norm)).toBe(false);
    const built = buildModel(buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', width: 0.25, inputSize: 32, numClasses: 10 }));
    expect(built.model.layers.filter(isDropout).map((l) => l.name)).toEqual(['head.dropout']);
  });
});
