/**
 * The `scalesim` timing model: SCALE-Sim v2's per-layer report (COMPUTE_REPORT.csv and the access
 * counts of DETAILED_ACCESS_REPORT.csv) computed in closed form per fold instead of cycle by cycle.
 * The split follows SCALE-Sim's: `compute.ts` (operand matrices, folds, SRAM demand) and `memory.ts`
 * (double-buffered scratchpads: stalls, cycles, DRAM traffic).
 */
import { DATAFLOW_CHOICES_TEXT, isDataflow, validateArray } from '../array.js';
import { InputError } from '../errors.js';
import type { Layer, Topology } from '../topology.js';
import { validateLayer } from '../validate.js';
import { computeReport, foldPlan, type ScaleSimLayerDims } from './compute.js';
import type { ScaleSimArrayConfig } from './config.js';
import { memoryReport } from './memory.js';

export { parseScaleSimConfig, type ScaleSimConfig, type ScaleSimArrayConfig, type InterfaceBandwidthMode } from './config.js';
export { parseScaleSimTopologyCsv, type ParseTopologyOptions, type ScaleSimTopologyFormat } from './topology-csv.js';
// The two halves of the model, under names that can sit at the package's top level.
export {
  computeReport as scaleSimComputeReport,
  foldPlan as scaleSimFoldPlan,
  scaleSimOfmapSize,
  type ComputeReport as ScaleSimComputeReport,
  type FoldPlan as ScaleSimFoldPlan,
  type ScaleSimLayerDims,
} from './compute.js';
export {
  memoryReport as scaleSimMemoryReport,
  readBufferCapacity as scaleSimReadBufferCapacity,
  type MemoryParams as ScaleSimMemoryParams,
  type MemoryReport as ScaleSimMemoryReport,
} from './memory.js';

/** One row of SCALE-Sim's reports. Utilisations and mapping efficiency in percent, accesses in words. */
export interface ScaleSimLayerResult {
  name: string;
  totalCycles: number;
  stallCycles: number;
  overallUtil: number;
  mappingEfficiency: number;
  computeUtil: number;
  sramIfmapReads: number;
  sramFilterReads: number;
  sramOfmapWrites: number;
  dramIfmapReads: number;
  dramFilterReads: number;
  dramOfmapWrites: number;
}

export interface ScaleSimTopologyResult {
  layers: ScaleSimLayerResult[];
}

