/**
 * `runSearch`: the whole ask/tell loop in-process — the convenience for scripts, tests and the CLI.
 * An orchestrator runs the same loop itself (ask in a workflow, evaluate as activities, tell).
 */
import type { TimingModel } from '@fuselab/systolic-sim';
import { NasInputError } from './errors.js';
import {
  evaluateCandidate,
  objectiveVector,
  validateObjectives,
  type AccuracyEvaluator,
  type EvaluationSettings,
  type ObjectiveName,
  type ObjectiveValues,
} from './objectives.js';
import { constraintCheck, penalisedObjectives, type Constraints } from './constraints.js';
import { buildCostTable } from './cost-table.js';
import { hypervolume, ParetoArchive } from './pareto.js';
import { candidateKey, makeSpace, spaceSize, type Candidate, type SpaceOptions, type SearchSpace } from './space.js';
import { createStrategy, DEFAULT_HALVING, halvingEvaluations, type StrategyName, type StrategyOptions } from './strategies.js';

export interface SearchOptions extends SpaceOptions {
  strategy: StrategyName | string;
  objectives: readonly (ObjectiveName | string)[];
  /** Evaluations at most (default 100; exhaustive: the whole space). */
  budget?: number;
  seed?: number;
  /** Timing model for latency (default `reference`). */
  model?: TimingModel;
  inputSize?: number;
  numClasses?: number;
  width?: number;
  synflow?: EvaluationSettings['synflow'];
  /** Accuracy of a candidate (needed for the `accuracy` objective). */
  evaluate?: AccuracyEvaluator;
  /** Latency bounds (constraints.ts): candidates that miss them are not evaluated and not on the front. */
  constraints?: Constraints;
  /** Candidates asked (and evaluated concurrently) per round (default: what the strategy gives, ≤ 64). */
  batchSize?: number;
  populationSize?: number;
  sampleSize?: number;
  exhaustiveLimit?: number;
  /** halving: reduction factor between rungs (default 3). */
  eta?: number;
  /** halving: number of rungs (default 3). */
  rungs?: number;
}

/** The budget when none is given: the whole space (exhaustive), every rung (halving), else 100. */
export function defaultBudget(options: Pick<SearchOptions, 'strategy' | 'populationSize' | 'eta' | 'rungs'>, space: SearchSpace): number {
  if (options.strategy === 'exhaustive') return Math.min(spaceSize(space), Number.MAX_SAFE_INTEGER);
  if (options.strategy === 'halving')
    return halvingEvaluations(
      options.populationSize ?? DEFAULT_HALVING.populationSize,
      options.eta ?? DEFAULT_HALVING.eta,
      options.rungs ?? DEFAULT_HALVING.rungs,
    );
  return 100;
}

export interface SearchProgress {
  evaluations: number;
  budget: number;
  /** Size of the current Pareto front. */
  front: number;
  /** The latest evaluated candidate. */
  last: { key: string; objectives: ObjectiveValues };
}

export interface EvaluatedCandidate {
  key: string;
  operators: Candidate['operators'];
  array?: Candidate['array'];
  /** Below a full evaluation (halving's early rungs); such candidates are never on the front. */
  fidelity?: number;
  objectives: ObjectiveValues;
}

export interface SearchResult {
  strategy: StrategyName;
  evaluations: number;
  /** Non-dominated evaluated candidates, in evaluation order. */
  front: EvaluatedCandidate[];
  /** Every evaluated candidate, in evaluation order (those that missed the constraints are not evaluated). */
  all: EvaluatedCandidate[];
  /** Asked candidates that missed the constraints (told penalised values, not evaluated). */
  infeasible: number;
  objectives: ObjectiveName[];
  space: SearchSpace;
}

/** How long the loop may run without giving timers and abort signals a turn. */
const YIELD_EVERY_MS = 50;

