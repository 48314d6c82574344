/**
 * A search job's parameters → libs/nas' space, strategy options and evaluation settings. Pure (no
 * I/O): the search workflow builds its strategy with it, the activities their evaluation request,
 * exactly as libs/nas' `runSearch` does in-process — so a campaign search and `runSearch` with the
 * same options ask, evaluate and tell the same candidates in the same order.
 */
import { makeSpace, type EvaluationRequest, type SearchSpace, type StrategyOptions } from '@fuselab/nas';
import type { SearchJobParams } from './expand.js';

/** Candidates asked per round, as `runSearch` asks them (its default batch). */
export const SEARCH_ASK_BATCH = 64;

export function searchSpaceOf(params: SearchJobParams): SearchSpace {
  return makeSpace({ network: params.network, space: params.space, operators: params.operators, arrays: params.arrays });
}

export function strategyOptionsOf(params: SearchJobParams, space: SearchSpace = searchSpaceOf(params)): StrategyOptions {
  return {
    strategy: params.strategy,
    space,
    objectives: params.objectives,
    budget: params.budget,
    seed: params.seed,
    ...(params.population !== undefined ? { populationSize: params.population } : {}),
  };
}

/** The evaluation request of one candidate (plain data). */
export function evaluationRequestOf(
  params: SearchJobParams,
  space: SearchSpace,
  candidate: EvaluationRequest['candidate'],
): EvaluationRequest {
  return {
    network: space.network,
    array: space.arrays[0]!,
    candidate,
    objectives: params.objectives,
    model: params.model,
    inputSize: params.inputSize,
    numClasses: params.numClasses,
  };
}
