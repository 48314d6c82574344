/**
 * The messages between the training loop (replicas.ts) and its replica threads (replica-worker.ts).
 * Plain data only: typed arrays cross by structured clone (transferred where the sender is done with
 * them).
 */
import type { NetworkSpec } from '@fuselab/fuseconv';

import type { BackendName } from '../backend/select.js';
import type { Batch } from '../data/batch.js';
import type { InitScheme, TapMode } from './from-spec.js';
import type { ObjectivePlan, StepNumbers } from './step.js';

export interface ReplicaInit {
  type: 'init';
  /** The replica's index (1 … replicas − 1; the loop's own thread is replica 0). */
  index: number;
  backend: BackendName;
  spec: NetworkSpec;
  taps: TapMode;
  init: InitScheme;
  seed: number;
  plan: Omit<ObjectivePlan, 'teacher'>;
}

/** A step: the replica's share of the batch (a `Batch`), and what else it needs. */
export interface ReplicaStep extends Batch {
  type: 'step';
  /** Every weight of the model (trainable and not) in `model.weights` order, as the loop holds them now. */
  weights: Float32Array[];
  /** The loop's dropout seeds of this step, one per Dropout layer (each replica mixes in its index). */
  dropoutSeeds: number[];
  opWeight: number;
}

export interface ReplicaEvaluate {
  type: 'evaluate';
  /** As in a step: every weight, as the loop holds them now. */
  weights: Float32Array[];
  /** This replica's test batches, made by the loop. */
  batches: Batch[];
}

export type ToReplica = ReplicaInit | ReplicaStep | ReplicaEvaluate | { type: 'close' };

export type FromReplica =
  | { type: 'ready'; shapes: number[][] }
  /** Gradients in `model.trainableWeights` order (null: no gradient), the non-trainable weights after the forward pass. */
  | { type: 'gradients'; grads: Array<Float32Array | null>; nonTrainable: Float32Array[]; numbers: StepNumbers }
  /** Per batch, in order: the summed cross-entropy and the number right (evaluate.ts' `evaluateBatch`). */
  | { type: 'evaluated'; results: Array<{ loss: number; correct: number }> }
  | { type: 'error'; name: string; message: string };
