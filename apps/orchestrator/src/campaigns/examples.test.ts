/**
 * Every spec under examples/ is what the README and the specs' own comments tell users to run:
 * each must load (schema, teachers, names) and expand to the job counts its comment states.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams, type TrainJobParams } from './expand.js';
import { candidateTraining } from './search.js';
import { jobKey } from './versions.js';
import { loadSpecText } from './spec.js';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));

/** Job counts the examples' comments promise (by kind). */
const EXPECTED: Record<string, Record<string, number>> = {
  'cifar10-nos.yaml': { train: 14 },
  'cifar10-nos-long.yaml': { train: 14 },
  'cifar10-nos-ablations.yaml': { train: 16 },
  'cifar10-nos-teacher.yaml': { train: 27 },
  'cifar10-nos-depthwise.yaml': { train: 18 },
  'cifar10-nos-plateau.yaml': { train: 14 },
  'cifar10-baseline-80.yaml': { train: 2 },
  'cifar10-nos-80.yaml': { train: 16 },
  'cifar10-nos-nas.yaml': { train: 5, nas: 1 },
  'cifar10-nos-nas-seeds.yaml': { train: 24 },
  'cifar10-nos-nas-depthwise.yaml': { train: 9, nas: 1 },
  'cifar10-nos-nas-80.yaml': { train: 8, nas: 1 },
  'cifar10-proxy-study.yaml': { train: 100 },
  'cifar10-search-confirm.yaml': { nas: 1 },
  'cifar10-supernet-search.yaml': { train: 1, nas: 2 },
  'nos-small.yaml': { train: 2 },
  'paper-table.yaml': { sim: 300, train: 2 },
};

describe('examples/', () => {
  const files = readdirSync(examples)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();

  it('holds the specs this test knows', () => {
    expect(files).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  it.each(files)('%s loads and expands', (file) => {
    const spec = loadSpecText(readFileSync(join(examples, file), 'utf8'), file);
    const counts: Record<string, number> = {};
    for (const job of expandSpec(spec)) counts[job.kind] = (counts[job.kind] ?? 0) + 1;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    if (EXPECTED[file]) expect(counts).toEqual(EXPECTED[file]);
    // The normal form a campaign stores (and `campaign export` writes) can be submitted again as it
    // is: it loads to itself, teachers included, so the same jobs and keys follow.
    expect(loadSpecText(JSON.stringify(spec), `${file}.json`)).toEqual(spec);
  });

  it('cifar10-nos-nas-80: its teacher file is in the repository, the seed-1 80-epoch baseline, finished', () => {
    const spec = loadSpecText(readFileSync(join(examples, 'cifar10-nos-nas-80.yaml'), 'utf8'));
    const teachers = new Set(
      [...spec.trainings.map((t) => t.teacher), ...spec.searches.map((s) => s.training?.teacher)].map((t) =>
        t && 'checkpoint' in t ? t.checkpoint : undefined,
      ),
    );
    expect([...teachers]).toEqual(['libs/nos/experiments/results/cifar10-baseline-80-s1.ckpt.json.gz']);
    // The spec's paths are relative to the repository's root, where it is run.
    const file = join(examples, '..', [...teachers][0]!);
    const checkpoint = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
      seed: number;
      epoch: number;
      globalStep: number;
      totalSteps: number;
      meta: Record<string, unknown>;
    };
    expect(checkpoint.meta).toMatchObject({ network: 'mobilenet_v2', variant: 'baseline', width: 0.25, stem: 'cifar', method: 'scratch' });
    expect([checkpoint.seed, checkpoint.epoch, checkpoint.globalStep]).toEqual([1, 80, checkpoint.totalSteps]);
  });

  it('cifar10-nos: every student learns from the baseline of its own seed', () => {
    const spec = loadSpecText(readFileSync(join(examples, 'cifar10-nos.yaml'), 'utf8'));
    const jobs = expandSpec(spec);
    const students = jobs.filter((job) => job.kind === 'train' && (job.params as { method?: string }).method !== 'scratch');
    expect(students).toHaveLength(8);
    for (const student of students) {
      const teacher = jobs[student.dependsOn!]!;
      expect((teacher.params as { variant: string }).variant).toBe('baseline');
      expect((teacher.params as { seed: number }).seed).toBe((student.params as { seed: number }).seed);
    }
  });

  it("cifar10-nos-nas-seeds: its seed-1 jobs are the study's, so a shared store reuses them", () => {
    const load = (file: string) => expandSpec(loadSpecText(readFileSync(join(examples, file), 'utf8'), file));
    const study = load('cifar10-nos-nas.yaml');
    const seeds = load('cifar10-nos-nas-seeds.yaml');
    const search = study.find((job) => job.kind === 'nas')!.params as SearchJobParams;
    const studyKeys = new Set(study.filter((job) => job.kind === 'train').map((job) => jobKey('train', job.params)));
    const front = seeds.filter((job) => job.kind === 'train' && (job.params as TrainJobParams).variant === 'custom');
    expect(front).toHaveLength(9);
    // The front's networks were the search's candidates: each seed-1 job is the training the search ran.
    for (const job of front.filter((job) => (job.params as TrainJobParams).seed === 1))
      studyKeys.add(jobKey('train', candidateTraining(search, { operators: (job.params as TrainJobParams).operators! })));
    const seedOne = seeds.filter((job) => (job.params as TrainJobParams).seed === 1);
    expect(seedOne).toHaveLength(1 + 4 + 3);
    for (const job of seedOne) expect(studyKeys).toContain(jobKey('train', job.params));
    // Every student, whatever its seed, learns from the study's teacher (the seed-1 baseline).
    const teacherKey = jobKey('train', study.find((job) => (job.params as TrainJobParams).variant === 'baseline')!.params);
    const students = seeds.filter((job) => (job.params as TrainJobParams).method === 'nos');
    expect(students).toHaveLength(21);
    for (const student of students) expect(jobKey('train', seeds[student.dependsOn!]!.params)).toBe(teacherKey);
  });
  it("cifar10-nos-nas-depthwise: its teacher and two fixed variants are cifar10-nos-depthwise's seed-1 jobs", () => {
    const load = (file: string) => expandSpec(loadSpecText(readFileSync(join(examples, file), 'utf8'), file));
    const study = load('cifar10-nos-depthwise.yaml');
    const search = load('cifar10-nos-nas-depthwise.yaml');
    const studyKeys = new Set(study.map((job) => jobKey('train', job.params)));
    const shared = search.filter((job) => job.kind === 'train' && studyKeys.has(jobKey('train', job.params)));
    expect(shared.map((job) => (job.params as TrainJobParams).variant).sort()).toEqual(['baseline', 'fuse_full', 'fuse_half']);
    // Its searched networks train as that study's NOS students do: same teacher, recipe and data.
    const params = search.find((job) => job.kind === 'nas')!.params as SearchJobParams;
    const candidate = candidateTraining(params, { operators: Array<string>(17).fill('fuse_half') }) as TrainJobParams;
    const student = study.find((job) => (job.params as TrainJobParams).method === 'nos' && (job.params as TrainJobParams).seed === 1)!
      .params as TrainJobParams;
    for (const field of ['teacher', 'data', 'width', 'stem', 'epochs', 'limit', 'augment', 'batch', 'seed', 'distill'] as const)
      expect(candidate[field], field).toEqual(student[field]);
  });
});
