/** Task loss: softmax cross-entropy with label smoothing. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean over the batch of −Σ_k q_k log softmax(z)_k with q = (1 − ε)·onehot(y) + ε/K.
 * `labels` are int32 class indices.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const onehot = tf.cast(tf.oneHot(labels, k), 'float32');
    const q = labelSmoothing > 0 ? tf.add(tf.mul(onehot, 1 - labelSmoothing), labelSmoothing / k) : onehot;
    return tf.neg(tf.mean(tf.sum(tf.mul(q, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Number of rows whose arg-max equals the label. */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')) as tf.Scalar);
}
