/**
 * The peer of the search benchmark: the in-process search loop as it was before the cost tables
 * and the incremental front (commit a047972's `runSearch`), kept verbatim in what it does per
 * evaluation — a full `evaluateCandidate` (network, topology, cycles, counts) and a rescan of every
 * point evaluated so far (`nonDominated`) for the progress's front size and the final front. It
 * drives today's strategies, whose asks are identical to that commit's.
 */
import {
  candidateKey,
  createStrategy,
  evaluateCandidate,
  makeSpace,
  nonDominated,
  objectiveVector,
  type EvaluatedCandidate,
  type ObjectiveName,
  type SearchOptions,
} from '../src/index.js';

export async function quadraticSearch(
  options: SearchOptions & { budget: number },
): Promise<{ evaluations: number; front: EvaluatedCandidate[] }> {
  const space = makeSpace(options);
  const objectives = options.objectives as ObjectiveName[];
  const strategy = createStrategy({
    strategy: options.strategy,
    space,
    objectives,
    budget: options.budget,
    seed: options.seed ?? 0,
    exhaustiveLimit: Number.MAX_SAFE_INTEGER,
  });
  const settings = { network: space.network, array: space.arrays[0]! };
  const all: EvaluatedCandidate[] = [];
  const points: number[][] = [];
  let frontSize = 0;
  while (!strategy.done) {
    const asked = strategy.ask(64);
    const values = await Promise.all(asked.map((candidate) => evaluateCandidate({ ...settings, candidate, objectives })));
    strategy.tell(asked.map((candidate, i) => ({ candidate, objectives: values[i]! })));
    asked.forEach((candidate, i) => {
      all.push({ key: candidateKey(candidate), operators: candidate.operators, objectives: values[i]! });
      points.push(objectiveVector(values[i]!, objectives));
      frontSize = nonDominated(points).length; // the progress report's front size, per evaluation
    });
  }
  void frontSize;
  return { evaluations: all.length, front: nonDominated(points).map((i) => all[i]!) };
}
