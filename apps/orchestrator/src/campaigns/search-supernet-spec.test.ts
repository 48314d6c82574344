/**
 * Searches whose training method is `supernet` (one-shot): one supernet over the search's network
 * and operators, trained with the search's training settings; every candidate scored on it. What
 * the spec accepts, the supernet job it makes (and what its key leaves out), and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams } from './expand.js';
import { candidateTraining, supernetScoring, supernetTraining } from './search.js';
import { loadSpecText } from './spec.js';
import { specError } from './test-util.js';
import { supernetKey } from './versions.js';

const spec = (training: string, search = '', trainings = '') => `
name: one-shot
seed: 4
${trainings}
searches:
  - name: s
    network: mobilenet_v2
    space: blocks
    operators: [dw, fuse_half, fuse_full]
    strategy: random
    objectives: [accuracy, latency]
    budget: 5
${search}    training:
      dataset: cifar10
      dataDir: data/cifar-10
      width: 0.25
      epochs: 12
      limit: 4000
      method: supernet
${training}`;

const searchParams = (text: string) => expandSpec(loadSpecText(text)).find((job) => job.kind === 'nas')!.params as SearchJobParams;

describe('searches[].training.method supernet', () => {
  it('normalises the training with its recalibration (default 20 batches) and makes one supernet job over the operators (canonical order)', () => {
    const params = searchParams(spec(''));
    expect(params.training).toEqual({
      dataset: 'cifar10',
      dataDir: 'data/cifar-10',
      width: 0.25,
      epochs: 12,
      batch: 64,
      limit: 4000,
      method: 'supernet',
      seed: 4,
      recalibrate: 20,
    });
    const job = supernetTraining(params);
    expect(job).toMatchObject({
      network: 'mobilenet_v2',
      variant: 'supernet',
      operators: ['dw', 'fuse_full', 'fuse_half'],
      method: 'supernet',
    });
    expect(job).not.toHaveProperty('recalibrate');
    expect(supernetScoring(params)).toEqual({ recalibrate: 20, batch: 64, seed: 4 });
    expect(searchParams(spec('      recalibrate: 5\n')).training?.recalibrate).toBe(5);
    // It trains no candidate on its own.
    expect(() => candidateTraining(params, { operators: new Array(17).fill('dw') })).toThrow(/scores candidates on its supernet/);
  });

  it('keys the supernet by what trains it: recalibration, budget and strategy do not enter; operators, epochs and seed do', () => {
    const base = supernetKey(supernetTraining(searchParams(spec(''))));
    expect(supernetKey(supernetTraining(searchParams(spec('      recalibrate: 5\n'))))).toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('', '    seed: 9\n'))))).not.toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('      seed: 4\n'))))).toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('').replace('budget: 5', 'budget: 50'))))).toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('').replace('strategy: random', 'strategy: evolution'))))).toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('').replace('epochs: 12', 'epochs: 6'))))).not.toBe(base);
    expect(supernetKey(supernetTraining(searchParams(spec('').replace('[dw, fuse_half, fuse_full]', '[dw, fuse_half]'))))).not.toBe(base);
  });

  it('starts from a teacher only when one is named: a training of the baseline, resolved as for nos', () => {
    expect(searchParams(spec('')).training).not.toHaveProperty('teacher');
    const trainings = `trainings:
  - name: teacher
    dataset: cifar10
    dataDir: data/cifar-10
    network: mobilenet_v2
    variants: [baseline]
    width: 0.25
    epochs: 4
    limit: 4000
`;
    // An unnamed baseline training is not picked up (unlike nos): the supernet would change under the user's feet.
    expect(searchParams(spec('', '', trainings)).training).not.toHaveProperty('teacher');
    const params = searchParams(spec('      teacher: teacher\n', '', trainings));
    expect(supernetTraining(params).teacher).toMatchObject({ job: { variant: 'baseline', method: 'scratch', epochs: 4 } });
    expect(specError(spec('      teacher: teacher\n', '', trainings.replace('limit: 4000', 'limit: 2000')))).toMatch(
      /^searches\[0\]\.training\.teacher: "teacher" trains on other data/,
    );
  });

  it('refuses what a supernet cannot do, naming the field', () => {
    expect(specError(spec('').replace('[dw, fuse_half, fuse_full]', '[fuse_half, fuse_full]'))).toMatch(
      /^searches\[0\]\.operators: method supernet needs dw among the operators/,
    );
    expect(specError(spec('', '    population: 9\n').replace('strategy: random', 'strategy: halving'))).toMatch(
      /^searches\[0\]\.training\.method: supernet scores every candidate with the one trained supernet/,
    );
    expect(specError(spec('      replicas: 2\n'))).toMatch(
      /^searches\[0\]\.training\.replicas: a supernet trains one sampled path per step/,
    );
    expect(specError(spec('      recalibrate: 5\n').replace('method: supernet', 'method: scratch'))).toBe(
      'searches[0].training.recalibrate: only used with method supernet',
    );
    expect(specError(spec('      recalibrate: 0\n'))).toMatch(
      /^searches\[0\]\.training\.recalibrate: expected a positive integer number of batches/,
    );
    expect(specError(spec('').replace('method: supernet', 'method: oneshot'))).toMatch(/^searches\[0\]\.training\.method: .*supernet/);
  });
});

describe('searches[].strategy zero-cost-pt', () => {
  const zcpt = (training: string, search = '') =>
    spec(training, search).replace('strategy: random', 'strategy: zero-cost-pt').replace('    budget: 5\n', '');

  it('measures one network: budget 1, with a supernet (method supernet) or a training per candidate', () => {
    expect(searchParams(zcpt(''))).toMatchObject({ strategy: 'zero-cost-pt', budget: 1, training: { method: 'supernet' } });
    expect(searchParams(zcpt('').replace('method: supernet', 'method: scratch')).training?.method).toBe('scratch');
    expect(searchParams(zcpt('', '    budget: 1\n')).budget).toBe(1);
  });

  it('refuses what it cannot do, naming the field', () => {
    expect(specError(zcpt('', '    budget: 10\n'))).toMatch(/^searches\[0\]\.budget: zero-cost-pt measures the one network it chooses/);
    expect(specError(zcpt('').replace('space: blocks', 'space: stages'))).toMatch(
      /^searches\[0\]\.space: zero-cost-pt chooses one operator per block/,
    );
    expect(specError(zcpt('', '    arrays: [32, 64]\n'))).toMatch(/^searches\[0\]\.arrays: zero-cost-pt chooses operators, not arrays/);
    expect(specError(zcpt('', '    constraints: { speedup: 2 }\n'))).toMatch(
      /^searches\[0\]\.constraints: zero-cost-pt does not look at latency/,
    );
    expect(specError(zcpt('', '    population: 8\n'))).toBe('searches[0].population: not used with zero-cost-pt');
    expect(
      specError(zcpt('').replace('[dw, fuse_half, fuse_full]', '[fuse_half, fuse_full]').replace('method: supernet', 'method: scratch')),
    ).toMatch(/^searches\[0\]\.operators: zero-cost-pt needs dw/);
    const noTraining = zcpt('').replace('objectives: [accuracy, latency]', 'objectives: [latency]');
    expect(specError(noTraining.slice(0, noTraining.indexOf('    training:')))).toMatch(
      /^searches\[0\]\.objectives: zero-cost-pt chooses a network/,
    );
  });
});
