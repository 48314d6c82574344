/**
 * In-memory image classification data sets: uint8 pixels in NHWC order and one label per image.
 */
import { DatasetError } from './errors.js';

export interface ImageDataset {
  /** A label for messages and results, e.g. `fashion-mnist/train`. */
  name: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  /** `count × height × width × channels` bytes, NHWC. */
  images: Uint8Array;
  /** `count` labels in `[0, numClasses)`. */
  labels: Uint8Array;
}

/** Raw bytes of one file plus the name used in error messages (the loaders never read files). */
export interface NamedBytes {
  file: string;
  bytes: Uint8Array;
}

/** Checks the invariants of an {@link ImageDataset}; throws a {@link DatasetError} naming `file`. */
export function validateDataset(ds: ImageDataset, file = ds.name): ImageDataset {
  const dims = [ds.count, ds.height, ds.width, ds.channels, ds.numClasses];
  if (!dims.every((d) => Number.isInteger(d) && d >= 0) || ds.height < 1 || ds.width < 1 || ds.channels < 1 || ds.numClasses < 1) {
    throw new DatasetError(
      file,
      `invalid dimensions ${JSON.stringify({ count: ds.count, height: ds.height, width: ds.width, channels: ds.channels, numClasses: ds.numClasses })}`,
    );
  }
  const expected = ds.count * ds.height * ds.width * ds.channels;
  if (ds.images.length !== expected) {
    throw new DatasetError(
      file,
      `expected ${expected} pixel bytes for ${ds.count} images of ${ds.height}×${ds.width}×${ds.channels}, found ${ds.images.length}`,
    );
  }
  if (ds.labels.length !== ds.count) {
    throw new DatasetError(file, `image and label counts differ: ${ds.count} images, ${ds.labels.length} labels`);
  }
  for (let i = 0; i < ds.labels.length; i++) {
    if (ds.labels[i]! >= ds.numClasses) {
      throw new DatasetError(file, `label ${ds.labels[i]} of item ${i} is out of range for ${ds.numClasses} classes`);
    }
  }
  return ds;
}

/** The first `n` images (or all when `n` is undefined or larger), sharing no memory with `ds`. */
export function takeFirst(ds: ImageDataset, n: number | undefined): ImageDataset {
  if (n === undefined || n >= ds.count) return ds;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`takeFirst: expected a non-negative integer, got ${n}`);
  const px = ds.height * ds.width * ds.channels;
  return { ...ds, count: n, images: ds.images.slice(0, n * px), labels: ds.labels.slice(0, n) };
}

/** Concatenates data sets of equal image shape and class count (e.g. the five CIFAR-10 batches). */
export function concatDatasets(name: string, parts: readonly ImageDataset[]): ImageDataset {
  const first = parts[0];
  if (first === undefined) throw new DatasetError(name, 'no data sets to concatenate');
  for (const p of parts) {
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels || p.numClasses !== first.numClasses) {
      throw new DatasetError(
        p.name,
        `shape ${p.height}×${p.width}×${p.channels}/${p.numClasses} classes differs from ${first.name}'s ${first.height}×${first.width}×${first.channels}/${first.numClasses}`,
      );
    }
  }
  const count = parts.reduce((s, p) => s + p.count, 0);
  const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
  const labels = new Uint8Array(count);
  let oi = 0;
  let ol = 0;
  for (const p of parts) {
    images.set(p.images, oi);
    labels.set(p.labels, ol);
    oi += p.images.length;
    ol += p.labels.length;
  }
  return { ...first, name, count, images, labels };
}
