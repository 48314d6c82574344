/**
 * A supernet as bytes, to train once and score later (or elsewhere): a little-endian u32 header
 * length, the header as JSON — format, version, the network's shape options, the operators, and
 * each weight's key and shape — then every weight's float32 values in header order. Pure (no
 * files): the caller writes and reads the bytes (and may compress them).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockOperator, ShapeOptions } from '@fuselab/fuseconv';
import { NasInputError } from '../errors.js';
import { Supernet } from './supernet.js';

export const SUPERNET_FORMAT = 'fuselab-supernet';
export const SUPERNET_FORMAT_VERSION = 1;

interface Header {
  format: typeof SUPERNET_FORMAT;
  version: number;
  shape: ShapeOptions;
  operators: BlockOperator[];
  weights: { key: string; shape: number[] }[];
}

/** The supernet's shape, operators and every weight (BatchNorm statistics included). */
export function encodeSupernet(supernet: Supernet): Uint8Array {
  const weights = Object.entries(supernet.weights());
  const header: Header = {
    format: SUPERNET_FORMAT,
    version: SUPERNET_FORMAT_VERSION,
    shape: supernet.shape,
    operators: [...supernet.operators],
    weights: weights.map(([key, t]) => ({ key, shape: t.shape })),
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
  if (header.version !== SUPERNET_FORMAT_VERSION)
    fail(`is a supernet checkpoint of version ${header.version}, this code reads version ${SUPERNET_FORMAT_VERSION}`);
  const floats = header.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== 4 + length + 4 * floats) fail(`holds ${bytes.length - 4 - length} bytes of weights, its header lists ${4 * floats}`);
  const values = new Float32Array(bytes.slice(4 + length).buffer);
  const supernet = new Supernet(header.shape, { operators: header.operators, scaffold: false });
  const tensors: tf.NamedTensorMap = {};
  let at = 0;
  for (const w of header.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    tensors[w.key] = tf.tensor(values.subarray(at, at + size), w.shape, 'float32');
    at += size;
  }
  try {
    supernet.loadWeights(tensors);
  } catch (error) {
    supernet.dispose();
    fail((error as Error).message);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return supernet;
}
