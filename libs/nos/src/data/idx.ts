/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed, parsed from bytes.
 *
 * Layout: two zero bytes, a type code, the number of dimensions, one big-endian uint32 per
 * dimension, then the data in row-major order.
 */
import { type ImageDataset, type NamedBytes, validateDataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { gunzipIfNeeded } from './gzip.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

export interface IdxArray {
  type: IdxType;
  dims: number[];
  /** The data bytes (big-endian for multi-byte types), a view into the decompressed buffer. */
  data: Uint8Array;
}

const hex = (b: Uint8Array, n: number): string => Array.from(b.subarray(0, n), (v) => v.toString(16).padStart(2, '0')).join(' ');

/** Parses uncompressed IDX bytes. Every inconsistency is a {@link DatasetError} naming `file`. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(file, `truncated: ${bytes.length} bytes, too short for an IDX header`);
  const code = bytes[2]!;
  const ndims = bytes[3]!;
  const t = TYPES[code];
  if (bytes[0] !== 0 || bytes[1] !== 0 || t === undefined || ndims === 0) {
    throw new DatasetError(
      file,
      `wrong magic number ${hex(bytes, 4)}: not an IDX file (expected 00 00 <type 08|09|0b|0c|0d|0e> <dimensions>)`,
    );
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header)
    throw new DatasetError(file, `truncated: header of ${ndims} dimensions needs ${header} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1) * t.size;
  const found = bytes.length - header;
  if (found < expected) {
    throw new DatasetError(file, `truncated: dimensions [${dims.join(', ')}] need ${expected} data bytes, file has ${found}`);
  }
  if (found > expected) {
    throw new DatasetError(file, `corrupt: ${found - expected} bytes after the data of dimensions [${dims.join(', ')}]`);
  }
  return { type: t.type, dims, data: bytes.subarray(header) };
}

/** Decompresses (if gzip) and parses an IDX file. */
export async function loadIdx(input: NamedBytes): Promise<IdxArray> {
  return parseIdx(await gunzipIfNeeded(input.bytes, input.file), input.file);
}

export interface IdxDatasetInput {
  images: NamedBytes;
  labels: NamedBytes;
  /** Data set name for results (default: the images file name). */
  name?: string;
  /** Number of classes (default 10, as in MNIST and Fashion-MNIST). */
  numClasses?: number;
}

/**
 * An image data set from an IDX image file (uint8, N×H×W or N×H×W×C) and an IDX label file
 * (uint8, N), each plain or gzip.
 */
export async function loadIdxDataset(input: IdxDatasetInput): Promise<ImageDataset> {
  const [images, labels] = await Promise.all([loadIdx(input.images), loadIdx(input.labels)]);
  if (images.type !== 'uint8' || (images.dims.length !== 3 && images.dims.length !== 4)) {
    throw new DatasetError(
      input.images.file,
      `expected uint8 images of 3 or 4 dimensions (magic 00 00 08 03), found ${images.type} with ${images.dims.length} dimensions`,
    );
  }
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new DatasetError(
      input.labels.file,
      `expected uint8 labels of 1 dimension (magic 00 00 08 01), found ${labels.type} with ${labels.dims.length} dimensions`,
    );
  }
  const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== n) {
    throw new DatasetError(
      input.labels.file,
      `image and label counts differ: ${labels.dims[0]} labels here, ${n} images in ${input.images.file}`,
    );
  }
  const numClasses = input.numClasses ?? 10;
  return validateDataset(
    {
      name: input.name ?? input.images.file,
      count: n,
      height: h,
      width: w,
      channels: c,
      numClasses,
      images: images.data,
      labels: labels.data,
    },
    input.labels.file,
  );
}

/** Encodes a uint8 array as an IDX file (for tests and for writing subsets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/** File names of the Fashion-MNIST (and MNIST) distribution. */
export const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
} as const;

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
