/**
 * The in-process reference for accuracy searches: libs/nas' `runSearch` with the same options,
 * fed the accuracies the campaign stored (minimised, so negated). A campaign search that asks what
 * runSearch asks and keeps its front passes; one that asks another network fails at that network.
 */
import { runSearch, searchSummary, type SearchOptions } from '@fuselab/nas';

export interface StoredCandidate {
  operators: string[];
  objectives: Record<string, number>;
}

/** runSearch's evaluations and front, given each stored candidate's accuracy. */
export async function referenceSearch(options: Omit<SearchOptions, 'evaluate'>, candidates: readonly StoredCandidate[]) {
  const accuracyOf = new Map(candidates.map((c) => [c.operators.join(','), -c.objectives.accuracy!]));
  const run = await runSearch({
    ...options,
    evaluate: async (candidate) => {
      const accuracy = accuracyOf.get(candidate.operators.join(','));
      if (accuracy === undefined) throw new Error(`runSearch asked ${candidate.operators.join(',')}, which the campaign did not`);
      return accuracy;
    },
  });
  return {
    all: run.all.map((c) => [c.operators, c.objectives]),
    front: searchSummary(run).front,
  };
}
