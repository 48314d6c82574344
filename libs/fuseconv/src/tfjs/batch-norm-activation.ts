/**
 * Batch normalisation fused with its activation (`linear`, `relu`, `relu6`) for training.
 *
 * tfjs-layers' `BatchNormalization` in training mode is `moments` (mean, subtract, square, mean),
 * `batchNorm` and then a separate activation layer; its gradient walks back through all of them —
 * about a dozen passes over the activation and 20+ kernel calls per layer. `BatchNormActivation`
 * computes the same function with two kernels:
 *
 * - forward `FuselabBatchNormActTrain` (x, γ, β → y, batch mean, batch variance): one pass for the
 *   statistics (float64 sums, shifted by the channel's first value), one pass writing
 *   `y = act((x − mean)·γ/√(var+ε) + β)`;
 * - backward `FuselabBatchNormActGrad` (dy, x, mean, var, γ, β → dx, dγ, dβ): one pass for
 *   `dβ = Σ dz`, `dγ = Σ dz·x̂` (dz = dy masked by the activation's derivative, recomputed from x),
 *   one pass writing `dx = γ/√(var+ε) · (dz − dβ/M − x̂·dγ/M)`.
 *
 * The kernels (batch-norm-activation-kernels.ts) are plain JavaScript over Float32Arrays,
 * registered for the `cpu` and `wasm` backends; on any other backend (tfjs-node, webgl) the op falls back to tfjs's own ops
 * (`moments`, `batchNorm`, `relu`/`relu6`), i.e. exactly the unfused layers. The semantics are
 * those of `tf.layers.batchNormalization` (last axis; biased batch variance, also for the moving
 * average; `moving = moving − (moving − batch)·(1 − momentum)`) followed by `tf.layers.reLU`
 * (with `maxValue: 6` for relu6), and the weights are the same four (`gamma`, `beta` trainable;
 * `moving_mean`, `moving_variance` not), in the same order.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from './activations.js';
import {
  activationCode,
  BATCH_NORM_ACT_BACKENDS,
  BATCH_NORM_ACT_GRAD,
  BATCH_NORM_ACT_TRAIN,
  BATCH_NORM_MOVING,
  gradKernel,
  movingKernel,
  trainKernel,
  type FusedActivation,
} from './batch-norm-activation-kernels.js';
import { registerMissingKernels } from './kernel-registration.js';

export {
  BATCH_NORM_ACT_BACKENDS,
  BATCH_NORM_ACT_GRAD,
  BATCH_NORM_ACT_TRAIN,
  BATCH_NORM_MOVING,
  batchNormActBackward,
  batchNormActForward,
  movingAverageUpdate,
  type FusedActivation,
} from './batch-norm-activation-kernels.js';

const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

/** Composite (unfused) forward with tfjs ops: what the unfused layers compute. */
function composite(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, activation: FusedActivation): tf.Tensor[] {
  return tf.tidy(() => {
    const axes = x.shape.map((_, i) => i).slice(0, -1);
    const { mean, variance } = tf.moments(x, axes);
    const y = applyActivation(tf.batchNorm(x, mean, variance, beta, gamma, epsilon), activation);
    return [y, mean, variance];
  });
}

function applyActivation(y: tf.Tensor, activation: FusedActivation): tf.Tensor {
  activationCode(activation);
  if (activation === 'relu') return tf.relu(y);
  // tf.layers.reLU({ maxValue: 6 }) = clipByValue(relu(x), 0, 6); same values and gradient mask.
  if (activation === 'relu6') return tf.relu6(y);
  return y;
}

let registered = false;

/** Registers the fused kernels for cpu and wasm and the gradient. Idempotent; runs on import. */
export function registerBatchNormActivationKernels(): void {
  if (registered) return;
  registerMissingKernels(BATCH_NORM_ACT_BACKENDS, [
    [BATCH_NORM_ACT_TRAIN, trainKernel],
    [BATCH_NORM_ACT_GRAD, gradKernel],
    // No gradient: the moving statistics are not on the loss's path.
    [BATCH_NORM_MOVING, movingKernel],
  ]);
  tf.registerGradient({
    kernelName: BATCH_NORM_ACT_TRAIN,
    inputsToSave: ['x', 'gamma', 'beta'],
    outputsToSave: [false, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma, beta, mean, variance] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const dyY = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      // Gradients flow through y only: the batch statistics outputs feed the moving averages.
      // Computed eagerly: each thunk below runs in its own tidy, which would dispose siblings.
      const [dx, dGamma, dBeta] = (hasKernel(BATCH_NORM_ACT_GRAD)
        ? tf.engine().runKernel(BATCH_NORM_ACT_GRAD, { dy: dyY, x, mean, variance, gamma, beta } as never, attrs)
        : compositeGrad(dyY, x, gamma, beta, attrs['epsilon'] as number, attrs['activation'] as FusedActivation)) as unknown as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
    },
  });
  registered = true;
}

