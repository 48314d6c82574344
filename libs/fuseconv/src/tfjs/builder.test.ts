import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork, searchableBlocks } from '../build.js';
import { modelStats } from '../counting.js';
import { listModules } from '../module-list.js';
import { NETWORKS } from '../networks/index.js';
import type { BlockOperator, NetworkName } from '../types.js';
import { VARIANTS } from '../variants.js';
import { buildModel, countTrainableParams, FuseConv2D, predictLogits } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function liveParams(spec: Parameters<typeof modelStats>[0]): number {
  const stats = modelStats(spec);
  return stats.params - stats.unusedParams;
}

describe('param parity with the spec (params − unusedParams), all 25 network × variant', () => {
  for (const network of NETWORKS) {
    for (const variant of VARIANTS) {
      it(`${network} ${variant}`, () => {
        const spec = buildNetwork({ network, variant, inputSize: 32, numClasses: 10 });
        const { model } = buildModel(spec);
        expect(countTrainableParams(model)).toBe(liveParams(spec));
        // BN moving statistics exist but are not trainable (PyTorch does not count them either).
        const bnChannels = listModules(spec)
          .filter((m) => m.called && m.op === 'conv' && m.batchNorm)
          .reduce((s, m) => s + (m.op === 'conv' ? m.outChannels : 0), 0);
        expect(model.nonTrainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0)).toBe(2 * bnChannels);
        model.dispose();
      });
    }
  }

  it('the unused MobileNetV2 expansion is the only difference from the reference count', () => {
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', inputSize: 32, numClasses: 10 });
    const { model } = buildModel(spec);
    expect(modelStats(spec).unusedParams).toBe(1088);
    expect(countTrainableParams(model)).toBe(modelStats(spec).params - 1088);
    expect(model.layers.some((l) => l.name === 'features.1.expand')).toBe(false);
    model.dispose();
  });
});

/** A deterministic pseudo-random operator list. */
function mixed(network: NetworkName, seed: number): BlockOperator[] {
  const ops: BlockOperator[] = ['dw', 'fuse_full', 'fuse_half'];
  return searchableBlocks({ network }).map((b) => ops[(b.index * 7 + seed) % 3]!);
}

describe('param parity for operator lists, widths and class counts', () => {
  const cases: Array<[NetworkName, number, number]> = [
    ['mobilenet_v1', 0.3, 7], // odd channel counts: uneven FuSe-half splits
    ['mobilenet_v2', 0.75, 100],
    ['mobilenet_v2', 1.4, 10],
    ['mobilenet_v3_small', 0.5, 10],
    ['mobilenet_v3_large', 0.75, 5],
    ['mnasnet_b1', 0.5, 10],
  ];
  for (const [network, width, numClasses] of cases) {
    it(`${network} width ${width}, ${numClasses} classes, mixed operators`, () => {
      const spec = buildNetwork({ network, operators: mixed(network, 1), width, inputSize: 32, numClasses });
      expect(new Set(spec.operators).size).toBe(3);
      const { model } = buildModel(spec);
      expect(countTrainableParams(model)).toBe(liveParams(spec));
      model.dispose();
    });
  }

  it('an uneven FuSe-half split is built as the spec says (1×K takes the extra channel)', () => {
    const spec = buildNetwork({ network: 'mobilenet_v1', variant: 'fuse_half', width: 0.3, inputSize: 32, numClasses: 7 });
    const odd = spec.blocks.find((b) => b.fuse !== null && b.fuse.horizontal !== b.fuse.vertical);
    expect(odd).toBeDefined();
    const { model } = buildModel(spec);
    const layer = model.getLayer(`${odd!.name}.op`) as FuseConv2D;
    expect(layer.getWeights().map((w) => w.shape[2])).toEqual([odd!.fuse!.horizontal, odd!.fuse!.vertical]);
    model.dispose();
  });
});

