/** trainingSetting: what the dashboard pools seeds by — equal for the seeds of one entry, different across an ablation's arms. */
import { describe, expect, it } from 'vitest';
import { expandSpec, type TrainJobParams } from './expand.js';
import { loadSpecText } from './spec.js';
import { trainingSetting } from './training-setting.js';

const spec = `
name: setting
trainings:
  - { name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 6, limit: 4000, seeds: [1, 2] }
  - { name: long-base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 20, limit: 4000, seeds: [1] }
  - name: nos
    dataset: synthetic
    network: mobilenet_v2
    variants: [fuse_half]
    width: 0.25
    epochs: 6
    limit: 4000
    augment: { crop: 4, flip: true }
    method: nos
    teacher: base
    seeds: [1, 2]
  - { name: nos-light, dataset: synthetic, network: mobilenet_v2, variants: [fuse_half], width: 0.25, epochs: 6, limit: 4000,
      augment: { crop: 4, flip: true }, method: nos, teacher: base, distill: { lambdaOp: 0.1 }, seeds: [1, 2] }
  - { name: nos-long-teacher, dataset: synthetic, network: mobilenet_v2, variants: [fuse_half], width: 0.25, epochs: 6, limit: 4000,
      augment: { crop: 4, flip: true }, method: nos, teacher: long-base, lr: 0.1, seeds: [1] }
`;

const jobs = expandSpec(loadSpecText(spec)).map((job) => ({ group: job.group, params: job.params as TrainJobParams }));
const settingsOf = (group: string) => jobs.filter((job) => job.group === group).map((job) => trainingSetting(job.params));

describe('trainingSetting', () => {
  it("describes a scratch run's setting, the same for each of its seeds", () => {
    const [one, two] = settingsOf('base');
    expect(one).toEqual({
      width: '0.25',
      stem: 'default',
      epochs: '6',
      images: '4,000',
      batch: '64',
      augment: 'none',
      recipe: 'SGD lr 0.05, momentum 0.9, weight decay 0.00005, cosine',
    });
    expect(two).toEqual(one);
  });

  it("adds a student's distillation knobs and its teacher without the teacher's seed", () => {
    const [one, two] = settingsOf('nos');
    expect(one).toMatchObject({
      augment: 'crop 4 + flip',
      distill: 'NOS α 0.5, T 4, λ_op 1, cosine anneal over 0.5 of the steps',
      // The teacher trained without augmentation: the one field where its setting differs.
      teacher: 'baseline scratch, augment none',
    });
    expect(two).toEqual(one);
    expect(settingsOf('nos-light')[0]).toEqual({ ...one, distill: 'NOS α 0.5, T 4, λ_op 0.1, cosine anneal over 0.5 of the steps' });
  });

  it('names a file with the start of its digest, so another file at the same path is another setting', () => {
    const [student] = expandSpec(
      loadSpecText(`
name: files
trainings:
  - { dataset: folder, data: pets.tar, network: mobilenet_v2, variants: [fuse_half], width: 0.25, epochs: 6, method: kd,
      teacher: teacher.ckpt.json.gz, sha256: { data: ${'a'.repeat(64)}, teacher: ${'b'.repeat(64)} } }
`),
    ).map((job) => trainingSetting(job.params as TrainJobParams));
    expect(student).toMatchObject({
      data: 'pets.tar (sha256 aaaaaaaaaaaa)',
      teacher: 'checkpoint teacher.ckpt.json.gz (sha256 bbbbbbbbbbbb)',
    });
    // Jobs from before digests: the path alone.
    const { sha256: _, ...older } = expandSpec(loadSpecText(spec))[0]!.params as TrainJobParams;
    expect(trainingSetting({ ...older, dataset: 'folder', data: 'pets.tar' }).data).toBe('pets.tar');
  });

  it("names a teacher's longer schedule and the student's own recipe", () => {
    expect(settingsOf('nos-long-teacher')[0]).toMatchObject({
      recipe: 'SGD lr 0.1, momentum 0.9, weight decay 0.00005, cosine',
      teacher: 'baseline scratch, epochs 20, augment none, recipe SGD lr 0.05, momentum 0.9, weight decay 0.00005, cosine',
    });
  });
});
