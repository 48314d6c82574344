/**
 * @fuselab/nas/supernet — a weight-sharing supernet over per-block operators (dw, FuSe-half,
 * FuSe-full) with NOS initialisation, single-path one-shot training, BatchNorm recalibration and
 * subnet scoring. Loads tfjs and @fuselab/nos; runs on whatever tfjs backend is active.
 */
export { Supernet, type SupernetOptions, type Path, type ForwardOptions, type BatchNormHook } from './supernet.js';
export {
  trainSupernet,
  samplePath,
  type SupernetTrainOptions,
  type SupernetTrainProgress,
  type SupernetTrainResult,
  type SupernetTrainState,
} from './train.js';
export {
  recalibrateBatchNorm,
  evaluateSubnet,
  extractSubnet,
  type RecalibrateOptions,
  type SubnetEvaluation,
  type Normalize,
} from './subnet.js';
export { zeroCostPt, mixtureNaswot, type ZeroCostPtResult, type ZeroCostPtStep } from './zero-cost-pt.js';
export {
  encodeSupernet,
  decodeSupernet,
  decodeSupernetCheckpoint,
  disposeSupernetState,
  SUPERNET_FORMAT,
  SUPERNET_FORMAT_VERSION,
} from './checkpoint.js';
