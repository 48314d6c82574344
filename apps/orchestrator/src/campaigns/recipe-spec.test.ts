/**
 * The optimizer recipe of a training entry and a search's `training` (`optimizer`, `lr`, `momentum`,
 * `weightDecay`): in the job's hyperparameters (hence its key) only when it changes something, the
 * same for a search's candidates and its supernet, and refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams, type TrainJobParams } from './expand.js';
import { candidateTraining, supernetTraining } from './search.js';
import { loadSpecText } from './spec.js';
import { specError } from './test-util.js';
import { jobKey } from './versions.js';

const spec = (extra: string) => `
name: recipe
trainings:
  - name: base
    dataset: synthetic
    network: mobilenet_v2
    variants: [baseline]
    epochs: 1
    batch: 16
${extra}
`;

const params = (extra: string) => expandSpec(loadSpecText(spec(extra)))[0]!.params as TrainJobParams;

// The hyperparameters every training job carried before the recipe could change: jobs keep their keys.
const DEFAULTS = { optimizer: 'sgd', momentum: 0.9, learningRate: 0.05, schedule: 'cosine', weightDecay: 5e-5 };

const search = (training: string, method = 'scratch') => `
name: recipe-search
searches:
  - name: acc
    network: mobilenet_v2
    space: blocks
    operators: [dw, fuse_half]
    strategy: random
    objectives: [accuracy, latency]
    budget: 2
    training:
      dataset: synthetic
      epochs: 1
      method: ${method}
${training}
`;

describe('the training recipe', () => {
  it('leaves jobs without one exactly as they were', () => {
    expect(params('').hyperparameters).toEqual(DEFAULTS);
  });

  it('normalises the defaults spelled out away: same spec, same jobs, same keys', () => {
    const spelled = '    optimizer: sgd\n    lr: 0.05\n    momentum: 0.9\n    weightDecay: 0.00005';
    expect(loadSpecText(spec(spelled))).toEqual(loadSpecText(spec('')));
    expect(jobKey('train', params(spelled))).toBe(jobKey('train', params('')));
    // Adam's own default learning rate is its default too.
    expect(loadSpecText(spec('    optimizer: adam\n    lr: 0.005')).trainings[0]).toMatchObject({ optimizer: 'adam' });
    expect(loadSpecText(spec('    optimizer: adam\n    lr: 0.005')).trainings[0]).not.toHaveProperty('lr');
  });

  it('puts a changed learning rate, momentum or weight decay into the hyperparameters and the key', () => {
    const changed = params('    lr: 0.1\n    momentum: 0.5\n    weightDecay: 0.0005');
    expect(changed.hyperparameters).toEqual({ ...DEFAULTS, learningRate: 0.1, momentum: 0.5, weightDecay: 0.0005 });
    expect(jobKey('train', changed)).not.toBe(jobKey('train', params('')));
    expect(params('    lr: 0.1').hyperparameters).toEqual({ ...DEFAULTS, learningRate: 0.1 });
  });

  it('trains with Adam (its β and ε recorded) when asked', () => {
    expect(params('    optimizer: adam').hyperparameters).toEqual({
      optimizer: 'adam',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      learningRate: 0.005,
      schedule: 'cosine',
      weightDecay: 5e-5,
    });
    expect(params('    optimizer: adam\n    lr: 0.001').hyperparameters).toMatchObject({ optimizer: 'adam', learningRate: 0.001 });
  });

  it('normalises to a spec that normalises again', () => {
    const once = loadSpecText(spec('    optimizer: adam\n    lr: 0.001\n    weightDecay: 0'));
    expect(loadSpecText(JSON.stringify(once))).toEqual(once);
  });

  it("gives a search's candidates and its supernet the search training's recipe", () => {
    const [job] = expandSpec(loadSpecText(search('      lr: 0.2\n      weightDecay: 0')));
    const candidate = candidateTraining(job!.params as SearchJobParams, { operators: Array(17).fill('dw') });
    expect(candidate.hyperparameters).toEqual({ ...DEFAULTS, learningRate: 0.2, weightDecay: 0 });
    const [oneShot] = expandSpec(loadSpecText(search('      lr: 0.2', 'supernet')));
    expect(supernetTraining(oneShot!.params as SearchJobParams).hyperparameters).toEqual({ ...DEFAULTS, learningRate: 0.2 });
    // Without one, a candidate is the job a training entry of the defaults makes (shared key).
    const [plain] = expandSpec(loadSpecText(search('')));
    expect(candidateTraining(plain!.params as SearchJobParams, { operators: Array(17).fill('dw') }).hyperparameters).toEqual(DEFAULTS);
  });

  it.each([
    ['    lr: 0', 'trainings[0].lr: expected a learning rate above 0 and at most 10, got 0'],
    ['    lr: 11', 'trainings[0].lr: expected a learning rate above 0 and at most 10, got 11'],
    ['    lr: fast', 'trainings[0].lr: expected a learning rate (a number)'],
    ['    momentum: 1', 'trainings[0].momentum: expected a momentum from 0 up to (not including) 1, got 1'],
    ['    momentum: -0.1', 'trainings[0].momentum: expected a momentum from 0 up to (not including) 1, got -0.1'],
    ['    weightDecay: -0.0001', 'trainings[0].weightDecay: expected a weight decay from 0 up to (not including) 1, got -0.0001'],
    ['    optimizer: rmsprop', 'trainings[0].optimizer: unknown optimizer "rmsprop", expected one of sgd, adam'],
    ['    optimizer: adam\n    momentum: 0.5', "trainings[0].momentum: only used with optimizer sgd (Adam's β₁ is fixed at 0.9)"],
  ])('%s is refused naming the field', (extra, message) => {
    expect(specError(spec(extra))).toContain(message);
  });

  it("is refused in a search's training where it cannot apply, naming the field", () => {
    expect(specError(search('      optimizer: adam', 'supernet'))).toContain(
      'searches[0].training.optimizer: a supernet trains with SGD-momentum only (libs/nas trainSupernet)',
    );
    expect(specError(search('      lr: -1'))).toContain('searches[0].training.lr: expected a learning rate above 0');
  });
});
