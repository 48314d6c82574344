/**
 * Search activities (`fuselab-nas`): evaluate candidates with libs/nas and write candidates, the
 * front after each generation and the finished search to SQL. The strategy itself runs in the
 * search workflow (src/workflows/search.ts). Every write is keyed (job key + candidate key /
 * generation / job key) with ON CONFLICT, so an activity or a whole workflow run that repeats
 * leaves one row.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  candidateKey,
  confirmFront,
  evaluateCandidate,
  leadingFronts,
  paretoFront,
  type Candidate,
  type ObjectiveName,
} from '@fuselab/nas';
import type { SearchJobParams } from '../campaigns/expand.js';
import { evaluationRequestOf, searchSpaceOf } from '../campaigns/search.js';
import { jobCodeVersion } from '../campaigns/versions.js';
import { rethrowForActivity } from '../errors/activity-failure.js';
import type { ConfirmedSearchFront, SearchCandidateRow, Store } from '../store/store.js';
import type { Confirmation, SearchActivities } from './types.js';

/** Stored candidates as front entries (evaluation order): full evaluations only. */
function entriesOf(rows: readonly SearchCandidateRow[]) {
  return rows
    .filter((row) => row.fidelity === null || row.fidelity === undefined)
    .map((row) => ({
      key: row.candidateKey,
      operators: row.operators,
      objectives: row.objectives,
      ...(row.array ? { array: row.array } : {}),
    }));
}

/** The front of stored candidates (evaluation order), as libs/nas' runSearch computes it: full evaluations only. */
export function frontOf(rows: readonly SearchCandidateRow[], objectives: readonly ObjectiveName[]) {
  return paretoFront(entriesOf(rows), objectives);
}

/** What a search's `confirm` trains again: the stored candidates of its first `fronts` non-dominated fronts (default 1). */
export function toConfirm(rows: readonly SearchCandidateRow[], params: SearchJobParams) {
  return leadingFronts(entriesOf(rows), params.objectives, params.confirm?.fronts ?? 1);
}

/** A network's operators as one string (the array gene aside: candidates that differ only in it share their trainings). */
const networkId = (operators: readonly string[]) => operators.join(',');

/** The distinct networks of a front, in its order. */
export function frontNetworksOf(front: ReadonlyArray<{ operators: readonly string[] }>): string[][] {
  return [...new Map(front.map((entry) => [networkId(entry.operators), [...entry.operators]])).values()];
}

/**
 * A search's front confirmed over its `confirm` seeds (libs/nas confirmFront) for the candidates
 * toConfirm names: at the search's training seed(s) each network's accuracy and training are its
 * stored candidate's, at the others the confirmation trainings'. Throws when one is missing.
 */
export function confirmedFrontOf(
  rows: readonly SearchCandidateRow[],
  params: SearchJobParams,
  confirmations: readonly Confirmation[],
): ConfirmedSearchFront {
  if (!params.training || !params.confirm) throw new Error(`search of ${params.network} has nothing to confirm`);
  const front = toConfirm(rows, params);
  const searchSeed = params.training.seed;
  const rowOf = new Map(rows.map((row) => [row.candidateKey, row]));
  const confirmed = new Map(confirmations.map((c) => [`${networkId(c.operators)}@${c.seed}`, c]));
  // A missing confirmation reads as no accuracy (NaN): confirmFront then names the network and seed.
  const at = (entry: (typeof front)[number], seed: number) => {
    const row = rowOf.get(entry.key);
    // Training `seeds`: the candidate's own training at that seed (its objective is their mean).
    const own = row?.seedTrainings?.find((t) => t.seed === seed);
    if (own) return { key: own.key, accuracy: own.testAccuracy };
    if (seed === searchSeed && !params.training?.seeds) return { key: row?.trainingKey ?? '', accuracy: -entry.objectives.accuracy! };
    const c = confirmed.get(`${networkId(entry.operators)}@${seed}`);
    return { key: c?.key ?? '', accuracy: c?.testAccuracy ?? Number.NaN };
  };
  const seeds = [...(params.training.seeds ?? [searchSeed]), ...params.confirm.seeds];
  const result = confirmFront(front, params.objectives, seeds, (entry, seed) => at(entry, seed).accuracy);
  return {
    seeds: result.seeds,
    networks: result.networks.map(({ entry, accuracies, mean, sd, objectives, onFront }) => ({
      key: entry.key,
      operators: entry.operators,
      ...(entry.array ? { array: entry.array } : {}),
      objectives,
      accuracies,
      trainingKeys: seeds.map((seed) => at(entry, seed).key),
      mean,
      sd,
      onFront,
    })),
  };
}

