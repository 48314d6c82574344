/**
 * CIFAR-10 / CIFAR-100 binary batches (`data_batch_1.bin` …, `train.bin`, `test.bin`) from bytes.
 *
 * CIFAR-10 records: 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, rows of 32).
 * CIFAR-100 records: 1 coarse label byte + 1 fine label byte + 3072 pixel bytes.
 */
import { type ImageDataset, type NamedBytes, validateDataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { gunzipIfNeeded } from './gzip.js';

export type CifarKind = 'cifar10' | 'cifar100';

export interface CifarOptions {
  kind: CifarKind;
  /** CIFAR-100 only: which label to use (default `fine`, 100 classes; `coarse` has 20). */
  label?: 'fine' | 'coarse';
  name?: string;
}

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

/** Parses one binary batch (uncompressed or gzip) into an NHWC data set. */
export async function parseCifarBatch(input: NamedBytes, options: CifarOptions): Promise<ImageDataset> {
  const bytes = await gunzipIfNeeded(input.bytes, input.file);
  const labelBytes = options.kind === 'cifar10' ? 1 : options.kind === 'cifar100' ? 2 : -1;
  if (labelBytes < 0)
    throw new DatasetError(input.file, `unknown CIFAR kind ${JSON.stringify(options.kind)} (expected cifar10 or cifar100)`);
  const record = labelBytes + PIXELS;
  if (bytes.length === 0) throw new DatasetError(input.file, 'empty file');
  if (bytes.length % record !== 0) {
    throw new DatasetError(
      input.file,
      `truncated or corrupt: ${bytes.length} bytes is not a whole number of ${options.kind} records of ${record} bytes (${Math.floor(bytes.length / record)} whole records and ${bytes.length % record} bytes left over)`,
    );
  }
  const n = bytes.length / record;
  const fine = options.kind === 'cifar100' && (options.label ?? 'fine') === 'fine';
  const numClasses = options.kind === 'cifar10' ? 10 : fine ? 100 : 20;
  const images = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * record;
    const label = bytes[r + (fine ? 1 : 0)]!;
    if (label >= numClasses) {
      throw new DatasetError(
        input.file,
        `corrupt: record ${i} has label ${label}, outside 0..${numClasses - 1} (is this really ${options.kind}?)`,
      );
    }
    labels[i] = label;
    const src = r + labelBytes;
    const dst = i * PIXELS;
    for (let p = 0; p < SIDE * SIDE; p++) {
      images[dst + 3 * p] = bytes[src + p]!;
      images[dst + 3 * p + 1] = bytes[src + 1024 + p]!;
      images[dst + 3 * p + 2] = bytes[src + 2048 + p]!;
    }
  }
  return validateDataset(
    { name: options.name ?? input.file, count: n, height: SIDE, width: SIDE, channels: 3, numClasses, images, labels },
    input.file,
  );
}

/** Encodes NHWC 32×32×3 images and labels as a CIFAR binary batch (for tests and subsets). */
export function encodeCifarBatch(ds: ImageDataset, kind: CifarKind, coarse?: Uint8Array): Uint8Array {
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  const out = new Uint8Array(ds.count * record);
  for (let i = 0; i < ds.count; i++) {
    const r = i * record;
    if (kind === 'cifar10') out[r] = ds.labels[i]!;
    else {
      out[r] = coarse?.[i] ?? 0;
      out[r + 1] = ds.labels[i]!;
    }
    for (let p = 0; p < SIDE * SIDE; p++) {
      for (let ch = 0; ch < 3; ch++) out[r + labelBytes + ch * 1024 + p] = ds.images[i * PIXELS + 3 * p + ch]!;
    }
  }
  return out;
}
