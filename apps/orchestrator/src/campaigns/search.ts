/**
 * A search job's parameters → libs/nas' space, strategy options and evaluation settings. Pure (no
 * I/O): the search workflow builds its strategy with it, the activities their evaluation request,
 * exactly as libs/nas' `runSearch` does in-process — so a campaign search and `runSearch` with the
 * same options ask, evaluate and tell the same candidates in the same order.
 */
import {
  constraintCheck,
  makeSpace,
  type ConstraintCheck,
  type EvaluationRequest,
  type EvaluationSettings,
  type SearchSpace,
  type StrategyOptions,
} from '@fuselab/nas';
import { ZERO_COST_PT } from '../choices.js';
import { DEFAULT_RECALIBRATE_BATCHES, trainJobParams, type SearchJobParams, type TrainJobParams } from './expand.js';

/** Candidates asked per round, as `runSearch` asks them (its default batch). */
export const SEARCH_ASK_BATCH = 64;

export function searchSpaceOf(params: SearchJobParams): SearchSpace {
  return makeSpace({ network: params.network, space: params.space, operators: params.operators, arrays: params.arrays });
}

export function strategyOptionsOf(params: SearchJobParams, space: SearchSpace = searchSpaceOf(params)): StrategyOptions {
  if (params.strategy === ZERO_COST_PT) throw new Error('zero-cost-pt is no ask/tell strategy: the search workflow runs it as an activity');
  return {
    strategy: params.strategy,
    space,
    objectives: params.objectives,
    budget: params.budget,
    seed: params.seed,
    ...(params.population !== undefined ? { populationSize: params.population } : {}),
    ...(params.eta !== undefined ? { eta: params.eta } : {}),
    ...(params.rungs !== undefined ? { rungs: params.rungs } : {}),
  };
}

/** How the search's candidates are measured (plain data). */
export function evaluationSettingsOf(
  params: Pick<SearchJobParams, 'model' | 'inputSize' | 'numClasses'>,
  space: SearchSpace,
): EvaluationSettings {
  return {
    network: space.network,
    array: space.arrays[0]!,
    model: params.model,
    inputSize: params.inputSize,
    numClasses: params.numClasses,
  };
}

/** The evaluation request of one candidate (plain data). */
export function evaluationRequestOf(
  params: SearchJobParams,
  space: SearchSpace,
  candidate: EvaluationRequest['candidate'],
): EvaluationRequest {
  return { ...evaluationSettingsOf(params, space), candidate, objectives: params.objectives };
}

/**
 * The search's constraint check (null without constraints): pure and quick (per-block cycle sums),
 * so the search workflow runs it in workflow code on every asked candidate, as runSearch does.
 */
export function constraintCheckOf(
  params: Pick<SearchJobParams, 'constraints' | 'model' | 'inputSize' | 'numClasses'>,
  space: SearchSpace,
): ConstraintCheck | null {
  return params.constraints ? constraintCheck(evaluationSettingsOf(params, space), space, params.constraints) : null;
}

/**
 * The training job that measures a candidate's accuracy (searches with the `accuracy` objective):
 * the search's network with the candidate's per-block operators (variant `custom`), trained with
 * the search's training settings, method and teacher — the job a `trainings` entry with those settings and
 * operators would make, hence the same key. The array gene does not enter: candidates that differ
 * only in their array share one training.
 */
export function candidateTraining(
  params: SearchJobParams,
  candidate: { operators: readonly string[]; fidelity?: number | undefined },
  /**
   * Another of the search's training `seeds`, or a confirmation training's seed (`confirm`), with
   * the same teacher; default: the search's (first) training seed.
   */
  seed?: number,
): TrainJobParams {
  if (!params.training) throw new Error(`search of ${params.network} has no training settings (needed by the accuracy objective)`);
  const { seed: searchSeed, seeds: _seeds, method, teacher, recalibrate: _scoring, ...settings } = params.training;
  if (method === 'supernet') throw new Error(`search of ${params.network} scores candidates on its supernet: it trains none of them`);
  // A multi-fidelity strategy's early rungs (halving) train that fraction of the epochs, at least one.
  const epochs = candidate.fidelity === undefined ? settings.epochs : Math.max(1, Math.round(settings.epochs * candidate.fidelity));
  return {
    ...trainJobParams(
      { ...settings, epochs },
      { network: params.network, variant: 'custom', operators: [...candidate.operators], method, seed: seed ?? searchSeed },
    ),
    ...(teacher ? { teacher } : {}),
  };
}

/**
 * The supernet a search with training method `supernet` trains once (one-shot): over the search's
 * network and operators, with its training settings, seed and optional teacher. Its parameters are
 * a training job's with variant `supernet`, the operators every block chooses from as `operators`
 * and method `supernet`; how candidates are scored (`recalibrate`) is not part of them, so searches
 * that differ only in that share the supernet. Keyed by supernetKey (versions.ts).
 */
export type SupernetJobParams = Omit<TrainJobParams, 'method' | 'variant' | 'operators'> & {
  variant: 'supernet';
  operators: string[];
  method: 'supernet';
};

export function supernetTraining(params: SearchJobParams): SupernetJobParams {
  if (params.training?.method !== 'supernet') throw new Error(`search of ${params.network} does not train a supernet`);
  const { seed, seeds: _seeds, teacher, method: _method, recalibrate: _scoring, ...settings } = params.training;
  const { method: _scratch, ...job } = trainJobParams(settings, {
    network: params.network,
    variant: 'supernet',
    operators: [...params.operators],
    method: 'scratch',
    seed,
  });
  return { ...job, variant: 'supernet', operators: [...params.operators], method: 'supernet', ...(teacher ? { teacher } : {}) };
}

/** How a supernet search scores each candidate (plain data): recalibration batches, batch size, seed. */
export function supernetScoring(params: SearchJobParams): { recalibrate: number; batch: number; seed: number } {
  if (params.training?.method !== 'supernet') throw new Error(`search of ${params.network} does not train a supernet`);
  return {
    recalibrate: params.training.recalibrate ?? DEFAULT_RECALIBRATE_BATCHES,
    batch: params.training.batch,
    seed: params.training.seed,
  };
}

/** Candidates a supernet search scores in one activity: a generation spreads over the train workers in such chunks. */
export const SUPERNET_SCORE_CHUNK = 8;