export function createSearchActivities(store: Store, worker: string): SearchActivities {
  return {
    async startSearch({ campaignId, position, force }) {
      const [job] = await store.loadJobs(campaignId, [position]);
      if (!job || job.kind !== 'nas')
        throw ApplicationFailure.nonRetryable(`campaign ${campaignId} has no search job at position ${position}`, 'InputError');
      if (force) await store.dropSearch(job.key);
      await store.startJobs(campaignId, [job.key], worker, Context.current().info.attempt);
      return { key: job.key, params: job.params as SearchJobParams };
    },
    async evaluateSearchCandidate({ jobKey, params, index, generation, candidate, trained }) {
      const key = candidateKey(candidate as Candidate);
      const stored = await store.searchCandidate(jobKey, key);
      if (stored) return stored.objectives as Record<string, number>;
      const space = searchSpaceOf(params);
      let objectives: Record<string, number>;
      try {
        // `accuracy`: the workflow trained the candidate first (a fuselab-train activity) and passes the result on.
        const accuracy = trained ? { accuracy: () => trained.testAccuracy } : {};
        objectives = (await evaluateCandidate(evaluationRequestOf(params, space, candidate as Candidate), accuracy)) as Record<
          string,
          number
        >;
      } catch (error) {
        // A candidate libs/nas rejects (or a non-finite synflow) fails the same way on every attempt.
        rethrowForActivity(error);
      }
      await store.saveSearchCandidate({
        jobKey,
        candidateIndex: index,
        candidateKey: key,
        generation,
        operators: candidate.operators,
        array: candidate.array ?? null,
        objectives,
        trainingKey: trained?.key ?? null,
        seedTrainings: trained?.seeds ?? null,
        fidelity: candidate.fidelity ?? null,
        worker,
      });
      return objectives;
    },
    async recordSearchFront({ jobKey, params, generation }) {
      const rows = await store.searchCandidates(jobKey);
      const front = frontOf(rows, params.objectives);
      await store.saveSearchFront(jobKey, generation, rows.length, front);
      return { evaluations: rows.length, front: front.length };
    },
    async frontNetworks({ jobKey, params }) {
      return frontNetworksOf(toConfirm(await store.searchCandidates(jobKey), params));
    },
    async finishSearch({ campaignId, jobKey, params, generations, runs, confirmations }) {
      const rows = await store.searchCandidates(jobKey);
      const front = frontOf(rows, params.objectives);
      let confirmed: ConfirmedSearchFront | undefined;
      try {
        // A confirmation the workflow did not pass is a bug, not bad input: the same on every attempt.
        if (params.confirm) confirmed = confirmedFrontOf(rows, params, confirmations ?? []);
      } catch (error) {
        rethrowForActivity(error);
      }
      await store.saveSearchResult(
        campaignId,
        {
          jobKey,
          network: params.network,
          space: params.space,
          strategy: params.strategy,
          objectives: params.objectives,
          evaluations: rows.length,
          generations,
          runs,
          front,
          ...(confirmed ? { confirmed } : {}),
        },
        jobCodeVersion('nas', params),
        worker,
      );
      return { evaluations: rows.length, front: front.length };
    },
  };
}
