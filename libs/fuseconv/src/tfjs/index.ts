/**
 * @fuselab/fuseconv/tfjs — tfjs layers and model builders for FuSeConv network specs.
 *
 * A separate entry point so that users who only need specs and counting never load tfjs.
 * Importing it registers the custom layers (`FuseConv2D`, `HardSwish`, `HardSigmoid`) with
 * `tf.serialization`, so saved models load with `tf.loadLayersModel`. Requires the peer
 * dependencies `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` (and a backend).
 */
export { HardSwish, HardSigmoid, activationLayer } from './activations.js';
export type { LayerArgs } from './activations.js';
export { FuseConv2D, fuseFullConv2d, fuseHalfConv2d, fuseChannels, separableBlock, spatialStage, batchNorm } from './layers.js';
export { kaimingFanOut, uniformFanIn, convWeightInit, linearWeightInit, biasInit, INIT_SCHEMES } from './init.js';
export type { InitScheme, Fans } from './init.js';
export type { FuseConv2DArgs, FuseMode, SeparableBlockOptions } from './layers.js';
export { buildModel, countTrainableParams, weightedLayers, predictLogits } from './builder.js';
export type { BuildModelOptions, BuiltModel, Tap, TapMode } from './builder.js';
export { transferWeights, scaffoldStage } from './transfer.js';
export type { StageWeights, TransferOptions, TransferResult } from './transfer.js';
export {
  BatchNormActivation,
  batchNormActivation,
  batchNormActivationTrain,
  batchNormActForward,
  batchNormActBackward,
  registerBatchNormActivationKernels,
  BATCH_NORM_ACT_TRAIN,
  BATCH_NORM_ACT_GRAD,
  BATCH_NORM_ACT_BACKENDS,
  BATCH_NORM_MOVING,
  movingAverageUpdate,
} from './batch-norm-activation.js';
export type { BatchNormActivationArgs, FusedActivation } from './batch-norm-activation.js';
export {
  fuseConv2d,
  fuseConvKernelAvailable,
  fuseGeometry,
  fuseGeometryFromAttrs,
  fuseConvForward,
  fuseConvBackward,
  registerFuseConvKernels,
  FUSE_CONV,
  FUSE_CONV_GRAD,
  FUSE_CONV_BACKENDS,
} from './fuse-conv-kernel.js';
export type { FuseGeometry, FuseSegment } from './fuse-conv-kernel.js';
export { registerMissingKernels } from './kernel-registration.js';
export { BATCH_NORM_CLASSES, isBatchNorm, isDropout, withLayerCalls, type LayerCall } from './layer-calls.js';
