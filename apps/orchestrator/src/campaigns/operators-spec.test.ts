/**
 * The training entry's `operators`: networks given by one operator per block (what a search's
 * candidates and `fuselab score --operators` are), trained as variant `custom`.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type TrainJobParams } from './expand.js';
import { loadSpecText, normaliseSpec } from './spec.js';
import { SpecError } from './validation.js';
import { jobKey } from './versions.js';

// mobilenet_v3_small has 11 searchable blocks.
const A = ['dw', 'fuse_half', 'dw', 'fuse_full', 'dw', 'dw', 'fuse_half', 'dw', 'dw', 'fuse_full', 'dw'];
const B = [
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
  'fuse_half',
];

const training = (extra: Record<string, unknown>) => ({
  name: 'ops',
  trainings: [{ name: 'nets', dataset: 'synthetic', network: 'mobilenet_v3_small', epochs: 1, seeds: [1, 2], ...extra }],
});
const jobs = (extra: Record<string, unknown>) => expandSpec(normaliseSpec(training(extra))).map((job) => job.params as TrainJobParams);

describe('trainings[].operators', () => {
  it('trains each operator list as variant custom, after the named variants, once per seed', () => {
    const params = jobs({ variants: ['baseline'], operators: [A, B] });
    expect(params.map((p) => [p.variant, p.operators ?? null, p.seed])).toEqual([
      ['baseline', null, 1],
      ['baseline', null, 2],
      ['custom', A, 1],
      ['custom', A, 2],
      ['custom', B, 1],
      ['custom', B, 2],
    ]);
    const keys = params.map((p) => jobKey('train', p));
    expect(new Set(keys).size).toBe(6);
  });

  it('needs no named variant, and leaves specs without operators as they were (same keys)', () => {
    expect(jobs({ operators: [A] }).map((p) => p.variant)).toEqual(['custom', 'custom']);
    // The normalised form (stored, exported, re-submitted) normalises to itself.
    for (const extra of [{ operators: [A] }, { variants: ['baseline'], operators: [A, B] }]) {
      const once = normaliseSpec(training(extra));
      expect(normaliseSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
    const plain = normaliseSpec(training({ variants: ['fuse_half'] }));
    expect('operators' in plain.trainings[0]!).toBe(false);
    // fuse_half as a variant and as its own operator list are different jobs (a custom network is
    // named by its operators), though they build the same network.
    expect(jobKey('train', jobs({ variants: ['fuse_half'] })[0]!)).not.toBe(jobKey('train', jobs({ operators: [B] })[0]!));
  });

  it('lets a custom network learn from the spec’s trained baseline (kd / nos)', () => {
    const spec = normaliseSpec({
      name: 'ops',
      trainings: [
        { name: 'teacher', dataset: 'synthetic', network: 'mobilenet_v3_small', variants: ['baseline'], epochs: 1, seeds: [1] },
        { name: 'students', dataset: 'synthetic', network: 'mobilenet_v3_small', operators: [A], method: 'nos', epochs: 1, seeds: [1] },
      ],
    });
    const [teacher, student] = expandSpec(spec);
    expect((student!.params as TrainJobParams).teacher).toEqual({ job: teacher!.params });
    expect(student!.dependsOn).toBe(0);
  });

  it.each([
    [{}, 'trainings[0].variants: expected variants, operators (one list of block operators per network), or both'],
    [{ operators: [A.slice(1)] }, 'trainings[0].operators[0]: mobilenet_v3_small has 11 searchable blocks, got 10 operators'],
    [{ operators: [[...A.slice(1), 'conv']] }, 'trainings[0].operators[0][10]: unknown block operator "conv"'],
    [{ operators: [A, B, A] }, 'trainings[0].operators: duplicate operator list'],
    [{ operators: [] }, 'trainings[0].operators: expected at least one list of block operators'],
  ])('%j is refused naming the field', (extra, message) => {
    expect(() => normaliseSpec(training(extra))).toThrow(SpecError);
    expect(() => normaliseSpec(training(extra))).toThrow(message);
  });

  it('reads from YAML as the CLI and the dashboard submit it', () => {
    const spec = loadSpecText(`
name: yaml
trainings:
  - dataset: synthetic
    network: mobilenet_v3_small
    epochs: 1
    operators:
      - [${A.join(', ')}]
`);
    expect(spec.trainings[0]!.operators).toEqual([A]);
  });
});
