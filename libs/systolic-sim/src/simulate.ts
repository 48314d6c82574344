/**
 * Entry point: time a topology on an array under one of the timing models.
 */
import type { ArrayConfig, Dataflow, Hardware } from './array.js';
import { validateArray } from './array.js';
import { InputError } from './errors.js';
import { referenceLayerCycles } from './models/reference.js';
import { stosLayerTiming, type StosBreakdown } from './models/stos.js';
import { simulateScaleSimLayer, type ScaleSimLayerResult } from './scalesim/index.js';
import { layerMacs, operatorClass, type Layer, type LayerKind, type OperatorClass, type Topology } from './topology.js';
import { validateTopology } from './validate.js';

export const TIMING_MODELS = ['reference', 'scalesim', 'stos'] as const;
export type TimingModel = (typeof TIMING_MODELS)[number];

export interface LayerResult {
  name: string;
  kind: LayerKind;
  operatorClass: OperatorClass;
  cycles: number;
  macs: number;
  /** MACs / (PEs × cycles), a fraction in [0, 1]. */
  utilization: number;
  /** The `stos` model's split of the cycles. */
  breakdown?: StosBreakdown;
  /** The `scalesim` model's full report row (stalls, utilisations in %, SRAM/DRAM accesses in words). */
  scalesim?: Omit<ScaleSimLayerResult, 'name' | 'totalCycles'>;
}

export interface NetworkResult {
  model: TimingModel;
  rows: number;
  cols: number;
  dataflow: Dataflow;
  hardware: Hardware;
  totalCycles: number;
  totalMacs: number;
  /** Cycles per operator class, for the slides' operator-wise latency split. */
  cyclesByClass: Record<OperatorClass, number>;
  layers: LayerResult[];
}

export interface SimulateOptions {
  model: TimingModel;
}

/** Cycles of one layer under a model; exposed for callers that time single layers in a loop. */
export type LayerTimer = (layer: Layer, array: ArrayConfig) => Pick<LayerResult, 'cycles' | 'breakdown' | 'scalesim'>;

const timers: Record<TimingModel, LayerTimer> = {
  reference: (layer, array) => ({ cycles: referenceLayerCycles(layer, array) }),
  stos: (layer, array) => {
    const { load, compute, psum, flush, cycles } = stosLayerTiming(layer, array);
    return { cycles, breakdown: { load, compute, psum, flush } };
  },
  // SCALE-Sim models a plain array: the ST-OS extension (`hardware: 'fuse'`) does not change it.
  scalesim: (layer, array) => {
    const { name: _name, totalCycles: cycles, ...report } = simulateScaleSimLayer(layer, array);
    return { cycles, scalesim: report };
  },
};

export function layerTimer(model: TimingModel): LayerTimer {
  const timer = (TIMING_MODELS as readonly string[]).includes(model) ? timers[model] : undefined;
  if (!timer) throw new InputError('model', `unknown timing model "${model}", expected one of ${TIMING_MODELS.join(', ')}`);
  return timer;
}

/** Times every layer of a topology and sums them. Validates the topology and the array first. */
export function simulateNetwork(topology: Topology, array: ArrayConfig, options: SimulateOptions): NetworkResult {
  validateArray(array);
  validateTopology(topology);
  const timer = layerTimer(options.model);
  const pes = array.rows * array.cols;
  const cyclesByClass: Record<OperatorClass, number> = { pointwise: 0, depthwise: 0, 'fuse-1d': 0, other: 0 };
  let totalCycles = 0;
  let totalMacs = 0;
  const layers = topology.map((layer): LayerResult => {
    const { cycles, breakdown, scalesim } = timer(layer, array);
    const macs = layerMacs(layer);
    const opClass = operatorClass(layer);
    totalCycles += cycles;
    totalMacs += macs;
    cyclesByClass[opClass] += cycles;
    const result: LayerResult = {
      name: layer.name,
      kind: layer.kind,
      operatorClass: opClass,
      cycles,
      macs,
      utilization: cycles > 0 ? macs / (pes * cycles) : 0,
    };
    if (breakdown) result.breakdown = breakdown;
    if (scalesim) result.scalesim = scalesim;
    return result;
  });
  return {
    model: options.model,
    rows: array.rows,
    cols: array.cols,
    dataflow: array.dataflow,
    hardware: array.hardware,
    totalCycles,
    totalMacs,
    cyclesByClass,
    layers,
  };
}

/** Total cycles only, without per-layer records: the fast path for sweeps. */
export function totalCycles(topology: Topology, array: ArrayConfig, model: TimingModel): number {
  const timer = layerTimer(model);
  let total = 0;
  for (const layer of topology) total += timer(layer, array).cycles;
  return total;
}
