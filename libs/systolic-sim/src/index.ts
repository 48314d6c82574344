export * from './topology.js';
export * from './array.js';
export * from './errors.js';
export * from './validate.js';
export * from './simulate.js';
export { referenceGemmCycles, referenceFuseCycles, referenceLayerCycles } from './models/reference.js';
export { stosGemm, stosOneDim, stosLayerTiming, type StosBreakdown, type StosLayerTiming } from './models/stos.js';
export { convAsGemm, gemmLayerShape, oneDimShape, outputExtent, type GemmShape, type OneDimShape } from './models/gemm-shape.js';
export * from './scalesim/index.js';
