/**
 * What a search's `confirm` trains again (toConfirm, frontNetworksOf) and how finishSearch judges
 * it (confirmedFrontOf), on hand-made stored candidates.
 */
import { describe, expect, it } from 'vitest';
import type { SearchJobParams } from '../campaigns/expand.js';
import type { SearchCandidateRow } from '../store/store.js';
import { confirmedFrontOf, frontNetworksOf, toConfirm } from './search.js';

const ops = (op: string) => new Array<string>(17).fill(op);
const row = (index: number, key: string, operators: string[], accuracy: number, latency: number, extra: Partial<SearchCandidateRow> = {}) =>
  ({
    jobKey: 'search',
    candidateIndex: index,
    candidateKey: key,
    generation: 0,
    operators,
    array: null,
    objectives: { accuracy: -accuracy, latency },
    trainingKey: `t-${key}`,
    fidelity: null,
    worker: null,
    createdAt: new Date(0),
    ...extra,
  }) as SearchCandidateRow;

// Fronts at seed 1: {a, b} | {c} | {d}; e is an early-rung evaluation (never on a front).
const rows = [
  row(0, 'a', ops('dw'), 0.5, 100),
  row(1, 'b', ops('fuse_half'), 0.375, 50),
  row(2, 'c', ops('fuse_full'), 0.4375, 100),
  row(3, 'd', ops('fuse_full').fill('dw', 0, 1), 0.25, 100),
  row(4, 'e', ops('dw').fill('fuse_half', 0, 1), 0.75, 10, { fidelity: 1 / 3 }),
];
const params = (fronts?: number) =>
  ({
    objectives: ['accuracy', 'latency'],
    training: { seed: 1 },
    confirm: { seeds: [2], ...(fronts ? { fronts } : {}) },
  }) as unknown as SearchJobParams;

describe('confirm', () => {
  it('trains again the networks of the leading fronts, full evaluations only', () => {
    expect(toConfirm(rows, params()).map((e) => e.key)).toEqual(['a', 'b']);
    expect(toConfirm(rows, params(2)).map((e) => e.key)).toEqual(['a', 'b', 'c']);
    expect(frontNetworksOf(toConfirm(rows, params(2)))).toEqual([ops('dw'), ops('fuse_half'), ops('fuse_full')]);
  });

  it('judges them by the mean over the search seed and the confirmation seeds', () => {
    // c, behind a at seed 1, is ahead of it on the mean: (0.4375 + 0.5625) / 2 against (0.5 + 0.375) / 2.
    const confirmations = [
      { operators: ops('dw'), seed: 2, key: 'a2', testAccuracy: 0.375 },
      { operators: ops('fuse_half'), seed: 2, key: 'b2', testAccuracy: 0.375 },
      { operators: ops('fuse_full'), seed: 2, key: 'c2', testAccuracy: 0.5625 },
    ];
    const confirmed = confirmedFrontOf(rows, params(2), confirmations);
    expect(confirmed.seeds).toEqual([1, 2]);
    expect(confirmed.networks.map((n) => [n.key, n.accuracies, n.trainingKeys, n.mean, n.onFront])).toEqual([
      ['a', [0.5, 0.375], ['t-a', 'a2'], 0.4375, false],
      ['b', [0.375, 0.375], ['t-b', 'b2'], 0.375, true],
      ['c', [0.4375, 0.5625], ['t-c', 'c2'], 0.5, true],
    ]);
    expect(confirmed.networks[2]!.objectives).toEqual({ accuracy: -0.5, latency: 100 });
  });

  it('with training seeds, takes each seed’s own training of the candidate, then the confirmation seeds', () => {
    // Trained at seeds 1 and 3 (objective: the negated mean), confirmed at 2.
    const seeded = (index: number, key: string, operators: string[], at1: number, at3: number, latency: number) =>
      row(index, key, operators, (at1 + at3) / 2, latency, {
        trainingKey: `t-${key}`,
        seedTrainings: [
          { seed: 1, key: `t-${key}`, testAccuracy: at1 },
          { seed: 3, key: `${key}3`, testAccuracy: at3 },
        ],
      });
    const both = [seeded(0, 'a', ops('dw'), 0.5, 0.25, 100), seeded(1, 'b', ops('fuse_half'), 0.375, 0.125, 50)];
    const withSeeds = { ...params(), training: { seed: 1, seeds: [1, 3] } } as unknown as SearchJobParams;
    const confirmations = [
      { operators: ops('dw'), seed: 2, key: 'a2', testAccuracy: 0.125 },
      { operators: ops('fuse_half'), seed: 2, key: 'b2', testAccuracy: 0.5 },
    ];
    const confirmed = confirmedFrontOf(both, withSeeds, confirmations);
    expect(confirmed.seeds).toEqual([1, 3, 2]);
    expect(confirmed.networks.map((n) => [n.key, n.accuracies, n.trainingKeys, n.mean, n.onFront])).toEqual([
      ['a', [0.5, 0.25, 0.125], ['t-a', 'a3', 'a2'], 0.875 / 3, false],
      ['b', [0.375, 0.125, 0.5], ['t-b', 'b3', 'b2'], 1 / 3, true],
    ]);
  });

  it('refuses to finish without a confirmation it needs, naming the network and seed', () => {
    expect(() => confirmedFrontOf(rows, params(), [{ operators: ops('dw'), seed: 2, key: 'a2', testAccuracy: 0.5 }])).toThrow(
      'accuracy: network b has no finite accuracy at seed 2 (got NaN)',
    );
  });
});
