/**
 * Searches with the `accuracy` objective: `training` says how every candidate is trained, and a
 * candidate's training is the job a `trainings` entry with the same settings and operators makes —
 * the same parameters, hence the same key, so it is trained once whoever asks for it.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams } from './expand.js';
import { candidateTraining } from './search.js';
import { loadSpecText, normaliseSpec } from './spec.js';
import { specError } from './test-util.js';
import { jobKey } from './versions.js';

const OPERATORS = ['dw', 'fuse_half', 'dw', 'fuse_full', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw', 'dw'];

const spec = (training: string, objectives = '[accuracy, latency]') => `
name: accuracy-search
seed: 4
searches:
  - name: s
    network: mobilenet_v2
    space: blocks
    operators: [dw, fuse_half, fuse_full]
    strategy: random
    objectives: ${objectives}
    budget: 5
${training}
`;

const FOLDER = `    training:
      dataset: folder
      data: data/cifar.tar.gz
      width: 0.25
      epochs: 2
      limit: 4000
      augment: { crop: 0 }
`;

/** A trainings entry of OPERATORS with FOLDER's settings, at one seed. */
const trainingEntry = (seed: number) => `
name: t
trainings:
  - dataset: folder
    data: data/cifar.tar.gz
    network: mobilenet_v2
    operators: [[${OPERATORS.join(', ')}]]
    width: 0.25
    epochs: 2
    limit: 4000
    seeds: [${seed}]
`;

const searchParams = (text: string) => expandSpec(loadSpecText(text)).find((job) => job.kind === 'nas')!.params as SearchJobParams;

