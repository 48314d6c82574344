/**
 * @fuselab/nas — search over FuSe operator choices (and array sizes): spaces, objectives,
 * ask/tell strategies with serialisable state, Pareto fronts. `synflow` lives in
 * `@fuselab/nas/synflow` (it loads tfjs) and is loaded on demand by `evaluateCandidate`.
 */
export { NasInputError } from './errors.js';
export { Rng } from './rng.js';
export {
  SPACE_KINDS,
  makeSpace,
  decode,
  encode,
  candidateKey,
  genomeKey,
  genomeLength,
  positionCount,
  arity,
  spaceSize,
  candidateArray,
} from './space.js';
export type { SpaceKind, ArrayChoice, ArraySpec, Candidate, SearchSpace, SpaceOptions } from './space.js';
export {
  OBJECTIVES,
  NEGATED_OBJECTIVES,
  STOS_AREA_OVERHEAD,
  validateObjectives,
  candidateSpec,
  latencyOf,
  areaOf,
  evaluateStatic,
  evaluateCandidate,
  objectiveVector,
} from './objectives.js';
export type { ObjectiveName, ObjectiveValues, EvaluationSettings, EvaluationRequest, AccuracyEvaluator } from './objectives.js';
export {
  dominates,
  nonDominated,
  nonDominatedSort,
  paretoRanks,
  crowdingDistance,
  hypervolume,
  hypervolume2d,
  ParetoArchive,
} from './pareto.js';
export { confirmFront, leadingFronts, meanAndSd, type ConfirmedFront, type ConfirmedNetwork } from './confirm.js';
export { buildCostTable, TABLE_OBJECTIVES, type CostTable } from './cost-table.js';
export { constraintCheck, penalisedObjectives, validateConstraints, type ConstraintCheck, type Constraints } from './constraints.js';
export {
  STRATEGIES,
  DEFAULT_POPULATION,
  DEFAULT_SAMPLE,
  DEFAULT_EXHAUSTIVE_LIMIT,
  DEFAULT_HALVING,
  halvingEvaluations,
  createStrategy,
  fromState,
  genomeAt,
  rankAndCrowding,
  selectSurvivors,
} from './strategies.js';
export type { Strategy, StrategyName, StrategyOptions, StrategyState, Evaluation } from './strategies.js';
export { runSearch, paretoFront, frontHypervolume, searchSummary, defaultBudget } from './search.js';
export type { SearchOptions, SearchProgress, SearchResult, EvaluatedCandidate } from './search.js';
export { kendallTau, spearmanRho, averageRanks, bootstrapInterval, type BootstrapInterval } from './rank-correlation.js';
