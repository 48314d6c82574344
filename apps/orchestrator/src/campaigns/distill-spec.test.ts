/**
 * A kd / nos training's `distill` knobs (alpha, temperature, lambdaOp, anneal, annealFraction, fuseInit): in
 * the job's parameters (hence its key) only when they change something, the same for a search's
 * candidates, and refused naming the field where they cannot apply.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams, type TrainJobParams } from './expand.js';
import { candidateTraining } from './search.js';
import { loadSpecText } from './spec.js';
import { specError } from './test-util.js';
import { jobKey } from './versions.js';

const spec = (method: string, extra: string) => `
name: distill
trainings:
  - name: base
    dataset: synthetic
    network: mobilenet_v2
    variants: [baseline]
    epochs: 1
  - name: student
    dataset: synthetic
    network: mobilenet_v2
    variants: [fuse_half]
    epochs: 1
    method: ${method}
    teacher: base
${extra}
`;

const student = (method: string, extra: string) =>
  expandSpec(loadSpecText(spec(method, extra))).find((job) => job.kind === 'train' && (job.params as TrainJobParams).method === method)!
    .params as TrainJobParams;

describe('trainings[].distill', () => {
  it('leaves kd and nos jobs without it as they were, and normalises the defaults spelled out away', () => {
    expect(student('nos', '')).not.toHaveProperty('distill');
    const spelled = '    distill: { alpha: 0.5, temperature: 4, lambdaOp: 1, anneal: cosine, annealFraction: 0.5, fuseInit: depthwise }';
    expect(loadSpecText(spec('nos', spelled))).toEqual(loadSpecText(spec('nos', '')));
    expect(jobKey('train', student('nos', spelled))).toBe(jobKey('train', student('nos', '')));
  });

  it('puts changed knobs into the parameters and the key', () => {
    const nos = student('nos', '    distill: { lambdaOp: 0.1, anneal: linear, annealFraction: 0.25, alpha: 0.5 }');
    expect(nos.distill).toEqual({ lambdaOp: 0.1, anneal: 'linear', annealFraction: 0.25 });
    expect(jobKey('train', nos)).not.toBe(jobKey('train', student('nos', '')));
    expect(student('kd', '    distill: { alpha: 0.9, temperature: 2 }').distill).toEqual({ alpha: 0.9, temperature: 2 });
    const seeded = student('nos', '    distill: { fuseInit: seeded }');
    expect(seeded.distill).toEqual({ fuseInit: 'seeded' });
    expect(jobKey('train', seeded)).not.toBe(jobKey('train', student('nos', '')));
  });

  it('normalises to knobs that normalise to themselves', () => {
    const once = loadSpecText(spec('nos', '    distill: { lambdaOp: 0, anneal: none, temperature: 4 }'));
    expect(once.trainings[1]!.distill).toEqual({ lambdaOp: 0, anneal: 'none' });
    // (A normalised kd / nos entry's teacher is resolved to a job, so the knobs are fed back alone.)
    expect(loadSpecText(spec('nos', `    distill: ${JSON.stringify(once.trainings[1]!.distill)}`))).toEqual(once);
  });

  it.each([
    ['kd', '    distill: { lambdaOp: 0.1 }', 'trainings[1].distill.lambdaOp: only used with method nos (kd has no scaffold)'],
    ['scratch', '    distill: { alpha: 0.1 }', 'trainings[1].distill.alpha: only used with method kd or nos (this training is scratch)'],
    ['nos', '    distill: { alpha: 2 }', 'trainings[1].distill.alpha: expected a weight from 0 to 1, got 2'],
    ['nos', '    distill: { temperature: 0 }', 'trainings[1].distill.temperature: expected a temperature above 0 and at most 100, got 0'],
    ['nos', '    distill: { lambdaOp: -1 }', 'trainings[1].distill.lambdaOp: expected a weight from 0 to 1000, got -1'],
    ['nos', '    distill: { anneal: step }', 'trainings[1].distill.anneal: unknown anneal "step", expected one of cosine, linear, none'],
    [
      'nos',
      '    distill: { annealFraction: 1.5 }',
      'trainings[1].distill.annealFraction: expected a fraction of the steps above 0 and at most 1',
    ],
    [
      'nos',
      '    distill: { anneal: none, annealFraction: 0.5 }',
      'trainings[1].distill.annealFraction: anneal none keeps the scaffold weight throughout',
    ],
    ['kd', '    distill: { fuseInit: seeded }', 'trainings[1].distill.fuseInit: only used with method nos (kd has no scaffold)'],
    [
      'nos',
      '    distill: { fuseInit: centre }',
      'trainings[1].distill.fuseInit: unknown FuSe initialisation "centre", expected one of seeded, depthwise',
    ],
    ['nos', '    distill: { beta: 1 }', 'trainings[1].distill'],
  ])('%s with %s is refused naming the field', (method, extra, message) => {
    // A scratch entry needs no teacher: drop the line rather than be refused for it.
    const text = method === 'scratch' ? spec(method, extra).replace('    teacher: base\n', '') : spec(method, extra);
    expect(specError(text)).toContain(message);
  });

  it("gives a search's candidates its training's knobs, and refuses them for a supernet", () => {
    const search = (method: string, distill: string) => `
name: distill-search
trainings:
  - { name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], epochs: 1 }
searches:
  - network: mobilenet_v2
    space: blocks
    operators: [dw, fuse_half]
    strategy: random
    objectives: [accuracy, latency]
    budget: 2
    training: { dataset: synthetic, epochs: 1, method: ${method}, teacher: base, distill: ${distill} }
`;
    const job = expandSpec(loadSpecText(search('nos', '{ lambdaOp: 0.1 }'))).find((j) => j.kind === 'nas')!;
    expect(candidateTraining(job.params as SearchJobParams, { operators: Array(17).fill('dw') }).distill).toEqual({ lambdaOp: 0.1 });
    expect(specError(search('supernet', '{ alpha: 0.1 }'))).toContain(
      'searches[0].training.distill.alpha: only used with method kd or nos (this training is supernet)',
    );
  });
});
