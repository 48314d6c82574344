/**
 * Search strategies behind one ask/tell interface. A strategy proposes candidates (`ask`), takes
 * their objective values back (`tell`), and can be frozen to plain JSON (`state()`) and thawed
 * (`fromState`) at any point between calls — what a Temporal workflow needs to run each
 * generation's evaluations as parallel activities and to continue-as-new.
 *
 * The state (strategy/state.ts) holds the space, the objectives, budget and counters, the PRNG's
 * 32-bit state, the keys asked so far (for de-duplication) and the strategy's working set (a
 * population of at most `populationSize` genomes with their objective vectors, or greedy's probe);
 * never the full evaluation history. Everything a strategy does depends only on its state, so the
 * same seed gives the same asks. One file per strategy under strategy/.
 */
import { NasInputError } from './errors.js';
import { validateObjectives, type ObjectiveName } from './objectives.js';
import { Rng } from './rng.js';
import { spaceSize, type SearchSpace } from './space.js';
import type { Strategy } from './strategy/base.js';
import { EvolutionStrategy } from './strategy/evolution.js';
import { ExhaustiveStrategy } from './strategy/exhaustive.js';
import { GreedyStrategy } from './strategy/greedy.js';
import { HalvingStrategy, halvingEvaluations } from './strategy/halving.js';
import { Nsga2Strategy } from './strategy/nsga2.js';
import { RandomStrategy } from './strategy/random.js';
import {
  initialGreedyWalk,
  STRATEGIES,
  upgradeState,
  type StrategyName,
  type StrategyState,
  type StrategyStateV1,
} from './strategy/state.js';

export { STRATEGIES, type StrategyName } from './strategy/state.js';
export type {
  Member,
  StrategyState,
  StrategyStateV1,
  RandomState,
  ExhaustiveState,
  EvolutionState,
  Nsga2State,
  GreedyState,
  GreedyWalk,
  HalvingState,
} from './strategy/state.js';
export { halvingEvaluations } from './strategy/halving.js';
export { genomeAt, type Evaluation, type Strategy } from './strategy/base.js';
export { rankAndCrowding, selectSurvivors } from './strategy/nsga2.js';

export interface StrategyOptions {
  strategy: StrategyName | string;
  space: SearchSpace;
  objectives: readonly (ObjectiveName | string)[];
  /** Number of evaluations (asked candidates) at most. */
  budget: number;
  seed?: number;
  /** evolution / nsga2: population size (default 16, at most the budget). */
  populationSize?: number;
  /** evolution: tournament sample size (default 4). */
  sampleSize?: number;
  /** exhaustive: largest space it accepts (default 50,000). */
  exhaustiveLimit?: number;
  /** halving: each rung keeps 1/eta of the networks at eta times the fidelity (default 3). */
  eta?: number;
  /** halving: rungs, the last at full fidelity (default 3: ⅑, ⅓, 1). */
  rungs?: number;
}

export const DEFAULT_POPULATION = 16;
export const DEFAULT_SAMPLE = 4;
export const DEFAULT_EXHAUSTIVE_LIMIT = 50_000;
/** halving: first-rung networks, rungs and reduction factor by default (27 → 9 → 3 networks at ⅑, ⅓, 1). */
export const DEFAULT_HALVING = { populationSize: 27, eta: 3, rungs: 3 } as const;

