/** Searches with strategy `halving`: its options, its default budget, and the epochs of each rung's trainings. */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams } from './expand.js';
import { candidateTraining } from './search.js';
import { loadSpecText } from './spec.js';
import { specError } from './test-util.js';

const spec = (extra: string) => `
name: halving
searches:
  - network: mobilenet_v2
    space: blocks
    strategy: halving
    objectives: [accuracy, latency]
    training: { dataset: synthetic, width: 0.25, epochs: 9 }
${extra}
`;
const params = (extra: string) => expandSpec(loadSpecText(spec(extra)))[0]!.params as SearchJobParams;

describe('searches with strategy halving', () => {
  it('budget defaults to every rung (27 + 9 + 3); eta and rungs enter the parameters when given', () => {
    expect(params('').budget).toBe(39);
    expect(params('')).not.toHaveProperty('eta');
    const p = params('    population: 16\n    eta: 4\n    rungs: 2');
    expect(p).toMatchObject({ population: 16, eta: 4, rungs: 2, budget: 20 });
  });

  it('trains each rung for its fraction of the epochs (at least one); the last rung for all of them', () => {
    const p = params('');
    const operators = new Array(17).fill('dw');
    expect(candidateTraining(p, { operators, fidelity: 1 / 9 }).epochs).toBe(1);
    expect(candidateTraining(p, { operators, fidelity: 1 / 3 }).epochs).toBe(3);
    expect(candidateTraining(p, { operators }).epochs).toBe(9);
    const short = { ...p, training: { ...p.training!, epochs: 4 } };
    expect(candidateTraining(short, { operators, fidelity: 1 / 9 }).epochs).toBe(1);
  });

  it('refuses eta or rungs without halving, and a budget that stops before the last rung', () => {
    expect(specError(spec('    eta: 3').replace('strategy: halving', 'strategy: nsga2'))).toBe(
      'searches[0].eta: only used with strategy halving',
    );
    expect(specError(spec('    budget: 20'))).toBe(
      'searches[0].budget: successive halving of 27 networks over 3 rungs (eta 3) evaluates 39; the budget of 20 would stop it before its last rung',
    );
    expect(specError(spec('    eta: 1'))).toBe('searches[0].eta: expected an integer ≥ 2, got 1');
  });
});