describe('forward pass', () => {
  for (const network of NETWORKS) {
    it(`${network} fuse_half_50 at 32×32: logits and both tap kinds have the spec's shapes`, () => {
      const spec = buildNetwork({ network, variant: 'fuse_half_50', width: 0.5, inputSize: 32, numClasses: 10 });
      const modules = listModules(spec);
      const block = buildModel(spec, { taps: 'block', seed: 1 });
      const op = buildModel(spec, { taps: 'operator', seed: 1 });
      expect(block.model.outputs.length).toBe(spec.blocks.length + 1);
      expect(block.taps.map((t) => t.block)).toEqual(spec.blocks.map((b) => b.index));
      for (const b of spec.blocks) {
        const project = modules.find((m) => m.block === b.index && m.role === 'project');
        if (project === undefined || project.op !== 'conv') throw new Error('no projection');
        expect(block.taps[b.index]!.shape).toEqual([project.outputH, project.outputW, b.outChannels]);
        expect(op.taps[b.index]!.shape).toEqual([project.inputH, project.inputW, b.projectInChannels]);
        expect(block.model.outputNames[b.index + 1]).toBe(block.taps[b.index]!.layer);
      }
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const outs = block.model.predict(x) as tf.Tensor[];
      expect(outs[0]!.shape).toEqual([2, 10]);
      outs.slice(1).forEach((t, i) => expect(t.shape.slice(1)).toEqual(block.taps[i]!.shape));
      // Same seed, same weights: the tapped and untapped models compute the same logits.
      const plain = buildModel(spec, { seed: 1 });
      const logits = predictLogits(plain, x);
      expect(logits.shape).toEqual([2, 10]);
      expect(Array.from(logits.dataSync())).toEqual(Array.from(outs[0]!.dataSync()));
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      [block, op, plain].forEach((m) => m.model.dispose());
    });
  }

  it('builds at other input sizes (including odd ones) and down to a 1×1 map', () => {
    for (const inputSize of [33, 17, 1]) {
      const spec = buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_full', width: 0.25, inputSize, numClasses: 3 });
      const { model } = buildModel(spec);
      const y = model.predict(tf.ones([1, inputSize, inputSize, 3])) as tf.Tensor;
      expect(y.shape).toEqual([1, 3]);
      model.dispose();
    }
  });

  it('a seed makes initial weights reproducible; different seeds differ', () => {
    const spec = buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 10 });
    const a = buildModel(spec, { seed: 3 })
      .model.getWeights()
      .map((w) => Array.from(w.dataSync()));
    const b = buildModel(spec, { seed: 3 })
      .model.getWeights()
      .map((w) => Array.from(w.dataSync()));
    const c = buildModel(spec, { seed: 4 })
      .model.getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('seed 0 is a seed too (tfjs reads an initialiser seed of 0 as none)', () => {
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.25, inputSize: 16, numClasses: 10 });
    const a = buildModel(spec, { seed: 0 })
      .model.getWeights()
      .map((w) => Array.from(w.dataSync()));
    const b = buildModel(spec, { seed: 0 })
      .model.getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
    expect(() => buildModel(spec, { seed: -1 })).toThrow(/seed must be a non-negative integer/);
  });

  it('layer names follow the spec, independent of the operator, and map to reference modules', () => {
    const dw = buildModel(buildNetwork({ network: 'mobilenet_v3_small', variant: 'baseline', inputSize: 32, numClasses: 10 }));
    const fuse = buildModel(buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_full', inputSize: 32, numClasses: 10 }));
    const names = (m: tfl.LayersModel) => m.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(names(fuse.model)).toEqual(names(dw.model));
    expect(names(dw.model)).toContain('features.0.0');
    expect(names(dw.model)).toContain('features.1.se.reduce');
    expect(names(dw.model)).toContain('features.14');
    expect(dw.logits).toBe('classifier.1');
    expect(dw.moduleMap['features.3.expand']).toEqual(['features.3.conv.0']);
    expect(dw.moduleMap['features.3.op']).toEqual(['features.3.conv.3']);
    expect(fuse.moduleMap['features.3.op']).toEqual(['features.3.conv2_h', 'features.3.conv2_v']);
    expect(fuse.moduleMap['features.1.se.expand']).toEqual(['features.1.se1.fc.2']);
    expect(fuse.moduleMap['classifier.1']).toEqual(['classifier.1']);
    dw.model.dispose();
    fuse.model.dispose();
  });

  it("pads as PyTorch: 'same' at stride 1, an explicit ZeroPadding2D before strided convolutions", () => {
    // Every K×K convolution must compute PyTorch's conv(padding=(K−1)/2): compared, layer by layer,
    // with tf.pad + a 'valid' convolution on the same weights. TF's 'same' at stride 2 would pad
    // bottom/right instead, so a 'same' strided layer fails here.
    let same = 0;
    let explicit = 0;
    for (const network of NETWORKS) {
      for (const [stem, inputSize] of [
        ['cifar', 32],
        ['imagenet', 64],
      ] as const) {
        const { model } = buildModel(buildNetwork({ network, inputSize, numClasses: 10, width: 0.25, stem }), { seed: 5 });
        for (const layer of model.layers) {
          const cls = layer.getClassName();
          if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') continue;
          const config = layer.getConfig();
          const k = (config['kernelSize'] as number[])[0] as number;
          const s = (config['strides'] as number[])[0] as number;
          if (k === 1) continue;
          const p = (k - 1) / 2;
          const inbound = layer.inboundNodes[0]!.inboundLayers[0]!;
          const padLayer = inbound.getClassName() === 'ZeroPadding2D' ? inbound : null;
          const label = `${network}/${stem} ${layer.name} (k${k} s${s} ${String(config['padding'])})`;
          if (padLayer === null) {
            expect(config['padding'], label).toBe('same');
            expect(s, label).toBe(1);
            same++;
          } else {
            expect(config['padding'], label).toBe('valid');
            expect(padLayer.getConfig()['padding'], label).toEqual([
              [p, p],
              [p, p],
            ]);
            expect(s, label).toBeGreaterThan(1);
            explicit++;
          }
          const [, inH, inW, inC] = ((padLayer ?? layer).input as tfl.SymbolicTensor).shape as number[];
          tf.tidy(() => {
            const x0 = tf.randomNormal([2, inH!, inW!, inC!], 0, 1, 'float32', 7) as tf.Tensor4D;
            const actual = layer.apply(padLayer === null ? x0 : padLayer.apply(x0)) as tf.Tensor4D;
            const xp = tf.pad(x0, [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ]);
            const w = layer.getWeights()[0] as tf.Tensor4D;
            const expected = cls === 'Conv2D' ? tf.conv2d(xp, w, s, 'valid') : tf.depthwiseConv2d(xp, w, s, 'valid');
            expect(actual.shape, label).toEqual(expected.shape);
            expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0], label).toBeLessThan(1e-5);
          });
        }
        model.dispose();
      }
    }
    expect(same).toBeGreaterThan(0);
    expect(explicit).toBeGreaterThan(0);
  });

  it('rejects an unknown tap mode', () => {
    const spec = buildNetwork({ network: 'mobilenet_v1', inputSize: 32, numClasses: 10, width: 0.25 });
    expect(() => buildModel(spec, { taps: 'all' as 'block' })).toThrow(/taps/);
  });
});