export function createStrategy(options: StrategyOptions): Strategy {
  if (!(STRATEGIES as readonly string[]).includes(options.strategy)) {
    throw new NasInputError('strategy', `unknown strategy ${JSON.stringify(options.strategy)}, expected one of ${STRATEGIES.join(', ')}`);
  }
  const strategy = options.strategy as StrategyName;
  const objectives = validateObjectives(options.objectives);
  if (!Number.isInteger(options.budget) || options.budget <= 0) {
    throw new NasInputError('budget', `expected a positive integer number of evaluations, got ${JSON.stringify(options.budget)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new NasInputError('seed', `expected an integer, got ${JSON.stringify(seed)}`);
  const populationSize = options.populationSize ?? (strategy === 'halving' ? DEFAULT_HALVING.populationSize : DEFAULT_POPULATION);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE;
  if (!Number.isInteger(populationSize) || populationSize < 2)
    throw new NasInputError('populationSize', `expected an integer ≥ 2, got ${populationSize}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1)
    throw new NasInputError('sampleSize', `expected a positive integer, got ${sampleSize}`);
  if (strategy === 'exhaustive') checkExhaustiveSize(options.space, options.exhaustiveLimit ?? DEFAULT_EXHAUSTIVE_LIMIT);
  const eta = options.eta ?? DEFAULT_HALVING.eta;
  const rungs = options.rungs ?? DEFAULT_HALVING.rungs;
  if (strategy === 'halving') checkHalving(populationSize, eta, rungs, options.budget);
  const common = {
    version: 2 as const,
    space: options.space,
    objectives,
    budget: options.budget,
    seed,
    rng: new Rng(seed).state,
    asked: 0,
    told: 0,
    pending: [],
    seen: [],
  };
  const population = Math.min(populationSize, options.budget);
  const initial: Record<StrategyName, () => StrategyState> = {
    random: () => ({ ...common, strategy: 'random' }),
    exhaustive: () => ({ ...common, strategy: 'exhaustive', next: 0 }),
    evolution: () => ({ ...common, strategy: 'evolution', populationSize: population, sampleSize, population: [] }),
    nsga2: () => ({
      ...common,
      strategy: 'nsga2',
      populationSize: population,
      parents: [],
      queue: [],
      offspring: [],
      generationSize: 0,
      generation: 0,
    }),
    greedy: () => ({ ...common, strategy: 'greedy', ...initialGreedyWalk(options.space), probe: [] }),
    halving: () => ({ ...common, strategy: 'halving', populationSize, eta, rungs, rung: 0, members: [], next: 0 }),
  };
  return fromState(initial[strategy]());
}

function checkHalving(populationSize: number, eta: number, rungs: number, budget: number): void {
  if (!Number.isInteger(eta) || eta < 2) throw new NasInputError('eta', `expected an integer ≥ 2, got ${eta}`);
  if (!Number.isInteger(rungs) || rungs < 2) throw new NasInputError('rungs', `expected an integer ≥ 2, got ${rungs}`);
  const total = halvingEvaluations(populationSize, eta, rungs);
  if (budget < total)
    throw new NasInputError(
      'budget',
      `successive halving of ${populationSize} networks over ${rungs} rungs (eta ${eta}) evaluates ${total}; the budget of ${budget} would stop it before its last rung`,
    );
}

function checkExhaustiveSize(space: SearchSpace, limit: number): void {
  const size = spaceSize(space);
  if (size <= limit) return;
  throw new NasInputError(
    'space',
    `exhaustive search refuses the ${space.kind} space of ${space.network}: ${space.operators.length}^${space.groups.length}` +
      `${space.arrays.length > 1 ? ` × ${space.arrays.length} arrays` : ''} = ${size.toLocaleString('en-US')} candidates, above the limit of ${limit.toLocaleString('en-US')}; ` +
      'use the stages space, fewer operators, or another strategy',
  );
}

/** Rebuilds a strategy from `state()` output (or its JSON round trip); reads version-1 states too. */
export function fromState(state: StrategyState | StrategyStateV1): Strategy {
  const current = upgradeState(state);
  switch (current.strategy) {
    case 'random':
      return new RandomStrategy(current);
    case 'evolution':
      return new EvolutionStrategy(current);
    case 'nsga2':
      return new Nsga2Strategy(current);
    case 'exhaustive':
      return new ExhaustiveStrategy(current);
    case 'greedy':
      return new GreedyStrategy(current);
    case 'halving':
      return new HalvingStrategy(current);
  }
}
