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

describe("transferWeights with scaffold: FuSe stages from the teacher's depthwise stages (NOS)", () => {
  /** Element [i, j, c, 0] of a [K, K, C, 1] kernel (or [1, K, C, 1] / [K, 1, C, 1]) read from its flat values. */
  const at = (flat: number[], shape: number[], i: number, j: number, c: number) => flat[(i * shape[1]! + j) * shape[2]! + c]!;

  it('fuse_half: the first ⌈C/2⌉ channels take the centre row, the rest the centre column; BN and projection as copied', () => {
    const teacher = build({ network: 'mobilenet_v2', variant: 'baseline' }, 1);
    const student = build({ network: 'mobilenet_v2', variant: 'fuse_half' }, 2);
    const { copied, scaffolded, skipped } = transferWeights(teacher.model, student.model, { scaffold: true });
    expect(skipped).toEqual([]);
    for (const b of student.spec.blocks) {
      expect(scaffolded).toEqual(expect.arrayContaining([`${b.name}.op`, `${b.name}.op.bn`, `${b.name}.project`]));
      expect(copied).not.toContain(`${b.name}.op`);
      const dw = teacher.model.getLayer(`${b.name}.op`).getWeights()[0]!;
      const [k, , c] = dw.shape as number[];
      const d = Array.from(dw.dataSync());
      const [h, v] = student.model.getLayer(`${b.name}.op`).getWeights();
      const horizontal = Math.ceil(c! / 2);
      const m = (k! - 1) / 2;
      expect(h!.shape).toEqual([1, k, horizontal, 1]);
      expect(v!.shape).toEqual([k, 1, c! - horizontal, 1]);
      const hv = Array.from(h!.dataSync());
      const vv = Array.from(v!.dataSync());
      for (let j = 0; j < k!; j++)
        for (let ch = 0; ch < c!; ch++) {
          if (ch < horizontal) expect(at(hv, h!.shape, 0, j, ch)).toBe(at(d, dw.shape, m, j, ch));
          else expect(at(vv, v!.shape, j, 0, ch - horizontal)).toBe(at(d, dw.shape, j, m, ch));
        }
      expect(values(student.model, `${b.name}.op.bn`)).toEqual(values(teacher.model, `${b.name}.op.bn`));
      expect(values(student.model, `${b.name}.project`)).toEqual(values(teacher.model, `${b.name}.project`));
    }
  });

  it('fuse_full: both kernels whole, the spatial BN duplicated, the projection ½·[P; P]', () => {
    const teacher = build({ network: 'mobilenet_v2', variant: 'baseline' }, 1);
    const student = build({ network: 'mobilenet_v2', variant: 'fuse_full' }, 2);
    const { scaffolded, skipped } = transferWeights(teacher.model, student.model, { scaffold: true });
    expect(skipped).toEqual([]);
    const b = student.spec.blocks[3]!.name;
    expect(scaffolded).toEqual(expect.arrayContaining([`${b}.op`, `${b}.op.bn`, `${b}.project`]));
    const dw = teacher.model.getLayer(`${b}.op`).getWeights()[0]!;
    const [k, , c] = dw.shape as number[];
    const d = Array.from(dw.dataSync());
    const [h, v] = student.model.getLayer(`${b}.op`).getWeights();
    const m = (k! - 1) / 2;
    const hv = Array.from(h!.dataSync());
    const vv = Array.from(v!.dataSync());
    for (let j = 0; j < k!; j++)
      for (let ch = 0; ch < c!; ch++) {
        expect(at(hv, h!.shape, 0, j, ch)).toBe(at(d, dw.shape, m, j, ch));
        expect(at(vv, v!.shape, j, 0, ch)).toBe(at(d, dw.shape, j, m, ch));
      }
    for (const [s, t] of values(student.model, `${b}.op.bn`).map((w, i) => [w, values(teacher.model, `${b}.op.bn`)[i]!] as const))
      expect(s).toEqual([...t, ...t]);
    const p = teacher.model.getLayer(`${b}.project`).getWeights()[0]!;
    const [, , cin, cout] = p.shape as number[];
    const pv = Array.from(p.dataSync());
    const sv = Array.from(student.model.getLayer(`${b}.project`).getWeights()[0]!.dataSync());
    expect(sv.length).toBe(2 * cin! * cout!);
    for (let i = 0; i < 2 * cin!; i++)
      for (let o = 0; o < cout!; o++) expect(sv[i * cout! + o]).toBeCloseTo(0.5 * pv[(i % cin!) * cout! + o]!, 7);
  });

  it('without scaffold nothing changes, and a depthwise block of a mixed student is copied, not scaffolded', () => {
    const teacher = build({ network: 'mobilenet_v2', variant: 'baseline' }, 1);
    const plain = build({ network: 'mobilenet_v2', variant: 'fuse_half_50' }, 2);
    const scaffolded = build({ network: 'mobilenet_v2', variant: 'fuse_half_50' }, 2);
    const a = transferWeights(teacher.model, plain.model);
    const b = transferWeights(teacher.model, scaffolded.model, { scaffold: true });
    expect(a.scaffolded).toEqual([]);
    for (const block of plain.spec.blocks) {
      const op = `${block.name}.op`;
      if (block.operator === 'dw') {
        expect(b.copied).toContain(op);
        expect(b.scaffolded).not.toContain(op);
      } else {
        expect(a.skipped).toContain(op);
        expect(b.scaffolded).toContain(op);
        expect(values(scaffolded.model, op)).not.toEqual(values(plain.model, op));
      }
    }
  });
});