describe('searches[].training (the accuracy objective)', () => {
  it('normalises the training like a trainings entry: defaults, no-op options dropped, seed from the search', () => {
    const params = searchParams(spec(FOLDER));
    expect(params.objectives).toEqual(['accuracy', 'latency']);
    expect(params.training).toEqual({
      dataset: 'folder',
      data: 'data/cifar.tar.gz',
      width: 0.25,
      epochs: 2,
      batch: 64,
      limit: 4000,
      method: 'scratch',
      seed: 4,
    });
    expect(searchParams(spec(`${FOLDER}      seed: 9\n`)).training?.seed).toBe(9);
  });

  it('trains a candidate as the job of a trainings entry with the same settings (same parameters, same key)', () => {
    const params = searchParams(spec(FOLDER));
    const trainings = expandSpec(loadSpecText(trainingEntry(4)));
    const job = candidateTraining(params, { operators: OPERATORS });
    expect(job).toEqual(trainings[0]!.params);
    expect(jobKey('train', job)).toBe(jobKey('train', trainings[0]!.params));
    expect(job).toMatchObject({ variant: 'custom', method: 'scratch', operators: OPERATORS, seed: 4 });
    // Another seed, another job.
    const other = candidateTraining(searchParams(spec(`${FOLDER}      seed: 5\n`)), { operators: OPERATORS });
    expect(jobKey('train', other)).not.toBe(jobKey('train', job));
  });

  it('trains candidates with KD/NOS from the baseline job of a training in the spec, after it (same job as a trainings entry)', () => {
    const text = `
name: nos-search
trainings:
  - { name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 2, seeds: [1, 2] }
searches:
  - network: mobilenet_v2
    space: blocks
    strategy: random
    objectives: [accuracy, latency]
    budget: 2
    training: { dataset: synthetic, width: 0.25, epochs: 1, method: nos, teacher: base, seed: 2 }
`;
    const jobs = expandSpec(loadSpecText(text));
    const search = jobs.find((j) => j.kind === 'nas')!;
    const teacherAt = jobs.findIndex((j) => j.kind === 'train' && (j.params as { seed: number }).seed === 2);
    expect(search.dependsOn).toBe(teacherAt);
    const params = search.params as SearchJobParams;
    expect(params.training?.teacher).toEqual({ job: jobs[teacherAt]!.params });
    const student = expandSpec(
      loadSpecText(`
name: t
trainings:
  - { name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 2, seeds: [1, 2] }
  - { dataset: synthetic, network: mobilenet_v2, operators: [[${OPERATORS.join(', ')}]], width: 0.25, epochs: 1, method: nos, teacher: base, seeds: [2] }
`),
    ).at(-1)!;
    const job = candidateTraining(params, { operators: OPERATORS });
    expect(job).toEqual(student.params);
    expect(jobKey('train', job)).toBe(jobKey('train', student.params));
    // A checkpoint file as teacher: no job to wait for.
    const fromFile = expandSpec(loadSpecText(spec(`    training: { dataset: synthetic, epochs: 1, method: kd, teacher: ckpt/base.json }`)));
    expect(fromFile[0]!.dependsOn).toBeUndefined();
    expect((fromFile[0]!.params as SearchJobParams).training?.teacher).toEqual({ checkpoint: 'ckpt/base.json' });
  });

  it('keys searches without training as before (no training field in their parameters)', () => {
    const params = searchParams(spec('', '[latency, params]'));
    expect(params).not.toHaveProperty('training');
  });

  it('refuses a missing or stray training and bad training settings, naming the field', () => {
    expect(specError(spec(''))).toMatch(/^searches\[0\]\.training: the accuracy objective trains every candidate: give training/);
    expect(specError(spec(FOLDER, '[latency, params]'))).toBe('searches[0].training: only used with the accuracy objective');
    expect(specError(spec('    training: { dataset: folder, epochs: 1 }'))).toMatch(
      /^searches\[0\]\.training\.data: the folder dataset needs data/,
    );
    expect(specError(spec('    training: { dataset: cifar10, epochs: 1 }'))).toMatch(
      /^searches\[0\]\.training\.dataDir: cifar10 needs dataDir/,
    );
    expect(specError(spec('    training: { dataset: synthetic, data: x, epochs: 1 }'))).toBe(
      'searches[0].training.data: only used with dataset folder',
    );
    expect(specError(spec('    training: { dataset: synthetic, epochs: 0 }'))).toMatch(/^searches\[0\]\.training\.epochs: /);
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, batch: 2, replicas: 3 }'))).toBe(
      'searches[0].training.replicas: 3 replicas exceed the batch of 2 (each needs one image)',
    );
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, method: nos }'))).toMatch(
      /^searches\[0\]\.training\.teacher: method "nos" needs a teacher: add a training of the baseline/,
    );
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, teacher: base }'))).toBe(
      'searches[0].training.teacher: only used with method kd or nos (or supernet)',
    );
    expect(
      specError(`
name: other-network
trainings:
  - { name: base, dataset: synthetic, network: mobilenet_v1, variants: [baseline], epochs: 1 }
searches:
  - { network: mobilenet_v2, space: blocks, strategy: random, objectives: [accuracy], budget: 2, training: { dataset: synthetic, epochs: 1, method: nos, teacher: base } }
`),
    ).toBe(
      'searches[0].training.teacher: "base" trains on other data or another network (dataset, dataDir, data, imageSize, limit and network must match)',
    );
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, method: kd, teacher: nobody }'))).toMatch(
      /^searches\[0\]\.training\.teacher: method "kd" needs a teacher: no training named "nobody" in this spec/,
    );
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, batch: 8, method: nos, teacher: x.json, replicas: 2 }'))).toBe(
      'searches[0].training.replicas: data-parallel replicas train from scratch only (method nos needs its teacher in every replica)',
    );
    // The network comes from each candidate: a trainings entry's variants have no place here.
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, variants: [baseline] }'))).toBe(
      'searches[0].training: unknown field "variants"',
    );
  });
});