export interface ScaleSimRunOptions {
  /** Checked between layers. */
  signal?: AbortSignal;
  /** Called after every layer with (layers done, layers in total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The SCALE-Sim view of a layer and how many identical copies of it SCALE-Sim would run.
 * Padding is folded into the ifmap (SCALE-Sim's CSVs carry padded sizes). A GEMM (m×k)·(k×n) is
 * SCALE-Sim's GEMM import: an m×k ifmap, n filters of 1×k, one channel. SCALE-Sim has no depthwise
 * convolution; like its `DP` rows, a depthwise (or 1-D depthwise) layer runs as one single-channel
 * layer per channel (with filters/channels filters each), and the copies' counts are summed.
 */
export function scaleSimDims(layer: Layer, where = layer.name): { dims: ScaleSimLayerDims; copies: number } {
  if (layer.kind === 'gemm') {
    return {
      dims: { ifmapH: layer.m, ifmapW: layer.k, filterH: 1, filterW: layer.k, channels: 1, filters: layer.n, strideH: 1, strideW: 1 },
      copies: 1,
    };
  }
  if ((layer.batch ?? 1) !== 1) {
    throw new InputError(`${where}.batch`, `SCALE-Sim v2 simulates batch 1 only, got ${layer.batch}`);
  }
  const depthwise = layer.kind === 'depthwise' || layer.kind === 'depthwise1d';
  if (depthwise && layer.filters % layer.channels !== 0) {
    throw new InputError(
      `${where}.filters`,
      `a depthwise layer needs a multiple of its ${layer.channels} channels as filters, got ${layer.filters}`,
    );
  }
  const dims: ScaleSimLayerDims = {
    ifmapH: layer.ifmapH + 2 * layer.padH,
    ifmapW: layer.ifmapW + 2 * layer.padW,
    filterH: layer.kernelH,
    filterW: layer.kernelW,
    channels: depthwise ? 1 : layer.channels,
    filters: depthwise ? layer.filters / layer.channels : layer.filters,
    strideH: layer.strideH,
    strideW: layer.strideW,
  };
  return { dims, copies: depthwise ? layer.channels : 1 };
}

/** SRAM size in words, as SCALE-Sim computes it: floor(KB · 1024 / word bytes). */
function words(kb: number, wordBytes: number): number {
  return Math.floor((kb * 1024) / wordBytes);
}

function checkArray(array: ScaleSimArrayConfig): void {
  validateArray(array);
  for (const field of ['ifmapSramKB', 'filterSramKB', 'ofmapSramKB', 'wordBytes'] as const) {
    const value = array[field];
    if (!Number.isFinite(value) || value <= 0) throw new InputError(`array.${field}`, `must be a positive number, got ${value}`);
  }
  if (!isDataflow(array.dataflow)) {
    throw new InputError('array.dataflow', `expected ${DATAFLOW_CHOICES_TEXT}, got "${String(array.dataflow)}"`);
  }
  const mode = array.interfaceBandwidth ?? 'CALC';
  if (mode !== 'CALC' && mode !== 'USER') {
    throw new InputError('array.interfaceBandwidth', `expected CALC or USER, got "${String(mode)}"`);
  }
  if (mode === 'USER' && (!Number.isInteger(array.bandwidth) || array.bandwidth <= 0)) {
    throw new InputError(
      'array.bandwidth',
      `USER interface bandwidth needs a positive integer bandwidth (words per cycle), got ${array.bandwidth}`,
    );
  }
}

function simulateChecked(layer: Layer, array: ScaleSimArrayConfig): ScaleSimLayerResult {
  const { dims, copies } = scaleSimDims(layer);
  const plan = foldPlan(dims, array);
  const compute = computeReport(plan);
  const memory = memoryReport(dims, plan, {
    mode: array.interfaceBandwidth ?? 'CALC',
    ifmapWords: words(array.ifmapSramKB, array.wordBytes),
    filterWords: words(array.filterSramKB, array.wordBytes),
    ofmapWords: words(array.ofmapSramKB, array.wordBytes),
    userBandwidth: array.bandwidth,
  });
  const overallUtil = (compute.numCompute * 100) / (memory.totalCycles * array.rows * array.cols);
  return {
    name: layer.name,
    totalCycles: memory.totalCycles * copies,
    stallCycles: memory.stallCycles * copies,
    overallUtil,
    mappingEfficiency: compute.mappingEfficiency,
    computeUtil: compute.computeUtil,
    sramIfmapReads: compute.sramIfmapReads * copies,
    sramFilterReads: compute.sramFilterReads * copies,
    sramOfmapWrites: compute.sramOfmapWrites * copies,
    dramIfmapReads: memory.dramIfmapReads * copies,
    dramFilterReads: memory.dramFilterReads * copies,
    dramOfmapWrites: memory.dramOfmapWrites * copies,
  };
}

/**
 * SCALE-Sim v2's report for one layer on `array` (rows, cols, dataflow, SRAM sizes, and
 * `interfaceBandwidth`: CALC by default, USER to limit DRAM to `bandwidth` words per cycle).
 * The array's `hardware` is ignored: SCALE-Sim models a plain systolic array.
 */
export function simulateScaleSimLayer(layer: Layer, array: ScaleSimArrayConfig): ScaleSimLayerResult {
  checkArray(array);
  validateLayer(layer, layer.name);
  return simulateChecked(layer, array);
}

/** SCALE-Sim v2's report for every layer of a topology, in order. */
export function simulateScaleSimTopology(
  topology: Topology,
  array: ScaleSimArrayConfig,
  options: ScaleSimRunOptions = {},
): ScaleSimTopologyResult {
  checkArray(array);
  if (topology.length === 0) throw new InputError('layers', 'a topology needs at least one layer');
  topology.forEach((layer, index) => validateLayer(layer, `layers[${index}] (${layer.name})`));
  const layers: ScaleSimLayerResult[] = [];
  for (const layer of topology) {
    options.signal?.throwIfAborted();
    layers.push(simulateChecked(layer, array));
    options.onProgress?.(layers.length, topology.length);
  }
  return { layers };
}
