/**
 * Confirming an accuracy search's front over more seeds.
 *
 * A search with the `accuracy` objective judges each candidate on one training. Test accuracy
 * after a short training moves by a point or more from seed to seed, so the most accurate of many
 * candidates measured once is, on average, luckier than it is good (selection on noise): in the
 * CIFAR-10 NOS + NAS study the one-seed front's best network led the fixed variants on its seed
 * and trailed them over three (libs/nas README, "Three seeds"). Confirmation retrains every
 * network of the one-seed front at further seeds and judges it by its mean accuracy; the front of
 * those means is what the search reports as found.
 *
 * Only the top of the search is retrained — the one-seed front, or its first few non-dominated
 * fronts (leadingFronts) so that a network one unlucky seed put just behind the front can come
 * back; one further down stays off (its mean is unknown), the usual "re-evaluate the top"
 * compromise of NAS benchmarks.
 */
import { NasInputError } from './errors.js';
import { objectiveVector, type ObjectiveName, type ObjectiveValues } from './objectives.js';
import { paretoRanks } from './pareto.js';
import { paretoFront } from './search.js';

/** A network of the one-seed front (or of its leading fronts) with its accuracy at every seed. */
export interface ConfirmedNetwork<T> {
  /** The front entry as the search stored it (its `objectives` carry the first seed's accuracy). */
  entry: T;
  /** Test accuracy (a fraction) per seed, in the order of ConfirmedFront.seeds. */
  accuracies: number[];
  mean: number;
  /** Sample standard deviation (n − 1); null with one seed. */
  sd: number | null;
  /** The entry's objectives with `accuracy` the negated mean (minimised, as every objective). */
  objectives: ObjectiveValues;
  /** On the front of the means among the confirmed networks. */
  onFront: boolean;
}

export interface ConfirmedFront<T> {
  /** The search's own training seed first, then the confirmation seeds. */
  seeds: number[];
  /** In the order they were given. */
  networks: Array<ConfirmedNetwork<T>>;
}

/**
 * The entries of the first `fronts` non-dominated fronts (1: the Pareto front; 2: it and the front
 * of what remains; …), in their order, a key kept once (its last entry, as paretoFront keeps it).
 */
export function leadingFronts<T extends { key: string; objectives: ObjectiveValues }>(
  entries: readonly T[],
  objectives: readonly ObjectiveName[],
  fronts = 1,
): T[] {
  if (!Number.isInteger(fronts) || fronts < 1)
    throw new NasInputError('fronts', `expected a positive whole number of fronts, got ${fronts}`);
  const unique = [...new Map(entries.map((e) => [e.key, e])).values()];
  const ranks = paretoRanks(unique.map((e) => objectiveVector(e.objectives, objectives)));
  return unique.filter((_, i) => ranks[i]! < fronts);
}

/** Sample mean and standard deviation (n − 1; null below two values). */
export function meanAndSd(values: readonly number[]): { mean: number; sd: number | null } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (values.length < 2) return { mean, sd: null };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * The networks of the one-seed front (or of its leading fronts, see leadingFronts) judged over
 * `seeds`, the search's seed first: `accuracyOf(entry, seed)` is the network's test accuracy at
 * that seed — for the first seed, what its objectives say. Throws a NasInputError when the
 * objectives have no `accuracy`, a seed repeats, or an accuracy is not a finite number.
 */
export function confirmFront<T extends { key: string; objectives: ObjectiveValues }>(
  front: readonly T[],
  objectives: readonly ObjectiveName[],
  seeds: readonly number[],
  accuracyOf: (entry: T, seed: number) => number,
): ConfirmedFront<T> {
  if (!objectives.includes('accuracy')) throw new NasInputError('objectives', 'confirmation re-measures accuracy: the search has none');
  if (seeds.length === 0) throw new NasInputError('seeds', 'expected at least one seed');
  if (new Set(seeds).size !== seeds.length) throw new NasInputError('seeds', `a seed is given twice in ${seeds.join(', ')}`);
  const measured = front.map((entry) => {
    const accuracies = seeds.map((seed) => {
      const accuracy = accuracyOf(entry, seed);
      if (!Number.isFinite(accuracy))
        throw new NasInputError('accuracy', `network ${entry.key} has no finite accuracy at seed ${seed} (got ${accuracy})`);
      return accuracy;
    });
    const { mean, sd } = meanAndSd(accuracies);
    return { entry, accuracies, mean, sd, objectives: { ...entry.objectives, accuracy: -mean } };
  });
  const kept = new Set(
    paretoFront(
      measured.map((m) => ({ key: m.entry.key, objectives: m.objectives })),
      objectives,
    ).map((e) => e.key),
  );
  return { seeds: [...seeds], networks: measured.map((m) => ({ ...m, onFront: kept.has(m.entry.key) })) };
}
