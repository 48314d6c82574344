/**
 * The in-process reference for accuracy searches: libs/nas' `runSearch` with the search entry's
 * options (on the default 64×64 array), fed the accuracies the campaign stored (minimised, so
 * negated). The campaign's stored candidates, in order, and its front must be runSearch's; a search
 * that asks another network fails at that network.
 */
import { runSearch, searchSummary } from '@fuselab/nas';
import { expect } from 'vitest';

export interface StoredCandidate {
  operators: string[];
  objectives: Record<string, number>;
}

/** What a spec's search entry says that runSearch takes too. */
export interface SearchEntry {
  network: string;
  space: string;
  operators: readonly string[];
  strategy: string;
  objectives: readonly string[];
  budget: number;
  seed: number;
}

export async function expectSameAsRunSearch(
  entry: SearchEntry,
  stored: { candidates: readonly StoredCandidate[]; front: readonly StoredCandidate[] },
): Promise<void> {
  const accuracyOf = new Map(stored.candidates.map((c) => [c.operators.join(','), -c.objectives.accuracy!]));
  const run = await runSearch({
    network: entry.network,
    space: entry.space as never,
    operators: [...entry.operators] as never,
    array: { rows: 64, cols: 64 },
    strategy: entry.strategy,
    objectives: [...entry.objectives],
    budget: entry.budget,
    seed: entry.seed,
    evaluate: async (candidate) => {
      const accuracy = accuracyOf.get(candidate.operators.join(','));
      if (accuracy === undefined) throw new Error(`runSearch asked ${candidate.operators.join(',')}, which the campaign did not`);
      return accuracy;
    },
  });
  expect(stored.front.map((e) => ({ operators: e.operators, objectives: e.objectives }))).toEqual(searchSummary(run).front);
  expect(stored.candidates.map((c) => [c.operators, c.objectives])).toEqual(run.all.map((c) => [c.operators, c.objectives]));
}
