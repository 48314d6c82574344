/** The optimizers of the training loop, built from plain options. */
import * as tf from '@tensorflow/tfjs-core';
import { fusedAdam } from '../backend/fused-adam.js';

export type OptimizerSpec =
  /** SGD with (heavy-ball or Nesterov) momentum; momentum 0 is plain SGD. */
  | { kind: 'sgd'; momentum?: number; nesterov?: boolean }
  | { kind: 'rmsprop'; decay?: number; momentum?: number; epsilon?: number }
  | { kind: 'adam'; beta1?: number; beta2?: number; epsilon?: number };

export function createOptimizer(spec: OptimizerSpec, learningRate: number): tf.Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return tf.train.momentum(learningRate, spec.momentum ?? 0.9, spec.nesterov ?? false);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, spec.decay ?? 0.9, spec.momentum ?? 0, spec.epsilon ?? 1e-7);
    case 'adam':
      // tfjs's Adam (same state, same rounding) with one fused update per variable on cpu and wasm.
      return fusedAdam(learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
    default:
      throw new RangeError(`unknown optimizer ${JSON.stringify((spec as { kind: unknown }).kind)} (expected sgd, rmsprop or adam)`);
  }
}

/**
 * Changes the learning rate of an optimizer made by {@link createOptimizer}. tfjs's momentum
 * optimizer caches it in a scalar (`setLearningRate`); RMSprop and Adam read `learningRate` at
 * every `applyGradients`.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
