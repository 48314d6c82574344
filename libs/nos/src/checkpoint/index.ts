/**
 * Checkpoints as plain, JSON-serialisable data: model weights, optimizer state, RNG state and the
 * position in training. Tensors are stored as base64 of their little-endian float32/int32 bytes;
 * the caller decides where a checkpoint lives (a file, a SQL row, …).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { RngState } from '../data/rng.js';
import { NosInputError } from '../errors.js';

export const CHECKPOINT_FORMAT = 'fuselab-nos-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TensorBlob {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** base64 of the little-endian element bytes. */
  data: string;
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  seed: number;
  /** Epoch (0-based) the next step belongs to, and its step within that epoch. */
  epoch: number;
  step: number;
  /** Optimizer steps done so far. */
  globalStep: number;
  totalSteps: number;
  stepsPerEpoch: number;
  /** State of the run's Rng (augmentation, dropout seeds) after `globalStep` steps. */
  rng: RngState;
  /** Running sums of the current epoch, so a resumed epoch reports the same metrics. */
  epochSums: { loss: number; correct: number; seen: number };
  /** Model weights in `model.weights` order (trainable and non-trainable, e.g. BatchNorm statistics). */
  weights: TensorBlob[];
  optimizer: { kind: string; weights: TensorBlob[] };
  /** Free-form description from the caller (network, variant, method…). */
  meta?: Record<string, unknown>;
}

/** Thrown when a checkpoint does not fit the model or optimizer it is restored into. */
export class CheckpointError extends NosInputError {
  override name = 'CheckpointError';
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Encodes a tensor's values (read synchronously) as a {@link TensorBlob}. */
export function encodeTensor(name: string, t: tf.Tensor): TensorBlob {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const values = t.dataSync();
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'int32') view.setInt32(4 * i, values[i] as number, true);
    else view.setFloat32(4 * i, values[i] as number, true);
  }
  return { name, shape: [...t.shape], dtype, data: toBase64(bytes) };
}

export function decodeTensor(blob: TensorBlob): tf.Tensor {
  const bytes = fromBase64(blob.data);
  const n = blob.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * 4)
    throw new CheckpointError(`tensor ${blob.name}`, `${bytes.length} bytes for shape [${blob.shape.join(', ')}]`);
  const view = new DataView(bytes.buffer);
  if (blob.dtype === 'int32') {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = view.getInt32(4 * i, true);
    return tf.tensor(a, blob.shape, 'int32');
  }
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = view.getFloat32(4 * i, true);
  return tf.tensor(a, blob.shape, 'float32');
}

/** All weights of a model (trainable and not) in `model.weights` order. */
export function encodeModelWeights(model: tfl.LayersModel): TensorBlob[] {
  return model.weights.map((w) => encodeTensor(w.originalName, w.read()));
}

/** Loads weights saved by {@link encodeModelWeights} into a model of the same architecture. */
export function loadModelWeights(model: tfl.LayersModel, weights: readonly TensorBlob[]): void {
  const targets = model.weights;
  if (targets.length !== weights.length) {
    throw new CheckpointError(
      'weights',
      `checkpoint has ${weights.length} weight tensors, the model has ${targets.length}: different architecture`,
    );
  }
  targets.forEach((w, i) => {
    const blob = weights[i]!;
    if (blob.shape.join() !== w.shape.join()) {
      throw new CheckpointError(
        `weight ${i} (${w.originalName})`,
        `checkpoint shape [${blob.shape.join(', ')}] (${blob.name}) differs from the model's [${w.shape.join(', ')}]`,
      );
    }
  });
  const tensors = weights.map(decodeTensor);
  model.setWeights(tensors);
  tf.dispose(tensors);
}

export async function encodeOptimizerState(kind: string, optimizer: tf.Optimizer): Promise<Checkpoint['optimizer']> {
  const named = await optimizer.getWeights();
  return { kind, weights: named.map((w) => encodeTensor(w.name, w.tensor)) };
}

export async function loadOptimizerState(optimizer: tf.Optimizer, kind: string, state: Checkpoint['optimizer']): Promise<void> {
  if (state.kind !== kind) throw new CheckpointError('optimizer', `checkpoint optimizer is ${state.kind}, this run uses ${kind}`);
  const named = state.weights.map((w) => ({ name: w.name, tensor: decodeTensor(w) }));
  await optimizer.setWeights(named);
  // setWeights copies the tensors into new variables (and reads the iteration count).
  tf.dispose(named.map((n) => n.tensor));
}

/** Checks that a value looks like a {@link Checkpoint} (for data read back from storage). */
export function assertCheckpoint(value: unknown): asserts value is Checkpoint {
  const c = value as Partial<Checkpoint> | null;
  if (typeof c !== 'object' || c === null || c.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError('checkpoint', `not a ${CHECKPOINT_FORMAT} object`);
  if (c.version !== CHECKPOINT_VERSION)
    throw new CheckpointError('version', `checkpoint version ${String(c.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  for (const k of ['seed', 'epoch', 'step', 'globalStep', 'totalSteps', 'stepsPerEpoch'] as const) {
    if (typeof c[k] !== 'number') throw new CheckpointError(k, 'must be a number');
  }
  if (!Array.isArray(c.weights) || !Array.isArray(c.rng) || typeof c.optimizer !== 'object')
    throw new CheckpointError('checkpoint', 'lacks weights, rng or optimizer state');
}
