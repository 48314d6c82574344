/**
 * Successive halving: rung sizes and fidelities, the best 1/eta promoted (checked on one objective,
 * where "best" is plain), waiting between rungs, exact resumption from a frozen state, only full
 * evaluations on the front, and the budget it needs.
 */
import { describe, expect, it } from 'vitest';
import { runSearch } from './search.js';
import { candidateKey, makeSpace, type Candidate } from './space.js';
import { createStrategy, fromState, halvingEvaluations } from './strategies.js';

const space = makeSpace({ network: 'mobilenet_v2', space: 'blocks', operators: ['dw', 'fuse_half', 'fuse_full'] });
/** A made-up accuracy: more FuSe-half blocks is better, and low fidelity sees it with an offset. */
const score = (c: Candidate) => c.operators.filter((o) => o === 'fuse_half').length / 17 - (1 - (c.fidelity ?? 1)) * 0.1;

describe('halving', () => {
  it('asks 9 networks at 1/9, the best 3 at 1/3, the best at full fidelity, waiting for each rung', () => {
    expect(halvingEvaluations(9, 3, 3)).toBe(13);
    const s = createStrategy({ strategy: 'halving', space, objectives: ['accuracy'], budget: 13, seed: 4, populationSize: 9 });
    const first = s.ask();
    expect(first).toHaveLength(9);
    expect(first.every((c) => c.fidelity === 1 / 9)).toBe(true);
    expect(candidateKey(first[0]!)).toMatch(/^[dhf]{17}~1\/9$/);
    s.tell(first.slice(0, 5).map((candidate) => ({ candidate, objectives: { accuracy: -score(candidate) } })));
    expect(s.ask()).toEqual([]);
    s.tell(first.slice(5).map((candidate) => ({ candidate, objectives: { accuracy: -score(candidate) } })));
    const second = s.ask();
    const best3 = [...first].sort((a, b) => score(b) - score(a)).slice(0, 3);
    expect(second.map((c) => c.operators).sort()).toEqual(best3.map((c) => c.operators).sort());
    expect(second.every((c) => c.fidelity === 1 / 3)).toBe(true);
    s.tell(second.map((candidate) => ({ candidate, objectives: { accuracy: -score(candidate) } })));
    const last = s.ask();
    expect(last).toHaveLength(1);
    expect(last[0]).not.toHaveProperty('fidelity');
    expect(last[0]!.operators).toEqual([...second].sort((a, b) => score(b) - score(a))[0]!.operators);
    expect(s.done).toBe(false);
    s.tell([{ candidate: last[0]!, objectives: { accuracy: -score(last[0]!) } }]);
    expect(s.done).toBe(true);
    expect(s.evaluations).toBe(13);
    expect(s.ask()).toEqual([]);
  });

  it('resumes exactly from a frozen state at any point', () => {
    const options = { strategy: 'halving', space, objectives: ['accuracy', 'latency'], budget: 13, seed: 9, populationSize: 9 } as const;
    const values = (c: Candidate) => ({ accuracy: -score(c), latency: c.operators.filter((o) => o === 'dw').length });
    const run = (freeze: boolean) => {
      let s = createStrategy(options);
      const asked: string[] = [];
      while (!s.done) {
        const batch = s.ask(2);
        asked.push(...batch.map(candidateKey));
        if (freeze) s = fromState(JSON.parse(JSON.stringify(s.state())));
        s.tell(batch.map((candidate) => ({ candidate, objectives: values(candidate) })));
        if (freeze) s = fromState(JSON.parse(JSON.stringify(s.state())));
      }
      return asked;
    };
    const straight = run(false);
    expect(straight).toHaveLength(13);
    expect(run(true)).toEqual(straight);
  });

  it('runSearch: the evaluator sees each rung’s fidelity, and only full evaluations reach the front', async () => {
    const seen: Array<number | undefined> = [];
    const result = await runSearch({
      network: 'mobilenet_v2',
      space: 'blocks',
      strategy: 'halving',
      objectives: ['accuracy', 'latency'],
      populationSize: 9,
      seed: 1,
      evaluate: async (candidate) => {
        seen.push(candidate.fidelity);
        return score(candidate);
      },
    });
    expect(result.evaluations).toBe(13);
    expect(seen.filter((f) => f === 1 / 9)).toHaveLength(9);
    expect(seen.filter((f) => f === 1 / 3)).toHaveLength(3);
    expect(seen.filter((f) => f === undefined)).toHaveLength(1);
    expect(result.front).toHaveLength(1);
    expect(result.front[0]).not.toHaveProperty('fidelity');
    expect(result.all.filter((c) => c.fidelity !== undefined)).toHaveLength(12);
  });

  it('refuses a budget that stops before the last rung, and bad eta / rungs', () => {
    expect(() => createStrategy({ strategy: 'halving', space, objectives: ['accuracy'], budget: 30 })).toThrow(
      'budget: successive halving of 27 networks over 3 rungs (eta 3) evaluates 39; the budget of 30 would stop it before its last rung',
    );
    expect(() => createStrategy({ strategy: 'halving', space, objectives: ['accuracy'], budget: 100, eta: 1 })).toThrow(
      'eta: expected an integer ≥ 2, got 1',
    );
    expect(() => createStrategy({ strategy: 'halving', space, objectives: ['accuracy'], budget: 100, rungs: 1 })).toThrow(
      'rungs: expected an integer ≥ 2, got 1',
    );
  });
});
