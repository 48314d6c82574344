/**
 * Simulating a named network variant: build its spec, export the topology, time it on an array.
 * The composition the CLI, the table and (later) the campaign activities share.
 */
import {
  buildNetwork,
  DEFAULT_INPUT_SIZE,
  defaultStem,
  modelStats,
  toTopology,
  type NetworkName,
  type StemName,
  type VariantName,
} from '@fuselab/fuseconv';
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
  /** Default: fuseconv's `defaultStem(inputSize)` (imagenet at the default 224). */
  stem?: StemName;
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
    stem: request.stem ?? defaultStem(request.inputSize ?? DEFAULT_INPUT_SIZE),
  });
  const hardware = request.hardware ?? defaultHardware(request.variant);
  const array = makeArray(request.rows, request.cols, { hardware, ...(request.dataflow ? { dataflow: request.dataflow } : {}) });
  return { spec, array, hardware, topology: toTopology(spec) };
}

export function simulateVariant(
  request: VariantSimulation,
): NetworkResult & { network: NetworkName; variant: VariantName; stem: StemName } {
  const { array, topology, spec } = prepare(request);
  const result = simulateNetwork(topology, array, { model: request.model });
  return { network: request.network, variant: request.variant, stem: spec.stemKind, ...result };
}

export function variantTotalCycles(request: VariantSimulation): { hardware: Hardware; totalCycles: number } {
  const { array, topology, hardware } = prepare(request);
  return { hardware, totalCycles: totalCycles(topology, array, request.model) };
}

export function variantStats(
  network: NetworkName,
  variant: VariantName,
  options: { inputSize?: number; numClasses?: number; width?: number; stem?: StemName } = {},
) {
  const stem = options.stem ?? defaultStem(options.inputSize ?? DEFAULT_INPUT_SIZE);
  return { ...modelStats(buildNetwork({ network, variant, ...options, stem })), stem };
}
