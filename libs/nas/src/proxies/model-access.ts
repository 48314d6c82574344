/**
 * What the proxies need from a tfjs `LayersModel`: the scored weights (the kernels of conv and
 * linear layers, as the reference implementations score `nn.Conv2d`/`nn.Linear` weights), the
 * minibatch as tensors, the cross-entropy loss, and hooks on layer calls. Hooks replace a layer
 * instance's `call` (tfjs calls it through `apply` for every layer of a functional model) and are
 * removed afterwards, so the model is left as it was.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isDropout, withLayerCalls } from '@fuselab/fuseconv/tfjs';
import { NasInputError } from '../errors.js';

/** One minibatch: NHWC float pixels, and labels when the data set has them. */
export interface ProxyBatch {
  x: Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  labels?: Int32Array;
}

/** Layer classes whose kernels are scored (FuseConv2D holds the two half convolutions' kernels). */
export const WEIGHTED_LAYER_CLASSES = ['Conv2D', 'DepthwiseConv2D', 'FuseConv2D', 'Dense'];
/** Activation layer classes NASWOT reads codes from. */
export const ACTIVATION_LAYER_CLASSES = ['ReLU', 'HardSwish', 'Activation'];

/**
 * The layers whose outputs are activations: those of {@link ACTIVATION_LAYER_CLASSES}, and
 * fuseconv's `BatchNormActivation` with ReLU or ReLU6 (its output is the activation's; with
 * `linear` it is a plain BatchNorm).
 */
export function activationLayers(model: tfl.LayersModel | readonly tfl.layers.Layer[]): tfl.layers.Layer[] {
  return (Array.isArray(model) ? model : (model as tfl.LayersModel).layers).filter(
    (l) =>
      ACTIVATION_LAYER_CLASSES.includes(l.getClassName()) ||
      (l.getClassName() === 'BatchNormActivation' && (l.getConfig() as { activation?: string }).activation !== 'linear'),
  );
}

export interface ScoredWeight {
  /** `layer/weight`, e.g. `features.3.op/kernel_h`. */
  name: string;
  variable: tf.Variable;
}

/** The kernels of every conv and linear layer (no biases, no BatchNorm parameters). */
export function scoredWeights(model: tfl.LayersModel): ScoredWeight[] {
  const out: ScoredWeight[] = [];
  for (const layer of model.layers) {
    if (!WEIGHTED_LAYER_CLASSES.includes(layer.getClassName())) continue;
    for (const w of layer.trainableWeights) {
      const name = w.originalName ?? w.name;
      if (/kernel/.test(name.split('/').pop() ?? '')) out.push({ name, variable: w.read() as tf.Variable });
    }
  }
  return out;
}

export function inputTensor(batch: ProxyBatch): tf.Tensor4D {
  return tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
}

/** The labels, or a clear error for a proxy that needs them. */
export function labelsOf(batch: ProxyBatch, proxy: string): Int32Array {
  if (!batch.labels)
    throw new NasInputError('proxies', `${proxy} needs labels (it differentiates the cross-entropy loss), and this data set has none`);
  return batch.labels;
}

/** The model's first output (the logits) in training mode (BatchNorm on batch statistics). */
export function logitsOf(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor2D {
  const out = model.apply(x, { training: true });
  return (Array.isArray(out) ? out[0]! : out) as tf.Tensor2D;
}

/** Mean softmax cross-entropy of the logits against integer labels (PyTorch's `F.cross_entropy`). */
export function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
  const logProbs = tf.sub(logits, tf.logSumExp(logits, 1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as tf.Scalar;
}

/** Dropout off (the proxies are deterministic), BatchNorm still on batch statistics. */
export function withoutDropout<T>(model: tfl.LayersModel | readonly tfl.layers.Layer[], run: () => T): T {
  const dropouts = (Array.isArray(model) ? model : (model as tfl.LayersModel).layers).filter(isDropout);
  return withLayerCalls(dropouts, (_, original) => (inputs, kwargs) => original(inputs, { ...kwargs, training: false }), run);
}

export const first = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0]! : inputs);

/** Throws naming the proxy and the layer when a contribution is not finite. */
export function finite(proxy: string, where: string, value: number): number {
  if (!Number.isFinite(value)) {
    throw new NasInputError('proxies', `${proxy} is not finite (${value}) at ${where}; try a smaller width, another seed or another batch`);
  }
  return value;
}
