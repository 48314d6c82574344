/**
 * Looking inside a built model while it runs: which layers are BatchNorms or Dropouts, and replacing layers'
 * `call` for the length of a computation (recording BatchNorm inputs for recalibration, activation
 * codes or gradients for zero-cost proxies, dropout off) — PyTorch's forward hooks, which
 * tfjs-layers lacks. Used by libs/nos (BatchNorm statistics) and libs/nas (proxies, supernet), so
 * it lives here, beside the layers, in an entry point that registers no backend.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Classes of the layers whose weights are gamma, beta, moving mean, moving variance: tfjs-layers' and the fused BatchNormActivation. */
export const BATCH_NORM_CLASSES: ReadonlySet<string> = new Set(['BatchNormalization', 'BatchNormActivation']);

export const isBatchNorm = (layer: tfl.layers.Layer): boolean => BATCH_NORM_CLASSES.has(layer.getClassName());

/** tfjs-layers' Dropout (the builder's classifier dropout): seeded each step by the training loop, switched off by the proxies. */
export const isDropout = (layer: tfl.layers.Layer): boolean => layer.getClassName() === 'Dropout';

/** A layer's `call`, as the wrapper receives and returns it. */
export type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * Replaces `call` of `layers` by `wrap(layer, its own call)` while `run` runs, then restores each
 * layer exactly as it was (an own `call` put back, an inherited one uncovered) — also when `run`
 * throws, and, when it returns a promise, once that promise settles.
 */
export function withLayerCalls<T>(
  layers: readonly tfl.layers.Layer[],
  wrap: (layer: tfl.layers.Layer, original: LayerCall) => LayerCall,
  run: () => T,
): T {
  const saved = layers.map((layer) => {
    const target = layer as unknown as { call: LayerCall };
    const own = Object.prototype.hasOwnProperty.call(target, 'call');
    const previous = target.call;
    target.call = wrap(layer, previous.bind(layer));
    return () => {
      if (own) target.call = previous;
      else delete (target as Partial<{ call: LayerCall }>).call;
    };
  });
  const restore = () => saved.forEach((undo) => undo());
  let result: T;
  try {
    result = run();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
