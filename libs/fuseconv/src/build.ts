/**
 * Building network specs from options.
 */
import { makeBlock } from './blocks.js';
import { InvalidSpecError } from './errors.js';
import { listModules } from './module-list.js';
import { NETWORK_DEFINITIONS, NETWORKS, type NetworkDefinition } from './networks/index.js';
import { applyStem, isStemName, STEMS, type StemName } from './stems.js';
import type { BlockOperator, NetworkName, NetworkSpec, VariantName } from './types.js';
import { VARIANTS, isVariantName, validateOperators, variantOperators } from './variants.js';

/** Options of {@link buildNetwork}. Give a `variant` or an explicit `operators` list (not both). */
export interface BuildOptions {
  network: NetworkName;
  /** Named variant (default `baseline` when no `operators` are given). */
  variant?: VariantName;
  /** One operator per searchable block (see {@link searchableBlocks}), for NAS. */
  operators?: readonly BlockOperator[];
  /** Width multiplier (default 1.0), with each network's own channel rounding rule. */
  width?: number;
  /** Input height and width in pixels (default 224). */
  inputSize?: number;
  /** Classifier outputs (default 1000). */
  numClasses?: number;
  /**
   * `imagenet` (default: the reference networks as published) or `cifar` (the first two
   * downsamplings removed, for small inputs). `defaultStem(inputSize)` is fuselab's choice by size.
   */
  stem?: StemName;
}

/** Options that fix a network's shape but not its operators. */
export type ShapeOptions = Omit<BuildOptions, 'variant' | 'operators'>;

export const DEFAULT_WIDTH = 1.0;
export const DEFAULT_INPUT_SIZE = 224;
export const DEFAULT_NUM_CLASSES = 1000;

export function isNetworkName(value: unknown): value is NetworkName {
  return typeof value === 'string' && (NETWORKS as readonly string[]).includes(value);
}

/** The definition of a network, or an {@link InvalidSpecError} naming the `network` field. */
export function networkDefinition(network: unknown): NetworkDefinition {
  if (!isNetworkName(network)) {
    throw new InvalidSpecError('network', `expected one of ${NETWORKS.join(', ')}, got ${JSON.stringify(network)}`);
  }
  return NETWORK_DEFINITIONS[network];
}

function positiveNumber(field: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    const what = integer ? 'a positive integer' : 'a positive finite number';
    throw new InvalidSpecError(field, `expected ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Builds the spec of a network for a variant or operator list. Validates every option. */
export function buildNetwork(options: BuildOptions): NetworkSpec {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidSpecError('options', 'expected an options object');
  }
  const definition = networkDefinition(options.network);
  const width = positiveNumber('width', options.width, DEFAULT_WIDTH, false);
  const inputSize = positiveNumber('inputSize', options.inputSize, DEFAULT_INPUT_SIZE, true);
  const numClasses = positiveNumber('numClasses', options.numClasses, DEFAULT_NUM_CLASSES, true);
  const stem = options.stem ?? 'imagenet';
  if (!isStemName(stem)) throw new InvalidSpecError('stem', `expected one of ${STEMS.join(', ')}, got ${JSON.stringify(stem)}`);

  let variant: VariantName | 'custom';
  let operators: BlockOperator[];
  if (options.operators !== undefined) {
    if (options.variant !== undefined) {
      throw new InvalidSpecError('variant', 'give either a variant or an operator list, not both');
    }
    operators = validateOperators(definition, options.operators);
    variant = 'custom';
  } else {
    const requested = options.variant ?? 'baseline';
    if (!isVariantName(requested)) {
      throw new InvalidSpecError('variant', `expected one of ${VARIANTS.join(', ')}, got ${JSON.stringify(requested)}`);
    }
    variant = requested;
    operators = variantOperators(definition, requested);
  }

  const layout = applyStem(definition.layout({ width, numClasses }), stem);
  const spec: NetworkSpec = {
    network: definition.name,
    variant,
    operators,
    width,
    inputSize,
    numClasses,
    stemKind: stem,
    inputChannels: 3,
    stem: layout.stem,
    blocks: layout.blocks.map((shape, i) => makeBlock(shape, operators[i] ?? 'dw')),
    head: layout.head,
  };
  checkWidth(spec);
  listModules(spec); // shape walk: throws on an input too small for the network
  return spec;
}

/** Every channel count must stay positive under the width multiplier. */
function checkWidth(spec: NetworkSpec): void {
  const fail = (where: string, channels: number): never => {
    throw new InvalidSpecError('width', `width ${spec.width} leaves ${where} with ${channels} channels`);
  };
  for (const op of spec.stem) if (op.outChannels < 1) fail(op.name, op.outChannels);
  for (const b of spec.blocks) {
    if (b.outChannels < 1 || b.hiddenChannels < 1) fail(b.name, Math.min(b.outChannels, b.hiddenChannels));
    if (b.fuse !== null && b.fuse.vertical < 1) fail(`${b.name}'s K×1 half`, b.fuse.vertical);
    if (b.se !== null && b.se.reducedChannels < 1) fail(`${b.name}'s SE`, b.se.reducedChannels);
  }
  for (const op of spec.head) if (op.op === 'conv' && op.outChannels < 1) fail(op.name, op.outChannels);
}

/** A block NAS can choose an operator for, with the shape it sees. */
export interface SearchableBlock {
  index: number;
  stage: number;
  /** PyTorch module path of the block. */
  name: string;
  inChannels: number;
  outChannels: number;
  /** Channels of the depthwise / FuSe stage. */
  hiddenChannels: number;
  kernel: number;
  stride: number;
  /** Input feature map (square) of the block. */
  inputSize: number;
  /** Output feature map of the block. */
  outputSize: number;
  se: boolean;
  residual: boolean;
  /** Whether the reference's Hybrid (`_50`) variants make this block FuSe. */
  hybrid: boolean;
}

/** The searchable blocks of a network, in order; operator lists have one entry per block. */
export function searchableBlocks(options: ShapeOptions): SearchableBlock[] {
  const spec = buildNetwork({ ...options, variant: 'baseline' });
  const hybrid = new Set(NETWORK_DEFINITIONS[spec.network].hybridBlocks);
  const modules = listModules(spec);
  return spec.blocks.map((b) => {
    const own = modules.filter((m) => m.block === b.index);
    const dw = own.find((m) => m.role === 'depthwise');
    const inputSize = dw !== undefined && dw.op === 'conv' ? dw.inputH : 0;
    const outputSize = dw !== undefined && dw.op === 'conv' ? dw.outputH : 0;
    return {
      index: b.index,
      stage: b.stage,
      name: b.name,
      inChannels: b.inChannels,
      outChannels: b.outChannels,
      hiddenChannels: b.hiddenChannels,
      kernel: b.kernel,
      stride: b.stride,
      inputSize,
      outputSize,
      se: b.se !== null,
      residual: b.residual,
      hybrid: hybrid.has(b.index),
    };
  });
}

/** Number of searchable blocks of a network (independent of width and input size). */
export function blockCount(network: NetworkName): number {
  return networkDefinition(network).blockCount;
}
