/**
 * A supernet as bytes, to train once and score later (or elsewhere): a little-endian u32 header
 * length, the header as JSON — format, version, the network's shape options, the operators, and
 * each weight's key and shape — then every weight's float32 values in header order. Pure (no
 * files): the caller writes and reads the bytes (and may compress them).
 *
 * Version 2 may also hold where a training stands (`SupernetTrainState`: epochs done, history,
 * counts, and the momentum buffers, whose values follow the weights'), so a training resumes from
 * it exactly; version 1 bytes (no training) still read.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockOperator, ShapeOptions } from '@fuselab/fuseconv';
import { NasInputError } from '../errors.js';
import { Supernet } from './supernet.js';
import type { SupernetTrainState } from './train.js';

export const SUPERNET_FORMAT = 'fuselab-supernet';
export const SUPERNET_FORMAT_VERSION = 2;

interface Header {
  format: typeof SUPERNET_FORMAT;
  version: number;
  shape: ShapeOptions;
  operators: BlockOperator[];
  weights: { key: string; shape: number[] }[];
  /** Version 2, when a training state was given: its values, and the momentum buffers' keys and shapes. */
  training?: Omit<SupernetTrainState, 'momentum'> & { momentum: { key: string; shape: number[] }[] };
}

/** The supernet's shape, operators and every weight (BatchNorm statistics included), and a training's state if given. */
export function encodeSupernet(supernet: Supernet, state?: SupernetTrainState): Uint8Array {
  const momentum = state ? Object.entries(state.momentum) : [];
  const weights = [...Object.entries(supernet.weights()), ...momentum];
  const header: Header = {
    format: SUPERNET_FORMAT,
    version: SUPERNET_FORMAT_VERSION,
    shape: supernet.shape,
    operators: [...supernet.operators],
    weights: weights.slice(0, weights.length - momentum.length).map(([key, t]) => ({ key, shape: t.shape })),
    ...(state
      ? {
          training: {
            epoch: state.epoch,
            history: state.history,
            operatorCounts: state.operatorCounts,
            momentum: momentum.map(([key, t]) => ({ key, shape: t.shape })),
          },
        }
      : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const floats = weights.reduce((n, [, t]) => n + t.size, 0);
  const out = new Uint8Array(4 + json.length + 4 * floats);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  const values = new Float32Array(floats);
  let at = 0;
  for (const [, t] of weights) {
    values.set(t.dataSync() as Float32Array, at);
    at += t.size;
  }
  // Little-endian on every platform Node runs on; copied byte for byte.
  out.set(new Uint8Array(values.buffer), 4 + json.length);
  return out;
}

/** A supernet rebuilt from `encodeSupernet`'s bytes; `source` names them in errors. */
export function decodeSupernet(bytes: Uint8Array, source = 'supernet'): Supernet {
  const { supernet, state } = decodeSupernetCheckpoint(bytes, source);
  if (state) disposeSupernetState(state);
  return supernet;
}

/** The supernet and, if the bytes hold one, the training state to resume from (`trainSupernet`'s `resumeFrom`). */
export function decodeSupernetCheckpoint(bytes: Uint8Array, source = 'supernet'): { supernet: Supernet; state?: SupernetTrainState } {
  const fail = (problem: string): never => {
    throw new NasInputError(source, problem);
  };
  if (bytes.length < 4) fail('is not a supernet checkpoint (too short)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (4 + length > bytes.length) fail('is not a supernet checkpoint (its header runs past the end)');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Header;
  } catch {
    return fail('is not a supernet checkpoint (no JSON header)');
  }
  if (header.format !== SUPERNET_FORMAT) fail(`is not a supernet checkpoint (format ${JSON.stringify(header.format)})`);
  if (header.version !== 1 && header.version !== SUPERNET_FORMAT_VERSION)
    fail(`is a supernet checkpoint of version ${header.version}, this code reads versions 1 and ${SUPERNET_FORMAT_VERSION}`);
  const listed = [...header.weights, ...(header.training?.momentum ?? [])];
  const floats = listed.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== 4 + length + 4 * floats) fail(`holds ${bytes.length - 4 - length} bytes of weights, its header lists ${4 * floats}`);
  const values = new Float32Array(bytes.slice(4 + length).buffer);
  const supernet = new Supernet(header.shape, { operators: header.operators, scaffold: false });
  const tensors: tf.NamedTensorMap = {};
  const momentum: tf.NamedTensorMap = {};
  let at = 0;
  for (const [i, w] of listed.entries()) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    (i < header.weights.length ? tensors : momentum)[w.key] = tf.tensor(values.subarray(at, at + size), w.shape, 'float32');
    at += size;
  }
  try {
    supernet.loadWeights(tensors);
  } catch (error) {
    supernet.dispose();
    tf.dispose(Object.values(momentum));
    fail((error as Error).message);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const training = header.training;
  if (!training) return { supernet };
  const { momentum: _listed, ...rest } = training;
  return { supernet, state: { ...rest, momentum } };
}

/** Frees a decoded state's momentum tensors (after `trainSupernet` has copied them). */
export function disposeSupernetState(state: SupernetTrainState): void {
  tf.dispose(Object.values(state.momentum));
}