describe('searches[].confirm (the front trained again at more seeds)', () => {
  const confirmed = (confirm: string, training = FOLDER) => spec(`${training}    confirm: ${confirm}\n`);

  it('keeps the seeds sorted in the job parameters, and keys searches without confirm as before', () => {
    const params = searchParams(confirmed('{ seeds: [7, 5] }'));
    expect(params.confirm).toEqual({ seeds: [5, 7] });
    expect(searchParams(spec(FOLDER))).not.toHaveProperty('confirm');
    expect(jobKey('nas', params)).not.toBe(jobKey('nas', searchParams(spec(FOLDER))));
    // fronts: the default (1) is left out, so it keys as without.
    expect(searchParams(confirmed('{ seeds: [7, 5], fronts: 1 }')).confirm).toEqual({ seeds: [5, 7] });
    expect(searchParams(confirmed('{ seeds: [5], fronts: 2 }')).confirm).toEqual({ seeds: [5], fronts: 2 });
  });

  it('trains a front network at a confirmation seed as the trainings entry of that network and seed (same key)', () => {
    const params = searchParams(confirmed('{ seeds: [5] }'));
    const entry = expandSpec(loadSpecText(trainingEntry(5)))[0]!.params;
    expect(candidateTraining(params, { operators: OPERATORS }, 5)).toEqual(entry);
    // Without a seed: the search's own (4).
    expect(candidateTraining(params, { operators: OPERATORS })).toMatchObject({ seed: 4 });
  });

  it('refuses what it cannot confirm, naming the field', () => {
    expect(specError(spec(`    confirm: { seeds: [5] }\n`, '[latency, params]'))).toBe(
      'searches[0].confirm: confirmation trains the front again at more seeds: only used with the accuracy objective and training',
    );
    expect(specError(confirmed('{ seeds: [5] }', '    training: { dataset: synthetic, epochs: 1, method: supernet }\n'))).toBe(
      'searches[0].confirm: method supernet scores networks by inherited accuracy on one supernet, not by trainings at a seed: nothing to confirm',
    );
    expect(specError(confirmed('{ seeds: [5, 5] }'))).toBe('searches[0].confirm.seeds: duplicate seed "5"');
    expect(specError(confirmed('{ seeds: [4, 5] }'))).toBe(
      'searches[0].confirm.seeds: seed 4 is a training seed of the search: every candidate is trained at it already',
    );
    expect(specError(confirmed('{ seeds: [] }'))).toMatch(/^searches\[0\]\.confirm\.seeds: expected at least one seed/);
    expect(specError(confirmed('{ seeds: [1.5] }'))).toMatch(/^searches\[0\]\.confirm\.seeds\[0\]: expected an integer seed/);
    expect(specError(confirmed('{ seeds: [2], top: 3 }'))).toBe('searches[0].confirm: unknown field "top"');
    expect(specError(confirmed('{ seeds: [2], fronts: 0 }'))).toMatch(
      /^searches\[0\]\.confirm\.fronts: expected a positive whole number of fronts/,
    );
    expect(specError(confirmed('{ seeds: [2], fronts: 11 }'))).toMatch(/^searches\[0\]\.confirm\.fronts: /);
  });
});

describe('searches[].training.seeds (every candidate trained at several seeds, its accuracy the mean)', () => {
  const seeded = (seeds: string, extra = '') => spec(`${FOLDER}      seeds: ${seeds}\n${extra}`);

  it('keeps the seeds sorted, the first as the seed, and keys one-seed searches as before', () => {
    const params = searchParams(seeded('[6, 3]'));
    expect(params.training).toMatchObject({ seed: 3, seeds: [3, 6] });
    expect(searchParams(spec(FOLDER)).training).not.toHaveProperty('seeds');
    // The normal form normalises to itself (campaigns store it, imports and workers read it back).
    const normal = loadSpecText(seeded('[6, 3]'));
    expect(normaliseSpec(normal)).toEqual(normal);
  });

  it('trains a candidate at each seed as the trainings entry of that network and seed (same key)', () => {
    const params = searchParams(seeded('[5, 6]'));
    for (const seed of [5, 6])
      expect(candidateTraining(params, { operators: OPERATORS }, seed)).toEqual(expandSpec(loadSpecText(trainingEntry(seed)))[0]!.params);
    // Without a seed: the first; and `seeds` is not a training job's parameter.
    expect(candidateTraining(params, { operators: OPERATORS })).toEqual(expandSpec(loadSpecText(trainingEntry(5)))[0]!.params);
  });

  it('refuses what it cannot average, naming the field', () => {
    expect(specError(seeded('[5]'))).toMatch(/^searches\[0\]\.training\.seeds: at least 2 seeds \(one seed: give seed\)/);
    expect(specError(seeded('[5, 5]'))).toBe('searches[0].training.seeds: duplicate seed "5"');
    expect(specError(seeded('[5, 6]', '      seed: 6\n'))).toBe(
      'searches[0].training.seeds: give seed (one) or seeds (each candidate trained at every one), not both',
    );
    expect(specError(seeded('[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]'))).toMatch(/^searches\[0\]\.training\.seeds: at most 10 seeds/);
    expect(specError(seeded('[1, -2]'))).toMatch(/^searches\[0\]\.training\.seeds\[1\]: /);
    expect(specError(spec('    training: { dataset: synthetic, epochs: 1, method: supernet, seeds: [1, 2] }\n'))).toBe(
      'searches[0].training.seeds: method supernet scores networks by inherited accuracy on one supernet: it has no per-seed trainings',
    );
    expect(specError(seeded('[5, 6]', '    confirm: { seeds: [6, 7] }\n'))).toBe(
      'searches[0].confirm.seeds: seed 6 is a training seed of the search: every candidate is trained at it already',
    );
  });
});
