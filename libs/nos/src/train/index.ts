export {
  train,
  evaluate,
  backendName,
  type TrainOptions,
  type TrainCallbacks,
  type TrainProgress,
  type TrainResult,
  type TrainMethod,
  type EpochMetrics,
} from './loop.js';
export { learningRateAt, annealFactor, type LrSchedule, type AnnealSchedule } from './schedule.js';
export { createOptimizer, setLearningRate, type OptimizerSpec } from './optimizer.js';
export { crossEntropy, countCorrect } from './losses.js';
export { initializeWeights } from './init.js';
export {
  modelFromSpec,
  initializeFromTeacher,
  nosTapMode,
  DEFAULT_INIT,
  FUSE_INITS,
  DEFAULT_FUSE_INIT,
  type FuseInit,
  type SpecModelOptions,
  type TapMode,
  type InitScheme,
} from './from-spec.js';
export { recomputeBatchNormStatistics, BatchNormMomentSums, type RecomputeOptions } from './batchnorm-statistics.js';
