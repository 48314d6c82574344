/**
 * Objectives of a candidate, all minimised. Pure functions of plain data, so an orchestrator can
 * run them as activities: `evaluateCandidate(request)` takes a serialisable request and returns a
 * serialisable record of values.
 */
import { buildNetwork, isNetworkName, modelStats, NETWORKS, toTopology, type NetworkName, type NetworkSpec } from '@fuselab/fuseconv';
import { makeArray, TIMING_MODELS, totalCycles, type Dataflow, type TimingModel } from '@fuselab/systolic-sim';
import { NasInputError } from './errors.js';
import type { ArrayChoice, Candidate } from './space.js';

/**
 * - `latency`: cycles of the network on the candidate's array (systolic-sim, `reference` model by default);
 * - `params`, `macs`: as `@fuselab/fuseconv` counts them (PyTorch's count; conv + linear MACs);
 * - `area`: processing elements, rows × cols, × (1 + 4.35 %) with the ST-OS extension (the slides' overhead at 32×32);
 * - `synflow`: the NEGATED synflow score (higher synflow is better, so its negative is minimised);
 * - `accuracy`: the NEGATED accuracy from a caller-provided evaluator.
 */
export const OBJECTIVES = ['latency', 'params', 'macs', 'area', 'synflow', 'accuracy'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];
/** Minimised objective values by name. */
export type ObjectiveValues = Partial<Record<ObjectiveName, number>>;

/** Objectives reported negated (their natural sense is "higher is better"). */
export const NEGATED_OBJECTIVES: readonly ObjectiveName[] = ['synflow', 'accuracy'];

/** Area overhead of the ST-OS extension (DATE 2021 slides: 4.35 % on a 32×32 array). */
export const STOS_AREA_OVERHEAD = 0.0435;

/** How candidates are measured: plain data shared by every evaluation of one search. */
export interface EvaluationSettings {
  network: NetworkName;
  /** Array of candidates that carry none (the space's single array). */
  array: ArrayChoice;
  /** Timing model for `latency` (default `reference`). */
  model?: TimingModel;
  dataflow?: Dataflow;
  /** Shape for latency, params and MACs (defaults 224, 1000 classes, width 1). */
  inputSize?: number;
  numClasses?: number;
  width?: number;
  /** Shape and seed of the tfjs model for `synflow` (defaults: input 32, 10 classes, width 0.25, seed 1; tfjs treats an initialiser seed of 0 as unseeded, so seed 0 is not reproducible). */
  synflow?: { inputSize?: number; numClasses?: number; width?: number; seed?: number };
}

export interface EvaluationRequest extends EvaluationSettings {
  candidate: Candidate;
  objectives: readonly ObjectiveName[];
}

/** Accuracy of a candidate (higher is better), e.g. from a short training run. */
export type AccuracyEvaluator = (candidate: Candidate, spec: NetworkSpec) => number | Promise<number>;

export function validateObjectives(objectives: readonly string[], field = 'objectives'): ObjectiveName[] {
  if (objectives.length === 0) throw new NasInputError(field, `expected at least one objective (${OBJECTIVES.join(', ')})`);
  const seen = new Set<string>();
  objectives.forEach((o, i) => {
    if (!(OBJECTIVES as readonly string[]).includes(o)) {
      throw new NasInputError(`${field}[${i}]`, `unknown objective ${JSON.stringify(o)}, expected one of ${OBJECTIVES.join(', ')}`);
    }
    if (seen.has(o)) throw new NasInputError(`${field}[${i}]`, `duplicate objective ${JSON.stringify(o)}`);
    seen.add(o);
  });
  return objectives as ObjectiveName[];
}

export function validateSettings(settings: EvaluationSettings): void {
  if (!isNetworkName(settings.network)) {
    throw new NasInputError('network', `unknown network ${JSON.stringify(settings.network)}, expected one of ${NETWORKS.join(', ')}`);
  }
  if (settings.model !== undefined && !(TIMING_MODELS as readonly string[]).includes(settings.model)) {
    throw new NasInputError('model', `unknown timing model ${JSON.stringify(settings.model)}, expected one of ${TIMING_MODELS.join(', ')}`);
  }
}

