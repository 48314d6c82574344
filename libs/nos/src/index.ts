/**
 * @fuselab/nos — training for FuSeConv networks: backend choice, data sets, the training loop,
 * knowledge distillation, Neural Operator Scaffolding (NOS) and checkpoints.
 */
export { NosInputError } from './errors.js';
export * from './backend/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './distill/index.js';
export * from './checkpoint/index.js';