/** Gradient with tfjs ops (other backends): autodiff of the composite forward. */
function compositeGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  activation: FusedActivation,
): tf.Tensor[] {
  const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
    composite(xx, gg as tf.Tensor1D, bb as tf.Tensor1D, epsilon, activation)[0] as tf.Tensor;
  return tf.grads(f)([x, gamma, beta], dy);
}

/**
 * The training-mode op: `[y, batchMean, batchVariance]` with y = act(batchNorm(x)) over every
 * axis but the last. Differentiable in x, γ and β (through y).
 */
export function batchNormActivationTrain(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  activation: FusedActivation,
): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  activationCode(activation);
  if (x.dtype === 'float32' && hasKernel(BATCH_NORM_ACT_TRAIN)) {
    return tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, { x, gamma, beta } as never, { epsilon, activation }) as unknown as [
      tf.Tensor,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
  }
  return composite(x, gamma, beta, epsilon, activation) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

/**
 * `moving = moving − (moving − batch)·decay` for the mean and the variance: one kernel without a
 * gradient where it is registered (cpu, wasm), else tfjs's ops — the same values to the bit.
 */
function updateMovingStatistics(
  movingMean: tfl.LayerVariable,
  movingVariance: tfl.LayerVariable,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  decay: number,
): void {
  if (hasKernel(BATCH_NORM_MOVING)) {
    const [newMean, newVariance] = tf
      .engine()
      .runKernel(BATCH_NORM_MOVING, { movingMean: movingMean.read(), movingVariance: movingVariance.read(), mean, variance } as never, {
        decay,
      }) as unknown as [tf.Tensor, tf.Tensor];
    movingMean.write(newMean);
    movingVariance.write(newVariance);
    return;
  }
  for (const [v, batch] of [
    [movingMean, mean],
    [movingVariance, variance],
  ] as const) {
    const orig = v.read();
    v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), decay)));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Layer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

export interface BatchNormActivationArgs extends LayerArgs {
  /** `linear` (default), `relu` or `relu6`. */
  activation?: FusedActivation;
  /** Default 1e-3 (tfjs's default; the builder passes PyTorch's 1e-5). */
  epsilon?: number;
  /** Default 0.99 (tfjs's convention: moving = momentum·moving + (1 − momentum)·batch). */
  momentum?: number;
}

/**
 * `tf.layers.batchNormalization()` (last axis) followed by `tf.layers.reLU()` (or ReLU6, or no
 * activation) as one layer with fused training kernels. Weights, in order: `gamma`, `beta`
 * (trainable), `moving_mean`, `moving_variance` (not trainable).
 */
export class BatchNormActivation extends tfl.layers.Layer {
  static readonly className = 'BatchNormActivation';

  readonly activation: FusedActivation;
  readonly epsilon: number;
  readonly momentum: number;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;
  private movingMean: tfl.LayerVariable | null = null;
  private movingVariance: tfl.LayerVariable | null = null;

  constructor(args: BatchNormActivationArgs = {}) {
    super(args);
    this.activation = args.activation ?? 'linear';
    activationCode(this.activation);
    this.epsilon = args.epsilon ?? 1e-3;
    this.momentum = args.momentum ?? 0.99;
    this.supportsMasking = true;
    registerBatchNormActivationKernels();
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const dim = shape[shape.length - 1];
    if (dim === null || dim === undefined) {
      throw new Error(`BatchNormActivation: the last axis must be known, got input shape ${JSON.stringify(shape)}`);
    }
    this.inputSpec = [{ ndim: shape.length, axes: { [shape.length - 1]: dim } }];
    const s = [dim];
    this.gamma = this.addWeight('gamma', s, 'float32', tfl.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', s, 'float32', tfl.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', s, 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', s, 'float32', tfl.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      const { gamma, beta, movingMean, movingVariance } = this;
      if (gamma === null || beta === null || movingMean === null || movingVariance === null) {
        throw new Error('BatchNormActivation: call before build');
      }
      const training = kwargs['training'] === true;
      if (!training) {
        const y = tf.batchNorm(x, movingMean.read(), movingVariance.read(), beta.read(), gamma.read(), this.epsilon);
        return applyActivation(y, this.activation);
      }
      const [y, mean, variance] = batchNormActivationTrain(
        x,
        gamma.read() as tf.Tensor1D,
        beta.read() as tf.Tensor1D,
        this.epsilon,
        this.activation,
      );
      updateMovingStatistics(movingMean, movingVariance, mean, variance, 1 - this.momentum);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activation, epsilon: this.epsilon, momentum: this.momentum };
  }
}

tf.serialization.registerClass(BatchNormActivation);
registerBatchNormActivationKernels();

/** A `BatchNormActivation` layer with PyTorch's BatchNorm2d defaults (eps 1e-5, momentum 0.1). */
export function batchNormActivation(name: string, activation: FusedActivation): BatchNormActivation {
  return new BatchNormActivation({ name, activation, epsilon: 1e-5, momentum: 0.9 });
}
