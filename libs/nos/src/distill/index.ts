/**
 * Knowledge distillation and Neural Operator Scaffolding losses.
 *
 * - Logit distillation (Hinton et al.): `T² · mean_batch KL(softmax(t/T) ‖ softmax(s/T))`.
 * - Operator distillation (NOS): the mean over the tapped operators i of
 *   `MSE(student_i, teacher_i)`, each MSE averaged over all its elements.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `T² · mean over the batch of Σ_k p_t,k (log p_t,k − log p_s,k)` with p = softmax(logits / T). */
export function distillationLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/** Mean over operators of the element-mean squared difference (teacher taps are constants). */
export function operatorLoss(studentTaps: readonly tf.Tensor[], teacherTaps: readonly tf.Tensor[]): tf.Scalar {
  if (studentTaps.length !== teacherTaps.length || studentTaps.length === 0) {
    throw new RangeError(
      `operator distillation needs the same, non-zero number of student and teacher taps (got ${studentTaps.length} and ${teacherTaps.length})`,
    );
  }
  return tf.tidy(() => {
    const terms = studentTaps.map((s, i) => {
      const t = teacherTaps[i]!;
      if (s.shape.join() !== t.shape.join()) {
        throw new RangeError(`tap ${i}: student shape [${s.shape.join(', ')}] differs from teacher shape [${t.shape.join(', ')}]`);
      }
      return tf.mean(tf.squaredDifference(s, t));
    });
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  });
}

export interface DistillOptions {
  /** A trained teacher; its first output is the logits (further outputs are taps, used by NOS). */
  teacher: import('@tensorflow/tfjs-layers').LayersModel;
  /** Weight of the distillation term; the task loss gets 1 − α (default 0.5). */
  alpha?: number;
  /** Softmax temperature T (default 4). */
  temperature?: number;
}

export interface NosOptions extends DistillOptions {
  /** λ_op, the initial weight of the operator (scaffold) loss (default 1). */
  lambdaOp?: number;
  /** How λ_op is annealed to zero (default cosine over the first half of training). */
  anneal?: import('../train/schedule.js').AnnealSchedule;
  /**
   * Where the student's FuSe kernels start when `train` builds it from a spec (default `depthwise`:
   * the teacher's depthwise kernels' centre row and column; `seeded`: their own initialisation).
   */
  fuseInit?: import('../train/from-spec.js').FuseInit;
}
