/**
 * @fuselab/fuseconv — FuSeConv network specifications as data, their variants, parameter/MAC
 * counting and export to systolic-sim topologies.
 */
export type {
  Activation,
  BlockFamily,
  BlockOperator,
  BlockSpec,
  ConvOp,
  DropoutOp,
  FuseSplit,
  HeadOp,
  LinearOp,
  NetworkName,
  NetworkSpec,
  PoolOp,
  SqueezeExcite,
  VariantName,
} from './types.js';
export { InvalidSpecError } from './errors.js';
// The base of every fuselab library's input errors, for libraries built on this one (nos).
export { FieldError } from '@fuselab/systolic-sim';
export { makeDivisible, ceilDivisible, truncScale } from './channels.js';
export { NETWORKS, NETWORK_DEFINITIONS } from './networks/index.js';
export type { NetworkDefinition, LayoutOptions, NetworkLayout } from './networks/index.js';
export {
  VARIANTS,
  BLOCK_OPERATORS,
  OPERATOR_LETTERS,
  operatorString,
  isVariantName,
  isBlockOperator,
  variantOperators,
  validateOperators,
} from './variants.js';
export {
  buildNetwork,
  searchableBlocks,
  blockCount,
  networkDefinition,
  isNetworkName,
  DEFAULT_WIDTH,
  DEFAULT_INPUT_SIZE,
  DEFAULT_NUM_CLASSES,
} from './build.js';
export type { BuildOptions, ShapeOptions, SearchableBlock } from './build.js';
export { STEMS, CIFAR_STEM_MAX_INPUT, defaultStem, isStemName } from './stems.js';
export type { StemName } from './stems.js';
export { listModules } from './module-list.js';
export type { ConvModule, LinearModule, ModuleRole, NetworkModule } from './module-list.js';
export { countParams, countUnusedParams, countMacs, modelStats, moduleParams, moduleMacs } from './counting.js';
export type { ModelStats } from './counting.js';
export { toTopology, plainTopology, convKind } from './topology-export.js';
export type { LayerOrigin, NetworkLayer, NetworkConvLayer, NetworkGemmLayer } from './topology-export.js';