describe('training', () => {
  it('every trainable weight (FuSe kernels included) gets a finite, non-zero gradient; BN statistics move', () => {
    const spec = buildNetwork({
      network: 'mobilenet_v3_small',
      operators: mixed('mobilenet_v3_small', 2),
      width: 0.25,
      inputSize: 32,
      numClasses: 4,
    });
    const { model } = buildModel(spec, { taps: 'block', seed: 1 });
    const x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 1);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    const mean = model.getLayer('features.2.op.bn').getWeights()[2]!; // moving mean
    const before = Array.from(mean.dataSync());
    const { grads, value } = tf.variableGrads(
      () => {
        const [logits, ...taps] = model.apply(x, { training: true }) as tf.Tensor[];
        // Task loss plus a tap term, the shape of a NOS objective.
        return tf.add(tf.losses.softmaxCrossEntropy(labels, logits!), tf.mul(0.01, tf.mean(tf.square(taps[3]!)))) as tf.Scalar;
      },
      model.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = Object.keys(grads);
    expect(names.length).toBe(model.trainableWeights.length);
    expect(names.some((n) => n.includes('kernel_h'))).toBe(true);
    for (const n of names) {
      const g = grads[n]!.dataSync();
      expect(g.every(Number.isFinite)).toBe(true);
      expect(
        g.some((v) => v !== 0),
        n,
      ).toBe(true);
    }
    const after = Array.from(model.getLayer('features.2.op.bn').getWeights()[2]!.dataSync());
    expect(after).not.toEqual(before);
    model.dispose();
  });
});