/** The network spec of a candidate at the settings' shape. */
export function candidateSpec(settings: EvaluationSettings, candidate: Candidate): NetworkSpec {
  return buildNetwork({
    network: settings.network,
    operators: candidate.operators,
    ...(settings.width !== undefined ? { width: settings.width } : {}),
    ...(settings.inputSize !== undefined ? { inputSize: settings.inputSize } : {}),
    ...(settings.numClasses !== undefined ? { numClasses: settings.numClasses } : {}),
  });
}

/** Cycles of a candidate on its array (dw blocks run as depthwise GEMMs even on the FuSe array). */
export function latencyOf(settings: EvaluationSettings, candidate: Candidate, spec = candidateSpec(settings, candidate)): number {
  const a = candidate.array ?? settings.array;
  const array = makeArray(a.rows, a.cols, { hardware: a.hardware, ...(settings.dataflow ? { dataflow: settings.dataflow } : {}) });
  return totalCycles(toTopology(spec), array, settings.model ?? 'reference');
}

/** Area proxy of an array: its PEs, plus the ST-OS overhead when the extension is on. */
export function areaOf(array: ArrayChoice): number {
  return array.rows * array.cols * (array.hardware === 'fuse' ? 1 + STOS_AREA_OVERHEAD : 1);
}

/** The objectives that need no tfjs and no caller: latency, params, macs, area. Synchronous. */
export function evaluateStatic(request: EvaluationRequest): ObjectiveValues {
  validateSettings(request);
  const spec = candidateSpec(request, request.candidate);
  const values: ObjectiveValues = {};
  let stats: ReturnType<typeof modelStats> | undefined;
  for (const o of request.objectives) {
    switch (o) {
      case 'latency':
        values.latency = latencyOf(request, request.candidate, spec);
        break;
      case 'params':
        values.params = (stats ??= modelStats(spec)).params;
        break;
      case 'macs':
        values.macs = (stats ??= modelStats(spec)).macs;
        break;
      case 'area':
        values.area = areaOf(request.candidate.array ?? request.array);
        break;
      case 'synflow':
      case 'accuracy':
        throw new NasInputError('objectives', `${o} is not a static objective; use evaluateCandidate`);
    }
  }
  return values;
}

/**
 * All requested objectives of one candidate, in the order requested. `synflow` loads tfjs (cpu
 * backend) on first use; `accuracy` calls `options.accuracy` and throws if none is given.
 */
export async function evaluateCandidate(
  request: EvaluationRequest,
  options: { accuracy?: AccuracyEvaluator } = {},
): Promise<ObjectiveValues> {
  validateObjectives(request.objectives);
  const statics = request.objectives.filter((o) => o !== 'synflow' && o !== 'accuracy');
  const values = evaluateStatic({ ...request, objectives: statics });
  if (request.objectives.includes('synflow')) {
    const { synflowOfCandidate } = await import('./synflow.js');
    values.synflow = -(await synflowOfCandidate(request, request.candidate));
  }
  if (request.objectives.includes('accuracy')) {
    if (!options.accuracy) throw new NasInputError('objectives', 'accuracy needs an accuracy evaluator (evaluate option)');
    const accuracy = await options.accuracy(request.candidate, candidateSpec(request, request.candidate));
    if (!Number.isFinite(accuracy)) throw new Error(`accuracy evaluator returned ${accuracy}`);
    values.accuracy = -accuracy;
  }
  const ordered: ObjectiveValues = {};
  for (const o of request.objectives) ordered[o] = values[o]!;
  return ordered;
}

/** Objective values as a vector in the given order (for dominance). */
export function objectiveVector(values: ObjectiveValues, objectives: readonly ObjectiveName[]): number[] {
  return objectives.map((o) => {
    const v = values[o];
    if (v === undefined || Number.isNaN(v)) throw new NasInputError('objectives', `result has no value for ${o}`);
    return v;
  });
}
