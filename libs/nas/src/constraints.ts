/**
 * Latency constraints on searched networks: "the most accurate network at ≥ 4× speed-up on 64×64"
 * is a search with objectives [accuracy, latency] and `constraints: { speedup: 4 }`.
 *
 * How a search honours them (runSearch, and the orchestrator's search workflow alike): every asked
 * candidate is checked first — the check is a sum of per-block cycle counts (cost-table.ts), so it
 * costs microseconds; a candidate that misses is not evaluated (no synflow, no training), not
 * recorded, and not on the front; its strategy is told `penalisedObjectives`, values worse than any
 * network that meets the constraints in every objective and ordered by how far it misses. That is
 * Deb's constrained domination (feasible before infeasible, infeasible by violation) written in the
 * objective values, so every strategy honours it without knowing about constraints. Infeasible
 * candidates still count against the budget (they were asked).
 */
import { NasInputError } from './errors.js';
import { buildCostTable } from './cost-table.js';
import { latencyOf, NEGATED_OBJECTIVES, type EvaluationSettings, type ObjectiveName, type ObjectiveValues } from './objectives.js';
import type { ArrayChoice, Candidate, SearchSpace } from './space.js';

export interface Constraints {
  /** Cycles at most (the latency objective's measure, on the candidate's array). */
  latency?: number;
  /** Speed-up at least against the all-`dw` network (the depthwise baseline) on the same array. */
  speedup?: number;
}

/** Checks constraint values (positive, finite); `undefined` and `{}` mean none. Throws NasInputError naming `constraints.<name>`. */
export function validateConstraints(constraints: unknown): Constraints {
  if (constraints === undefined) return {};
  if (constraints === null || typeof constraints !== 'object' || Array.isArray(constraints))
    throw new NasInputError('constraints', 'expected an object such as { speedup: 4 } or { latency: 1000000 }');
  const out: Constraints = {};
  for (const [name, value] of Object.entries(constraints as Record<string, unknown>)) {
    if (name !== 'latency' && name !== 'speedup')
      throw new NasInputError(`constraints.${name}`, 'unknown constraint, expected latency (cycles at most) or speedup (at least)');
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new NasInputError(`constraints.${name}`, `expected a positive number, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out;
}

export interface ConstraintCheck {
  /** 0 when the candidate meets every constraint, else its relative excess over the tightest latency bound. */
  violation(candidate: Candidate): number;
}

const arrayKey = (a: ArrayChoice) => `${a.rows}x${a.cols}/${a.hardware}`;

/**
 * The check for a search, or null when there are no constraints. Refuses (NasInputError, field
 * `constraints.latency` / `constraints.speedup`) constraints no network of the space meets on any
 * of its arrays, saying how fast the fastest is — exact when latency adds up per block (the cost
 * table), which holds for the built-in networks.
 */
export function constraintCheck(settings: EvaluationSettings, space: SearchSpace, constraints: Constraints): ConstraintCheck | null {
  const c = validateConstraints(constraints);
  if (c.latency === undefined && c.speedup === undefined) return null;
  const table = buildCostTable(settings, space, ['latency']);
  const latency = (candidate: Candidate) => (table ? table.evaluate(candidate).latency! : latencyOf(settings, candidate));
  const bounds = new Map<string, { bound: number; baseline: number }>();
  const boundOf = (array: ArrayChoice) => {
    const key = arrayKey(array);
    if (!bounds.has(key)) {
      const baseline = latencyOf(settings, { operators: new Array(space.blockCount).fill('dw'), array });
      bounds.set(key, { bound: Math.min(c.latency ?? Infinity, c.speedup ? baseline / c.speedup : Infinity), baseline });
    }
    return bounds.get(key)!;
  };
  const arrayOf = (candidate: Candidate) => candidate.array ?? settings.array;

  if (table) {
    // Latency adds up per block, so the fastest network takes each position's fastest operator.
    const fastest = space.arrays.map((array) => {
      const at = (operators: Candidate['operators']) => latency({ operators, ...(space.arrays.length > 1 ? { array } : {}) });
      const operators = new Array<Candidate['operators'][number]>(space.blockCount).fill(space.operators[0]!);
      for (const group of space.groups) {
        let best = { cycles: Infinity, operator: space.operators[0]! };
        for (const operator of space.operators) {
          const trial = [...operators];
          for (const b of group) trial[b] = operator;
          const cycles = at(trial);
          if (cycles < best.cycles) best = { cycles, operator };
        }
        for (const b of group) operators[b] = best.operator;
      }
      return { array, cycles: at(operators), ...boundOf(array) };
    });
    if (fastest.every((f) => f.cycles > f.bound)) {
      const f = fastest.reduce((a, b) => (b.cycles / b.bound < a.cycles / a.bound ? b : a));
      const field = c.speedup !== undefined && f.bound === f.baseline / c.speedup ? 'constraints.speedup' : 'constraints.latency';
      throw new NasInputError(
        field,
        `no network of the ${space.kind} space of ${space.network} meets it: the fastest takes ${f.cycles.toLocaleString('en')} cycles on ` +
          `${arrayKey(f.array)} (speed-up ${(f.baseline / f.cycles).toFixed(2)}× against the all-dw network), the bound is ` +
          `${Math.floor(f.bound).toLocaleString('en')}`,
      );
    }
  }
  return {
    violation(candidate) {
      const { bound } = boundOf(arrayOf(candidate));
      const cycles = latency(candidate);
      return cycles <= bound ? 0 : cycles / bound - 1;
    },
  };
}

/** What an infeasible candidate's strategy is told: far beyond any real value, growing with the violation. */
const PENALTY = 1e30;

/**
 * Objective values worse than any network that meets the constraints, in every objective, and
 * ordered by `violation` (> 0): the negated objectives (≤ 0 for every real network) get the
 * violation itself, the others 10³⁰ × (1 + violation).
 */
export function penalisedObjectives(objectives: readonly ObjectiveName[], violation: number): ObjectiveValues {
  const values: ObjectiveValues = {};
  for (const o of objectives) values[o] = NEGATED_OBJECTIVES.includes(o) ? violation : PENALTY * (1 + violation);
  return values;
}
