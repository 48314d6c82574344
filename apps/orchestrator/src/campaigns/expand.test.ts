import { describe, expect, it } from 'vitest';
import { expandSpec, iterateSpec, stableStringify, type SimJobParams, type TrainJobParams } from './expand.js';
import { loadSpecText } from './spec.js';

// Counts below are worked out by hand from the specs, not taken from the code.
const overlapping = loadSpecText(`name: overlap
simulations:
  - {networks: [mobilenet_v2], variants: [baseline, fuse_half], arrays: [16, 64]}
  - {networks: [mobilenet_v2], variants: [fuse_half], arrays: [64, 128]}
  - {networks: [mobilenet_v2], variants: [baseline, fuse_half], arrays: [16], hardware: [paper, plain]}
trainings:
  - {name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 1, seeds: [1, 2]}
  - {name: again, dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 1, seeds: [2]}
  - {name: nos, dataset: synthetic, network: mobilenet_v2, variants: [fuse_half], width: 0.25, epochs: 1, method: nos, teacher: base, seeds: [1, 2, 3]}
`);

describe('expanding a spec', () => {
  const jobs = expandSpec(overlapping);
  const sims = jobs.filter((j) => j.kind === 'sim').map((j) => j.params as SimJobParams);

  it('lists each simulation once, whichever sweeps share it', () => {
    // Sweep 1: 2 variants × 2 arrays = 4. Sweep 2 adds only fuse_half at 128 (64 is sweep 1's).
    // Sweep 3: paper and plain are the same hardware for the baseline (plain); for fuse_half, paper
    // means fuse (sweep 1 has it at 16) and plain is new: one job.
    expect(sims.map((p) => `${p.variant}@${p.rows}/${p.hardware}`)).toEqual([
      'baseline@16/plain',
      'baseline@64/plain',
      'fuse_half@16/fuse',
      'fuse_half@64/fuse',
      'fuse_half@128/fuse',
      'fuse_half@16/plain',
    ]);
    expect(new Set(sims.map((p) => stableStringify(p))).size).toBe(sims.length);
  });

  it('puts trainings after simulations, a repeated run once, each student after its teacher of the same seed (else the first)', () => {
    const trains = jobs.map((j, position) => ({ ...j, position })).filter((j) => j.kind === 'train');
    // base s1, base s2 (again s2 is the same job), then nos s1, s2, s3.
    expect(trains.map((t) => `${t.group}/${(t.params as TrainJobParams).method}/s${(t.params as TrainJobParams).seed}`)).toEqual([
      'base/scratch/s1',
      'base/scratch/s2',
      'nos/nos/s1',
      'nos/nos/s2',
      'nos/nos/s3',
    ]);
    const [b1, b2, n1, n2, n3] = trains;
    expect([n1!.dependsOn, n2!.dependsOn, n3!.dependsOn]).toEqual([b1!.position, b2!.position, b1!.position]);
    expect((n2!.params as TrainJobParams).teacher).toEqual({ job: b2!.params });
  });

  it('one job at a time gives the same jobs in the same order', () => {
    expect([...iterateSpec(overlapping)]).toEqual(jobs);
  });
});
