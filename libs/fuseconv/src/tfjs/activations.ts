/**
 * The reference networks' hard activations as tfjs layers, registered for serialisation:
 * `HardSwish` (x · relu6(x + 3) / 6) and `HardSigmoid` (relu6(x + 3) / 6, as the reference's
 * `Hsigmoid`; tfjs's built-in `hardSigmoid` activation is the Keras 0.2·x + 0.5 variant, which
 * differs). ReLU and ReLU6 use tfjs's own `ReLU` layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Activation } from '../types.js';

/** Constructor arguments of a tfjs layer (name, trainable, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined) throw new Error('expected one input tensor');
  return x;
}

/** relu6(x + 3) / 6 */
function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

/** h-swish: `x · relu6(x + 3) / 6` (the reference's `Hswish`). */
export class HardSwish extends tfl.layers.Layer {
  static readonly className = 'HardSwish';

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      return tf.mul(x, hardSigmoid(x));
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }
}

/** Hard sigmoid: `relu6(x + 3) / 6` (the reference's `Hsigmoid`, used as SE's gate). */
export class HardSigmoid extends tfl.layers.Layer {
  static readonly className = 'HardSigmoid';

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => hardSigmoid(single(inputs)));
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }
}

tf.serialization.registerClass(HardSwish);
tf.serialization.registerClass(HardSigmoid);

/**
 * The layer for one of the spec's activations, or `null` for `none`: tfjs `ReLU` (with
 * `maxValue: 6` for relu6) or {@link HardSwish}.
 */
export function activationLayer(activation: Activation, name: string): tfl.layers.Layer | null {
  switch (activation) {
    case 'none':
      return null;
    case 'relu':
      return tfl.layers.reLU({ name });
    case 'relu6':
      return tfl.layers.reLU({ name, maxValue: 6 });
    case 'hswish':
      return new HardSwish({ name });
  }
}
