import { describe, expect, test } from 'vitest';
import { confirmFront, leadingFronts, meanAndSd } from './confirm.js';
import { NasInputError } from './errors.js';
import { paretoFront } from './search.js';

// A one-seed front of three networks (accuracy negated, as stored), latency in cycles. Values are
// binary fractions, so the means and deviations below are exact.
const front = [
  { key: 'a', operators: ['dw'], objectives: { accuracy: -0.625, latency: 100 } },
  { key: 'b', operators: ['fuse_half'], objectives: { accuracy: -0.5, latency: 60 } },
  { key: 'c', operators: ['fuse_full'], objectives: { accuracy: -0.25, latency: 30 } },
];
const later: Record<string, Record<number, number>> = {
  a: { 2: 0.4375, 3: 0.4375 },
  b: { 2: 0.5625, 3: 0.5625 },
  c: { 2: 0.375, 3: 0.125 },
};
const accuracyOf = (entry: (typeof front)[number], seed: number) => (seed === 1 ? -entry.objectives.accuracy : later[entry.key]![seed]!);

describe('confirmFront', () => {
  test('judges each network by its mean over the seeds and keeps the front of the means', () => {
    const confirmed = confirmFront(front, ['accuracy', 'latency'], [1, 2, 3], accuracyOf);
    expect(confirmed.seeds).toEqual([1, 2, 3]);
    expect(confirmed.networks.map((n) => n.entry.key)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = confirmed.networks;
    // a led on seed 1 but its mean (1.5 / 3) is below b's (1.625 / 3) at a higher latency: off the front.
    expect(a).toMatchObject({ accuracies: [0.625, 0.4375, 0.4375], mean: 0.5, onFront: false });
    expect(a!.sd).toBeCloseTo(Math.sqrt((0.125 ** 2 + 2 * 0.0625 ** 2) / 2), 15);
    expect(a!.objectives).toEqual({ accuracy: -0.5, latency: 100 });
    expect(b).toMatchObject({ accuracies: [0.5, 0.5625, 0.5625], mean: 1.625 / 3, onFront: true });
    expect(b!.sd).toBeCloseTo(Math.sqrt(((0.5 - 1.625 / 3) ** 2 + 2 * (0.5625 - 1.625 / 3) ** 2) / 2), 15);
    expect(c).toMatchObject({ accuracies: [0.25, 0.375, 0.125], mean: 0.25, sd: 0.125, onFront: true });
    // The entry is handed back untouched: its objectives still say what the first seed measured.
    expect(c!.entry).toBe(front[2]);
  });

  test('with the search seed alone it is the one-seed front, without deviations', () => {
    const confirmed = confirmFront(front, ['accuracy', 'latency'], [1], accuracyOf);
    expect(confirmed.networks.map((n) => [n.mean, n.sd, n.onFront])).toEqual([
      [0.625, null, true],
      [0.5, null, true],
      [0.25, null, true],
    ]);
  });

  test('refuses what it cannot confirm, naming the problem', () => {
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(NasInputError);
        return (error as Error).message;
      }
      throw new Error('expected a NasInputError');
    };
    expect(fail(() => confirmFront(front, ['latency'], [1, 2], accuracyOf))).toMatch(/objectives: .*has none/);
    expect(fail(() => confirmFront(front, ['accuracy', 'latency'], [1, 2, 2], accuracyOf))).toMatch(/seeds: a seed is given twice/);
    expect(fail(() => confirmFront(front, ['accuracy', 'latency'], [1, 4], accuracyOf))).toMatch(
      /accuracy: network a has no finite accuracy at seed 4 \(got undefined\)/,
    );
  });
});

describe('meanAndSd', () => {
  test('sample deviation (n − 1), none for one value', () => {
    expect(meanAndSd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7) });
    expect(meanAndSd([3])).toEqual({ mean: 3, sd: null });
  });
});

describe('leadingFronts', () => {
  // Accuracy (negated) and latency; fronts by hand: {a, b, c} | {d, e} | {f}.
  const entries = [
    { key: 'a', objectives: { accuracy: -0.6, latency: 100 } },
    { key: 'd', objectives: { accuracy: -0.55, latency: 100 } }, // behind a only
    { key: 'b', objectives: { accuracy: -0.5, latency: 60 } },
    { key: 'f', objectives: { accuracy: -0.4, latency: 90 } }, // behind b and e
    { key: 'c', objectives: { accuracy: -0.3, latency: 30 } },
    { key: 'e', objectives: { accuracy: -0.45, latency: 70 } }, // behind b only
  ];
  const keys = (fronts: number) => leadingFronts(entries, ['accuracy', 'latency'], fronts).map((e) => e.key);

  test('takes the first non-dominated fronts, in the order given', () => {
    expect(keys(1)).toEqual(['a', 'b', 'c']);
    expect(keys(2)).toEqual(['a', 'd', 'b', 'c', 'e']);
    expect(keys(3)).toEqual(['a', 'd', 'b', 'f', 'c', 'e']);
    expect(keys(9)).toEqual(keys(3));
  });

  test('one front is paretoFront', () => {
    expect(leadingFronts(entries, ['accuracy', 'latency'])).toEqual(paretoFront(entries, ['accuracy', 'latency']));
  });

  test('refuses a count that is not a positive whole number', () => {
    expect(() => leadingFronts(entries, ['accuracy'], 0)).toThrow('fronts: expected a positive whole number of fronts, got 0');
    expect(() => leadingFronts(entries, ['accuracy'], 1.5)).toThrow(NasInputError);
  });
});
