/**
 * One optimizer step: forward in training mode, the objective (task loss, plus logit distillation
 * for KD and NOS, plus the scaffold's operator loss for NOS while its weight is above 0), gradients
 * by `tf.variableGrads`, L2 weight decay on kernels, the optimizer update. Returns the step's
 * numbers and keeps no tensor.
 *
 * The gradient half (`stepGradients`) is separate from the update (`applyStep`) because a
 * data-parallel step (replicas.ts) computes gradients on shards of the batch in several threads and
 * applies their average once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import type { Batch } from '../data/batch.js';
import { distillationLoss, operatorLoss } from '../distill/index.js';
import { outputsOf } from './evaluate.js';
import { countCorrect, crossEntropy } from './losses.js';
import type { RunPlan } from './run-plan.js';

export interface StepModel {
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  /** The model's trainable variables, and the names of those that get weight decay (rank ≥ 2). */
  trainable: tf.Variable[];
  decayed: Set<string>;
  /** NOS: the student's tap outputs are matched to the teacher's. */
  nos: boolean;
}

export interface StepNumbers {
  loss: number;
  taskLoss: number;
  distillLoss: number | undefined;
  operatorLoss: number | undefined;
  correct: number;
}

/** What the objective needs of the run plan (a replica thread has no teacher and no optimizer). */
export type ObjectivePlan = Pick<RunPlan, 'teacher' | 'labelSmoothing' | 'alpha' | 'temperature'>;

/** The gradients of one batch, one tensor per trainable variable (by name), and the step's numbers. */
export interface BatchGradients {
  grads: tf.NamedTensorMap;
  numbers: StepNumbers;
}

/** `opWeight` is λ_op · s(t) of this step (0: no operator loss). The caller disposes `grads`. */
export async function stepGradients(
  s: Pick<StepModel, 'model' | 'trainable' | 'nos'>,
  plan: ObjectivePlan,
  batch: Batch,
  opWeight: number,
): Promise<BatchGradients> {
  const { teacher } = plan;
  const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
  const y = tf.tensor1d(batch.y, 'int32');
  const teacherOut = teacher !== undefined ? tf.tidy(() => outputsOf(teacher, x, false)) : [];
  const parts: { task?: tf.Scalar; kd?: tf.Scalar; op?: tf.Scalar; correct?: tf.Scalar } = {};
  const { value, grads } = tf.variableGrads(() => {
    const outs = outputsOf(s.model, x, true);
    const logits = outs[0] as tf.Tensor2D;
    const task = crossEntropy(logits, y, plan.labelSmoothing);
    parts.task = tf.keep(task);
    parts.correct = tf.keep(countCorrect(logits, y));
    let loss: tf.Scalar = task;
    if (teacher !== undefined) {
      const kd = distillationLoss(logits, teacherOut[0] as tf.Tensor2D, plan.temperature);
      parts.kd = tf.keep(kd);
      loss = tf.add(tf.mul(task, 1 - plan.alpha), tf.mul(kd, plan.alpha));
    }
    if (s.nos && opWeight > 0) {
      const op = operatorLoss(outs.slice(1), teacherOut.slice(1));
      parts.op = tf.keep(op);
      loss = tf.add(loss, tf.mul(op, opWeight));
    }
    return loss;
  }, s.trainable);
  const [loss, taskLoss, distillLoss, opLoss, correct] = await Promise.all(
    [value, parts.task, parts.kd, parts.op, parts.correct].map(async (t) => (t === undefined ? undefined : (await t.data())[0]!)),
  );
  tf.dispose([x, y, value, ...teacherOut, ...Object.values(parts)]);
  return { grads, numbers: { loss: loss!, taskLoss: taskLoss!, distillLoss, operatorLoss: opLoss, correct: correct! } };
}

/** Adds L2 weight decay to the kernels' gradients and applies the optimizer; disposes nothing of `grads`. */
export function applyStep(s: StepModel, plan: Pick<RunPlan, 'weightDecay'>, grads: tf.NamedTensorMap): void {
  const update = tf.tidy(() => {
    const g: tf.NamedTensorMap = {};
    for (const v of s.trainable) {
      const grad = grads[v.name];
      if (grad === undefined) continue;
      g[v.name] = plan.weightDecay > 0 && s.decayed.has(v.name) ? tf.add(grad, tf.mul(v, plan.weightDecay)) : grad;
    }
    return g;
  });
  s.optimizer.applyGradients(update);
  // `update` holds the caller's gradient tensors where no decay applies: dispose only the sums.
  tf.dispose(
    Object.entries(update)
      .filter(([name, t]) => t !== grads[name])
      .map(([, t]) => t),
  );
}

/** `opWeight` is λ_op · s(t) of this step (0: no operator loss). */
export async function trainStep(s: StepModel, plan: RunPlan, batch: Batch, opWeight: number): Promise<StepNumbers> {
  const { grads, numbers } = await stepGradients(s, plan, batch, opWeight);
  applyStep(s, plan, grads);
  tf.dispose(Object.values(grads));
  return numbers;
}
