/**
 * Simulating a named network variant: build its spec, export the topology, time it on an array.
 * The composition the CLI, the table and (later) the campaign activities share.
 */
import { buildNetwork, modelStats, toTopology, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import {
  makeArray,
  simulateNetwork,
  totalCycles,
  type Dataflow,
  type Hardware,
  type NetworkResult,
  type TimingModel,
} from '@fuselab/systolic-sim';

export interface VariantSimulation {
  network: NetworkName;
  variant: VariantName;
  rows: number;
  cols: number;
  model: TimingModel;
  /** Defaults to `plain` for the baseline and `fuse` for FuSe variants, as the paper compares them. */
  hardware?: Hardware;
  dataflow?: Dataflow;
  inputSize?: number;
  numClasses?: number;
}

export function defaultHardware(variant: VariantName): Hardware {
  return variant === 'baseline' ? 'plain' : 'fuse';
}

function prepare(request: VariantSimulation) {
  const spec = buildNetwork({
    network: request.network,
    variant: request.variant,
    ...(request.inputSize !== undefined ? { inputSize: request.inputSize } : {}),
    ...(request.numClasses !== undefined ? { numClasses: request.numClasses } : {}),
  });
  const hardware = request.hardware ?? defaultHardware(request.variant);
  const array = makeArray(request.rows, request.cols, { hardware, ...(request.dataflow ? { dataflow: request.dataflow } : {}) });
  return { spec, array, hardware, topology: toTopology(spec) };
}

export function simulateVariant(request: VariantSimulation): NetworkResult & { network: NetworkName; variant: VariantName } {
  const { array, topology } = prepare(request);
  const result = simulateNetwork(topology, array, { model: request.model });
  return { network: request.network, variant: request.variant, ...result };
}

export function variantTotalCycles(request: VariantSimulation): { hardware: Hardware; totalCycles: number } {
  const { array, topology, hardware } = prepare(request);
  return { hardware, totalCycles: totalCycles(topology, array, request.model) };
}

export function variantStats(network: NetworkName, variant: VariantName, options: { inputSize?: number; numClasses?: number; width?: number } = {}) {
  return modelStats(buildNetwork({ network, variant, ...options }));
}
