/**
 * The serialisable state of a strategy: one shape per strategy (a discriminated union on
 * `strategy`), plain JSON, small. Version 2; `upgradeState` reads version-1 states (one flat shape
 * shared by every strategy, with members as `{g, f}`), which workflows started before the split
 * may still carry through continue-as-new.
 */
import { NasInputError } from '../errors.js';
import type { ObjectiveName } from '../objectives.js';
import { genomeLength, type SearchSpace } from '../space.js';

export const STRATEGIES = ['greedy', 'random', 'evolution', 'nsga2', 'exhaustive', 'halving'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** A genome with its objective vector (in the strategy's objective order). */
export interface Member {
  genes: number[];
  values: number[];
}

/** Fields every strategy's state has. */
interface CommonState {
  version: 2;
  space: SearchSpace;
  objectives: ObjectiveName[];
  budget: number;
  seed: number;
  /** The PRNG's 32-bit state. */
  rng: number;
  asked: number;
  told: number;
  /** Keys asked and not yet told. */
  pending: string[];
  /** Keys asked so far, so no candidate is asked twice (exhaustive keeps none: it never repeats). */
  seen: string[];
}

export interface RandomState extends CommonState {
  strategy: 'random';
}

export interface ExhaustiveState extends CommonState {
  strategy: 'exhaustive';
  /** Next index of the mixed-radix enumeration. */
  next: number;
}

export interface EvolutionState extends CommonState {
  strategy: 'evolution';
  populationSize: number;
  sampleSize: number;
  /** The aging population, oldest first. */
  population: Member[];
}

export interface Nsga2State extends CommonState {
  strategy: 'nsga2';
  populationSize: number;
  parents: Member[];
  /** Genomes of the current generation not yet asked. */
  queue: number[][];
  /** The current generation's evaluated offspring. */
  offspring: Member[];
  /** Size of the current generation (0 between generations). */
  generationSize: number;
  generation: number;
}

/** Where greedy's walk is: the array, the phase, the walk's base genome and its ordered changes. */
export interface GreedyWalk {
  array: number;
  phase: 'probe' | 'path';
  base: number[];
  /** Chosen changes [position, value], best first. */
  order: Array<[number, number]>;
}

export interface GreedyState extends CommonState {
  strategy: 'greedy';
  greedy: GreedyWalk;
  /** Genomes of the current phase (probe or path) not yet asked. */
  queue: number[][];
  /** The probe's results. */
  probe: Member[];
}

/** Successive halving: the current rung's networks (in ask order), each with its values once told. */
export interface HalvingState extends CommonState {
  strategy: 'halving';
  /** Networks of the first rung. */
  populationSize: number;
  /** Each rung keeps 1/eta of the previous one's networks and gives them eta times the budget. */
  eta: number;
  rungs: number;
  /** Current rung, 0 … rungs − 1 (the last at full fidelity). */
  rung: number;
  members: Array<{ genes: number[]; values: number[] | null }>;
  /** Members of the current rung asked so far. */
  next: number;
}

export type StrategyState = RandomState | ExhaustiveState | EvolutionState | Nsga2State | GreedyState | HalvingState;

/** Version-1 state: one flat shape for every strategy (read, never written). */
export interface StrategyStateV1 {
  version: 1;
  /** Every strategy of version 1 (halving came with version 2). */
  strategy: Exclude<StrategyName, 'halving'>;
  space: SearchSpace;
  objectives: ObjectiveName[];
  budget: number;
  seed: number;
  rng: number;
  asked: number;
  told: number;
  pending: string[];
  seen: string[];
  populationSize: number;
  sampleSize: number;
  population: Array<{ g: number[]; f: number[] }>;
  queue: number[][];
  offspring: Array<{ g: number[]; f: number[] }>;
  generationSize: number;
  generation: number;
  next: number;
  greedy?: { array: number; phase: 'probe' | 'path'; base: number[]; order: Array<[number, number]>; step: number };
}

/** The probe of a greedy walk from `base`: the base itself, then every single-position change. */
export function greedyProbe(space: SearchSpace, base: readonly number[]): number[][] {
  const queue = [[...base]];
  for (let position = 0; position < space.groups.length; position++) {
    for (let value = 0; value < space.operators.length; value++) {
      if (value === base[position]) continue;
      const genes = [...base];
      genes[position] = value;
      queue.push(genes);
    }
  }
  return queue;
}

/** The first walk of greedy: from the all-first-operator network on the first array. */
export function initialGreedyWalk(space: SearchSpace): { greedy: GreedyWalk; queue: number[][] } {
  const base = new Array<number>(genomeLength(space)).fill(0);
  return { greedy: { array: 0, phase: 'probe', base, order: [] }, queue: greedyProbe(space, base) };
}

const fromV1Member = (m: { g: number[]; f: number[] }): Member => ({ genes: m.g, values: m.f });

/** A version-2 state from a version-1 or version-2 one (a copy; throws on anything else). */
export function upgradeState(state: StrategyState | StrategyStateV1): StrategyState {
  const known = (STRATEGIES as readonly string[]).includes(state?.strategy);
  if (state?.version === 1 && (state.strategy as string) === 'halving') throw new NasInputError('state', 'halving has no version-1 state');
  if (state?.version === 2 && known) return structuredClone(state);
  if (state?.version !== 1 || !known) throw new NasInputError('state', 'not a @fuselab/nas strategy state (version 1 or 2)');
  const old = structuredClone(state);
  const common = {
    version: 2 as const,
    space: old.space,
    objectives: old.objectives,
    budget: old.budget,
    seed: old.seed,
    rng: old.rng,
    asked: old.asked,
    told: old.told,
    pending: old.pending,
    seen: old.seen,
  };
  switch (old.strategy) {
    case 'random':
      return { ...common, strategy: 'random' };
    case 'exhaustive':
      return { ...common, strategy: 'exhaustive', next: old.next };
    case 'evolution':
      return {
        ...common,
        strategy: 'evolution',
        populationSize: old.populationSize,
        sampleSize: old.sampleSize,
        population: old.population.map(fromV1Member),
      };
    case 'nsga2':
      return {
        ...common,
        strategy: 'nsga2',
        populationSize: old.populationSize,
        parents: old.population.map(fromV1Member),
        queue: old.queue,
        offspring: old.offspring.map(fromV1Member),
        generationSize: old.generationSize,
        generation: old.generation,
      };
    case 'greedy': {
      // Version 1 set up the walk lazily on the first ask; before it, `greedy` is absent.
      if (!old.greedy) return { ...common, strategy: 'greedy', ...initialGreedyWalk(old.space), probe: [] };
      const { array, phase, base, order } = old.greedy;
      return {
        ...common,
        strategy: 'greedy',
        greedy: { array, phase, base, order },
        queue: old.queue,
        probe: old.offspring.map(fromV1Member),
      };
    }
  }
}
