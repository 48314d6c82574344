import { describe, expect, it } from 'vitest';
import { expandSpec } from './expand.js';
import { loadSpecText, normaliseSpec, parseSpecText, specHash } from './spec.js';
import { specError } from './test-util.js';
import { jobKey } from './versions.js';

const minimal = `
name: tiny
seed: 1
simulations:
  networks: [mobilenet_v2]
  variants: [baseline, fuse_half]
  arrays: [32, 64]
  models: [reference]
`;

describe('campaign spec', () => {
  it('accepts the minimal spec of docs/ARCHITECTURE.md and expands it into 4 simulation jobs', () => {
    const spec = loadSpecText(minimal);
    expect(spec.simulations[0]).toMatchObject({
      networks: ['mobilenet_v2'],
      variants: ['baseline', 'fuse_half'],
      arrays: [
        { rows: 32, cols: 32 },
        { rows: 64, cols: 64 },
      ],
      hardware: ['paper'],
      dataflows: ['os'],
      inputSize: 224,
      classes: 1000,
    });
    const jobs = expandSpec(spec);
    expect(jobs).toHaveLength(4);
    expect(jobs.map((j) => j.params)).toContainEqual({
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      rows: 64,
      cols: 64,
      model: 'reference',
      hardware: 'fuse',
      dataflow: 'os',
      inputSize: 224,
      numClasses: 1000,
    });
    expect(
      jobs
        .filter((j) => (j.params as { variant: string }).variant === 'baseline')
        .every((j) => (j.params as { hardware: string }).hardware === 'plain'),
    ).toBe(true);
  });

  it('normalises: same meaning → same canonical hash; normalising twice changes nothing', () => {
    const a = loadSpecText(minimal);
    const b = loadSpecText(
      `{"simulations":{"arrays":["64x64",32],"variants":["fuse_half","baseline"],"networks":["mobilenet_v2"]},"seed":1,"name":"tiny"}`,
    );
    expect(specHash(b)).toBe(specHash(a));
    expect(normaliseSpec(JSON.parse(JSON.stringify(a)))).toEqual(a);
    expect(specHash(loadSpecText(minimal.replace('seed: 1', 'seed: 2')))).not.toBe(specHash(a));
  });

  it('expands "all" and removes jobs two sweeps share', () => {
    const spec = loadSpecText(`
name: overlap
simulations:
  - { name: a, networks: all, variants: all, arrays: [8, 16] }
  - { name: b, networks: [mobilenet_v1], variants: [baseline], arrays: [16, 32] }
`);
    expect(expandSpec(spec)).toHaveLength(5 * 5 * 2 + 1);
  });

  it('job keys hash the parameters and the code version', () => {
    const params = expandSpec(loadSpecText(minimal))[0]!.params;
    expect(jobKey('sim', params, 'v1')).toBe(jobKey('sim', { ...params }, 'v1'));
    expect(jobKey('sim', params, 'v1')).not.toBe(jobKey('sim', params, 'v2'));
    expect(jobKey('sim', params, 'v1')).not.toBe(jobKey('sim', { ...params, rows: 128 }, 'v1'));
  });

  it('names the field of a bad spec', () => {
    expect(specError(minimal.replace('[mobilenet_v2]', '[mobilenet_v2, resnet50]'))).toBe(
      'simulations.networks[1]: unknown network "resnet50", expected one of mobilenet_v1, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large, mnasnet_b1',
    );
    expect(specError(minimal.replace('[baseline, fuse_half]', '[baseline, fuse_quarter]'))).toMatch(
      /^simulations\.variants\[1\]: unknown variant "fuse_quarter"/,
    );
    expect(specError(minimal.replace('[reference]', '[exact]'))).toMatch(/^simulations\.models\[0\]: unknown timing model "exact"/);
    expect(specError(minimal.replace('[32, 64]', '[32, -64]'))).toMatch(/^simulations\.arrays\[1\]: expected an array size/);
    expect(specError(minimal.replace('[baseline, fuse_half]', '[baseline, baseline]'))).toBe(
      'simulations[0].variants: duplicate variant "baseline"',
    );
    expect(specError(`${minimal}colour: blue\n`)).toBe('spec: unknown field "colour"');
    expect(specError('name: x\nsimulations: [\n')).toMatch(/^spec: unreadable YAML\/JSON: /);
    expect(specError('name: tiny\n')).toBe('spec: expected at least one of simulations, trainings, searches');
    expect(specError('seed: 1\nsimulations: {networks: all, variants: all, arrays: [8]}')).toMatch(/^name: /);
  });

  it('refuses duplicate names across sweeps, trainings and searches', () => {
    expect(
      specError(`
name: dup
simulations:
  - { name: s, networks: all, variants: all, arrays: [8] }
  - { name: s, networks: all, variants: all, arrays: [16] }
`),
    ).toBe('simulations[1].name: duplicate name "s" (also used by simulations[0].name)');
  });

  it('validates trainings (teacher, data dir) and searches', () => {
    const training = (epochs: number) => `
name: t
trainings:
  - { dataset: cifar10, network: mobilenet_v2, variants: [fuse_half], method: nos, epochs: ${epochs} }
`;
    expect(specError(training(-3))).toBe('trainings[0].epochs: expected a positive integer number of epochs');
    expect(specError(training(3))).toMatch(/^trainings\[0\]\.dataDir: cifar10 needs dataDir/);
    const nos = (teacher: string) =>
      `name: t\ntrainings:\n  - { name: base, dataset: synthetic, network: mobilenet_v2, variants: [baseline], epochs: 1 }\n  - { dataset: synthetic, network: mobilenet_v2, variants: [fuse_half], method: nos, epochs: 1${teacher} }\n`;
    expect(specError(nos(', teacher: nobody'))).toMatch(
      /^trainings\[1\]\.teacher: method "nos" needs a teacher: no training named "nobody"/,
    );
    const spec = normaliseSpec(parseSpecText(nos('')));
    expect(spec.trainings[1]!.teacher).toEqual({ training: 'base', index: 0 });
    expect(normaliseSpec(parseSpecText(nos(', teacher: base')))).toEqual(spec);
    // The normal form's teacher is accepted as written; its index must still point at the named entry.
    expect(normaliseSpec(parseSpecText(nos(', teacher: { training: base, index: 0 }')))).toEqual(spec);
    expect(specError(nos(', teacher: { training: base, index: 1 }'))).toMatch(
      /^trainings\[1\]\.teacher\.index: the training "base" is entry 0 of this spec, not 1$/,
    );
    expect(specError(nos(', teacher: { training: nobody, index: 0 }'))).toMatch(
      /^trainings\[1\]\.teacher: method "nos" needs a teacher: no training named "nobody" in this spec$/,
    );
    expect(normaliseSpec(parseSpecText(nos(', teacher: { checkpoint: teacher }'))).trainings[1]!.teacher).toEqual({
      checkpoint: 'teacher',
    });
    expect(specError(nos(', teacher: 5'))).toMatch(
      /^trainings\[1\]\.teacher: expected the name of a training of this spec or a checkpoint path/,
    );
    expect(
      specError('name: t\ntrainings:\n  - { dataset: synthetic, network: mobilenet_v2, variants: [fuse_half], method: kd, epochs: 1 }\n'),
    ).toMatch(/^trainings\[0\]\.teacher: method "kd" needs a teacher: add a training of the baseline/);
    expect(
      specError('name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: annealing, objectives: [latency] }\n'),
    ).toMatch(
      /^searches\[0\]\.strategy: unknown search strategy "annealing", expected one of greedy, random, evolution, nsga2, exhaustive/,
    );
    expect(
      specError('name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: exhaustive, objectives: [latency] }\n'),
    ).toMatch(/^searches\[0\]\.space: exhaustive search refuses the blocks space of mobilenet_v2/);
    expect(
      specError('name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: nsga2, objectives: [latency, accuracy] }\n'),
    ).toMatch(/^searches\[0\]\.training: the accuracy objective trains every candidate: give training/);
    expect(
      specError(
        'name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: nsga2, objectives: [latency], array: 64, arrays: [32] }\n',
      ),
    ).toBe('searches[0].arrays: give either array or arrays, not both');
    expect(
      specError(
        'name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: nsga2, objectives: [latency], population: 1 }\n',
      ),
    ).toBe('searches[0].population: expected a population of at least 2');
  });

  it('normalises searches: defaults, canonical operator order, the campaign seed', () => {
    const a = normaliseSpec(
      parseSpecText(
        'name: s\nseed: 7\nsearches:\n  - { network: mobilenet_v2, space: stages, operators: [fuse_half, dw], strategy: nsga2, objectives: [latency, params], population: 8 }\n',
      ),
    );
    expect(a.searches).toEqual([
      {
        name: 'searches-1',
        network: 'mobilenet_v2',
        space: 'stages',
        operators: ['dw', 'fuse_half'],
        arrays: [{ rows: 64, cols: 64 }],
        strategy: 'nsga2',
        objectives: ['latency', 'params'],
        budget: 100,
        seed: 7,
        population: 8,
      },
    ]);
    expect(normaliseSpec(a)).toEqual(a);
    const b = normaliseSpec(
      parseSpecText(
        'name: s\nsearches:\n  - { network: mobilenet_v2, space: stages, operators: [dw, fuse_full], strategy: exhaustive, objectives: [latency] }\n',
      ),
    );
    expect(b.searches[0]!.budget).toBe(128);
  });
});
