import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../build.js';
import type { BuildOptions } from '../build.js';
import { buildModel, transferWeights } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { inputSize: 32, numClasses: 10, width: 0.5 } as const;

function build(options: Omit<BuildOptions, keyof typeof shape>, seed: number) {
  return buildModel(buildNetwork({ ...options, ...shape }), { seed });
}

function values(model: ReturnType<typeof build>['model'], layer: string): number[][] {
  return model
    .getLayer(layer)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
}

describe('transferWeights (teacher: baseline, student: FuSe)', () => {
  it('mobilenet_v3_small fuse_half: everything but the FuSe kernels', () => {
    const teacher = build({ network: 'mobilenet_v3_small', variant: 'baseline' }, 1);
    const student = build({ network: 'mobilenet_v3_small', variant: 'fuse_half' }, 2);
    const { copied, skipped, reasons } = transferWeights(teacher.model, student.model);
    // Exactly the spatial convolutions are skipped.
    expect(skipped).toEqual(student.spec.blocks.map((b) => `${b.name}.op`));
    expect(reasons['features.1.op']).toMatch(/layer type differs \(teacher DepthwiseConv2D, student FuseConv2D\)/);
    for (const name of [
      'features.0.0',
      'features.0.0.bn',
      'features.1.se.reduce',
      'features.1.se.expand',
      'features.2.expand',
      'features.2.expand.bn',
      'features.2.op.bn',
      'features.2.project',
      'features.2.project.bn',
      'features.12.0',
      'features.14',
      'classifier.1',
    ]) {
      expect(copied).toContain(name);
      expect(values(student.model, name)).toEqual(values(teacher.model, name)); // incl. BN moving statistics
    }
    // The FuSe kernels keep their own initialisation.
    expect(student.model.getLayer('features.1.op').getWeights()[0]!.shape).toEqual([1, 3, 4, 1]); // 8 hidden channels at width 0.5: 4 get 1×K
    const total = student.model.layers.filter((l) => l.weights.length > 0).length;
    expect(copied.length + skipped.length).toBe(total);
  });

  it('fuse_full: SE, the spatial BN and the projection see 2× channels, so they are skipped too', () => {
    const teacher = build({ network: 'mobilenet_v3_small', variant: 'baseline' }, 1);
    const student = build({ network: 'mobilenet_v3_small', variant: 'fuse_full' }, 2);
    const { copied, skipped, reasons } = transferWeights(teacher.model, student.model);
    expect(skipped).toContain('features.1.op.bn');
    expect(skipped).toContain('features.1.se.reduce');
    expect(reasons['features.1.op.bn']).toMatch(/weight shapes differ/);
    expect(copied).toContain('features.1.expand');
    expect(skipped).toContain('features.1.project');
    expect(copied).toContain('features.1.project.bn');
    expect(student.model.getLayer('features.1.project').getWeights()[0]!.shape[2]).toBe(
      teacher.model.getLayer('features.1.project').getWeights()[0]!.shape[2]! * 2,
    );
  });

  it("mixed student (fuse_half_50): depthwise blocks get the teacher's depthwise kernels; the student then predicts like the teacher there", () => {
    const teacher = build({ network: 'mobilenet_v2', variant: 'baseline' }, 1);
    const student = build({ network: 'mobilenet_v2', variant: 'fuse_half_50' }, 2);
    const { copied, skipped } = transferWeights(teacher.model, student.model);
    for (const b of student.spec.blocks) {
      const name = `${b.name}.op`;
      if (b.operator === 'dw') {
        expect(copied).toContain(name);
        expect(values(student.model, name)).toEqual(values(teacher.model, name));
      } else {
        expect(skipped).toContain(name);
      }
    }
    // MobileNetV2 block 0 (t = 1) has no expansion in either model.
    expect(copied.some((n) => n.startsWith('features.1.expand'))).toBe(false);
  });

  it('a baseline student copied from a baseline teacher predicts identically; copies are independent', () => {
    const teacher = build({ network: 'mnasnet_b1', variant: 'baseline' }, 1);
    const student = build({ network: 'mnasnet_b1', variant: 'baseline' }, 2);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9);
    const before = Array.from((student.model.predict(x) as tf.Tensor).dataSync());
    const { skipped } = transferWeights(teacher.model, student.model);
    expect(skipped).toEqual([]);
    const expected = Array.from((teacher.model.predict(x) as tf.Tensor).dataSync());
    expect(Array.from((student.model.predict(x) as tf.Tensor).dataSync())).toEqual(expected);
    expect(expected).not.toEqual(before);
    // Changing or disposing the teacher leaves the student alone.
    const layer = teacher.model.getLayer('classifier.1');
    layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
    teacher.model.dispose();
    expect(Array.from((student.model.predict(x) as tf.Tensor).dataSync())).toEqual(expected);
  });

  it('filter excludes layers; unknown names are reported', () => {
    const teacher = build({ network: 'mobilenet_v1', variant: 'baseline' }, 1);
    const student = buildModel(buildNetwork({ network: 'mobilenet_v1', variant: 'baseline', ...shape, numClasses: 5 }), { seed: 2 });
    const { copied, skipped, reasons } = transferWeights(teacher.model, student.model, { filter: (n) => n !== 'conv1' });
    expect(reasons['conv1']).toBe('excluded by filter');
    expect(reasons['linear']).toMatch(/weight shapes differ/); // 10 vs 5 classes
    expect(skipped.sort()).toEqual(['conv1', 'linear']);
    expect(copied).toContain('layers.12.project');
  });
});
