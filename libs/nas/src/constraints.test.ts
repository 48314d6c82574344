/**
 * Latency constraints: the check against full evaluations (not the cost table it uses), the
 * refusal of bounds nothing meets, and searches that honour them — an exhaustive constrained search
 * gives exactly the front of the unconstrained one's feasible networks, and no strategy evaluates
 * or keeps a network that misses the bound.
 */
import { describe, expect, it } from 'vitest';
import { constraintCheck, penalisedObjectives, validateConstraints } from './constraints.js';
import { dominates } from './pareto.js';
import { evaluateStatic, objectiveVector, type EvaluationSettings } from './objectives.js';
import { paretoFront, runSearch } from './search.js';
import { makeSpace, type Candidate } from './space.js';

const space = makeSpace({ network: 'mobilenet_v2', space: 'stages', operators: ['dw', 'fuse_full', 'fuse_half'] });
const settings: EvaluationSettings = { network: 'mobilenet_v2', array: space.arrays[0]! };
const cycles = (candidate: Candidate) => evaluateStatic({ ...settings, candidate, objectives: ['latency'] }).latency!;
const baseline = cycles({ operators: new Array(space.blockCount).fill('dw') });
const fuseHalf = cycles({ operators: new Array(space.blockCount).fill('fuse_half') });

describe('validateConstraints', () => {
  it('takes latency and speedup as positive numbers and names a bad one', () => {
    expect(validateConstraints(undefined)).toEqual({});
    expect(validateConstraints({ speedup: 2, latency: undefined })).toEqual({ speedup: 2 });
    expect(() => validateConstraints({ speedup: 0 })).toThrow('constraints.speedup: expected a positive number, got 0');
    expect(() => validateConstraints({ latency: '5' })).toThrow('constraints.latency: expected a positive number, got "5"');
    expect(() => validateConstraints({ power: 1 })).toThrow(
      'constraints.power: unknown constraint, expected latency (cycles at most) or speedup (at least)',
    );
    expect(() => validateConstraints([])).toThrow(/^constraints: expected an object/);
  });
});

describe('constraintCheck', () => {
  it('is null without constraints; otherwise 0 exactly when the full evaluation meets the tighter bound', () => {
    expect(constraintCheck(settings, space, {})).toBeNull();
    const speedup = (baseline / fuseHalf + 1) / 2;
    const check = constraintCheck(settings, space, { speedup, latency: baseline })!;
    const bound = baseline / speedup;
    for (let i = 0; i < 40; i++) {
      const candidate: Candidate = {
        operators: new Array(space.blockCount).fill(null).map((_, b) => space.operators[(b * 7 + i * 3) % 3]!),
      };
      const c = cycles(candidate);
      const v = check.violation(candidate);
      if (c <= bound) expect(v).toBe(0);
      else expect(v).toBeCloseTo(c / bound - 1, 12);
    }
    expect(check.violation({ operators: new Array(space.blockCount).fill('dw') })).toBeCloseTo(speedup - 1, 12);
    expect(check.violation({ operators: new Array(space.blockCount).fill('fuse_half') })).toBe(0);
  });

  it('refuses a bound no network of the space meets, saying how fast the fastest is', () => {
    expect(() => constraintCheck(settings, space, { speedup: 100 })).toThrow(
      /^constraints\.speedup: no network of the stages space of mobilenet_v2 meets it: the fastest takes [\d,]+ cycles on 64x64\/fuse \(speed-up \d+\.\d\d× against the all-dw network\), the bound is [\d,]+$/,
    );
    expect(() => constraintCheck(settings, space, { latency: 1000 })).toThrow(/^constraints\.latency: no network/);
  });
});

describe('penalisedObjectives', () => {
  it('is dominated by every real network and ordered by the violation', () => {
    const objectives = ['accuracy', 'latency', 'params'] as const;
    const real = objectiveVector({ accuracy: -0.01, latency: 9e9, params: 5e8 }, objectives);
    const small = objectiveVector(penalisedObjectives(objectives, 0.01), objectives);
    const large = objectiveVector(penalisedObjectives(objectives, 2), objectives);
    expect(dominates(real, small)).toBe(true);
    expect(dominates(small, large)).toBe(true);
  });
});

describe('runSearch with constraints', () => {
  const speedup = (baseline / fuseHalf + 1) / 2;
  const bound = baseline / speedup;

  it('exhaustive: the front of the feasible networks of the unconstrained search, and nothing infeasible evaluated', async () => {
    const options = {
      network: 'mobilenet_v2',
      space: 'stages',
      operators: ['dw', 'fuse_full', 'fuse_half'],
      strategy: 'exhaustive',
      objectives: ['latency', 'params'],
    } as const;
    const free = await runSearch(options);
    const constrained = await runSearch({ ...options, constraints: { speedup } });
    const feasible = free.all.filter((c) => c.objectives.latency! <= bound);
    expect(feasible.length).toBeGreaterThan(0);
    expect(feasible.length).toBeLessThan(free.all.length);
    expect(constrained.all).toEqual(feasible);
    expect(constrained.infeasible).toBe(free.all.length - feasible.length);
    expect(constrained.front).toEqual(paretoFront(feasible, ['latency', 'params']));
  });

  it('nsga2 with an accuracy evaluator: never calls it on a network that misses the bound, keeps none on the front', async () => {
    const asked: number[] = [];
    const result = await runSearch({
      network: 'mobilenet_v2',
      space: 'blocks',
      strategy: 'nsga2',
      objectives: ['accuracy', 'latency'],
      budget: 64,
      populationSize: 8,
      seed: 2,
      constraints: { speedup },
      evaluate: async (candidate) => {
        asked.push(cycles(candidate));
        // A made-up accuracy that prefers depthwise blocks, so the bound binds.
        return candidate.operators.filter((o) => o === 'dw').length / candidate.operators.length;
      },
    });
    expect(asked.every((c) => c <= bound)).toBe(true);
    expect(result.all.length + result.infeasible).toBe(64);
    expect(result.infeasible).toBeGreaterThan(0);
    expect(result.front.every((c) => c.objectives.latency! <= bound)).toBe(true);
  });
});