/** Runs a whole search in this process. Rejects with the signal's reason when aborted. */
export async function runSearch(
  options: SearchOptions,
  hooks: { onProgress?: (progress: SearchProgress) => void; signal?: AbortSignal } = {},
): Promise<SearchResult> {
  const space = makeSpace(options);
  const objectives = validateObjectives(options.objectives);
  const budget = options.budget ?? defaultBudget(options, space);
  const strategyOptions: StrategyOptions = {
    strategy: options.strategy,
    space,
    objectives,
    budget,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.populationSize !== undefined ? { populationSize: options.populationSize } : {}),
    ...(options.sampleSize !== undefined ? { sampleSize: options.sampleSize } : {}),
    ...(options.exhaustiveLimit !== undefined ? { exhaustiveLimit: options.exhaustiveLimit } : {}),
    ...(options.eta !== undefined ? { eta: options.eta } : {}),
    ...(options.rungs !== undefined ? { rungs: options.rungs } : {}),
  };
  const strategy = createStrategy(strategyOptions);
  const settings: EvaluationSettings = {
    network: space.network,
    array: space.arrays[0]!,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.inputSize !== undefined ? { inputSize: options.inputSize } : {}),
    ...(options.numClasses !== undefined ? { numClasses: options.numClasses } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.synflow !== undefined ? { synflow: options.synflow } : {}),
  };
  if (objectives.includes('accuracy') && !options.evaluate) {
    throw new NasInputError('evaluate', 'the accuracy objective needs an accuracy evaluator');
  }
  const check = constraintCheck(settings, space, options.constraints ?? {});
  const batch = options.batchSize ?? 64;
  // Static objectives come from per-block tables (microseconds, exact); others in full.
  const table = buildCostTable(settings, space, objectives);
  const evaluate = (candidate: Candidate) =>
    evaluateCandidate({ ...settings, candidate, objectives }, options.evaluate ? { accuracy: options.evaluate } : {});
  let lastYield = performance.now();
  const all: EvaluatedCandidate[] = [];
  let infeasible = 0;
  // Strategies never ask a candidate twice, so every key is new and the archive is the front.
  const front = new ParetoArchive<EvaluatedCandidate>();
  while (!strategy.done) {
    hooks.signal?.throwIfAborted();
    const asked = strategy.ask(batch);
    if (asked.length === 0) throw new Error(`${strategy.name}: asked for candidates but got none before it was done`);
    const violations = asked.map((candidate) => check?.violation(candidate) ?? 0);
    const feasible = asked.filter((_, i) => violations[i] === 0);
    infeasible += asked.length - feasible.length;
    const values = table ? feasible.map((candidate) => table.evaluate(candidate)) : await Promise.all(feasible.map(evaluate));
    hooks.signal?.throwIfAborted();
    let next = 0;
    strategy.tell(
      asked.map((candidate, i) => ({
        candidate,
        objectives: violations[i] === 0 ? values[next++]! : penalisedObjectives(objectives, violations[i]!),
      })),
    );
    feasible.forEach((candidate, i) => {
      const entry: EvaluatedCandidate = { key: candidateKey(candidate), operators: candidate.operators, objectives: values[i]! };
      if (candidate.array) entry.array = candidate.array;
      if (candidate.fidelity !== undefined) entry.fidelity = candidate.fidelity;
      all.push(entry);
      // Low-fidelity results (halving's early rungs) rank networks; they are not results to keep.
      if (candidate.fidelity === undefined) front.add(objectiveVector(values[i]!, objectives), entry);
      hooks.onProgress?.({ evaluations: all.length, budget, front: front.size, last: { key: entry.key, objectives: entry.objectives } });
    });
    // Table evaluation is synchronous: let timers and abort signals run now and then.
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
  }
  return { strategy: strategy.name, evaluations: all.length, front: front.items(), all, infeasible, objectives, space };
}

/** The non-dominated entries of a list of evaluated candidates (exact duplicates of a key kept once). */
export function paretoFront<T extends { key: string; objectives: ObjectiveValues }>(
  entries: readonly T[],
  objectives: readonly ObjectiveName[],
): T[] {
  const unique = [...new Map(entries.map((e) => [e.key, e])).values()];
  const front = new ParetoArchive<T>();
  for (const e of unique) front.add(objectiveVector(e.objectives, objectives), e);
  return front.items();
}

/** Hypervolume of a front's objective values against a reference point (by objective name). */
export function frontHypervolume(
  front: readonly { objectives: ObjectiveValues }[],
  objectives: readonly ObjectiveName[],
  ref: ObjectiveValues,
): number {
  return hypervolume(
    front.map((e) => objectiveVector(e.objectives, objectives)),
    objectiveVector(ref, objectives),
  );
}

/** The contract's JSON shape: `{"strategy","evaluations","front":[{"operators","objectives"}]}` (+ `array` when searched). */
export function searchSummary(result: SearchResult): {
  strategy: StrategyName;
  evaluations: number;
  front: Array<{ operators: Candidate['operators']; objectives: ObjectiveValues; array?: Candidate['array'] }>;
} {
  return {
    strategy: result.strategy,
    evaluations: result.evaluations,
    front: result.front.map((e) => ({ operators: e.operators, objectives: e.objectives, ...(e.array ? { array: e.array } : {}) })),
  };
}
