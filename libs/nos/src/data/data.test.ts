import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import {
  DatasetError,
  FASHION_MNIST_CLASSES,
  MNIST_FILES,
  Rng,
  encodeCifarBatch,
  encodeIdx,
  loadIdxDataset,
  makeBatch,
  parseCifarBatch,
  parseIdx,
  shuffledIndices,
  syntheticDataset,
  type ImageDataset,
} from './index.js';

const FMNIST = '/usr/share/datasets/fashion-mnist';

async function expectDatasetError(p: Promise<unknown> | (() => unknown), file: string, pattern: RegExp): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetError);
  const de = err as DatasetError;
  expect(de.file).toBe(file);
  expect(de.message).toContain(file);
  expect(de.problem).toMatch(pattern);
}

function tinyIdx(n = 3, h = 4, w = 5): { images: Uint8Array; labels: Uint8Array } {
  const px = new Uint8Array(n * h * w).map((_, i) => (i * 7) % 256);
  return {
    images: encodeIdx([n, h, w], px),
    labels: encodeIdx(
      [n],
      new Uint8Array(n).map((_, i) => i % 10),
    ),
  };
}

/**
 * Debian's dataset-fashion-mnist provides the real files. CI's set-up installs it, so there (CI=true)
 * a missing file fails the test; elsewhere the test is skipped, saying what to install.
 */
function requireFashionMnist(skip: (condition: boolean, note?: string) => void): void {
  const missing = [MNIST_FILES.test.images, MNIST_FILES.test.labels].map((f) => `${FMNIST}/${f}`).filter((f) => !existsSync(f));
  if (missing.length === 0) return;
  const what = `${missing.join(' and ')} missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`;
  if (process.env['CI'] === 'true') throw new Error(`CI: ${what}`);
  console.warn(`skipped: ${what}`);
  skip(true, what);
}

describe('IDX loader', () => {
  it('parses plain and gzip IDX bytes identically', async () => {
    const { images, labels } = tinyIdx();
    const plain = await loadIdxDataset({ images: { file: 'i.idx', bytes: images }, labels: { file: 'l.idx', bytes: labels } });
    const gz = await loadIdxDataset({
      images: { file: 'i.gz', bytes: gzipSync(images) },
      labels: { file: 'l.gz', bytes: gzipSync(labels) },
    });
    expect(plain).toMatchObject({ count: 3, height: 4, width: 5, channels: 1, numClasses: 10 });
    expect(Array.from(plain.labels)).toEqual([0, 1, 2]);
    expect(plain.images[7]).toBe(49);
    expect(gz.images).toEqual(plain.images);
    expect(gz.labels).toEqual(plain.labels);
  });

  it('loads the real Fashion-MNIST test set', async ({ skip }) => {
    requireFashionMnist(skip);
    const read = (f: string) => ({ file: `${FMNIST}/${f}`, bytes: new Uint8Array(readFileSync(`${FMNIST}/${f}`)) });
    const ds = await loadIdxDataset({
      images: read(MNIST_FILES.test.images),
      labels: read(MNIST_FILES.test.labels),
      name: 'fashion-mnist/test',
    });
    expect(ds).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1, numClasses: 10 });
    const counts = new Array(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    expect(FASHION_MNIST_CLASSES[ds.labels[0]!]).toBe('Ankle boot');
  });

  it('rejects a wrong magic number', async () => {
    const { images, labels } = tinyIdx();
    const bad = images.slice();
    bad[0] = 0x12;
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'bad-magic', bytes: bad }, labels: { file: 'l', bytes: labels } }),
      'bad-magic',
      /wrong magic number 12 00 08 03/,
    );
    // An image file given as labels: valid IDX, wrong shape.
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'i', bytes: images }, labels: { file: 'swapped', bytes: images } }),
      'swapped',
      /expected uint8 labels of 1 dimension/,
    );
  });

  it('rejects truncated data, a truncated header and trailing bytes', async () => {
    const { images, labels } = tinyIdx();
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'short', bytes: images.subarray(0, images.length - 1) }, labels: { file: 'l', bytes: labels } }),
      'short',
      /truncated: dimensions \[3, 4, 5\] need 60 data bytes, file has 59/,
    );
    expect(() => parseIdx(images.subarray(0, 9), 'hdr')).toThrow(/hdr: truncated: header of 3 dimensions needs 16 bytes/);
    expect(() => parseIdx(new Uint8Array([0, 0]), 'tiny')).toThrow(DatasetError);
    const long = new Uint8Array(labels.length + 2);
    long.set(labels);
    expect(() => parseIdx(long, 'long')).toThrow(/long: corrupt: 2 bytes after the data/);
  });

  it('rejects corrupt and truncated gzip', async () => {
    const { images, labels } = tinyIdx(50, 10, 10);
    const gz = gzipSync(images);
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'cut.gz', bytes: gz.subarray(0, gz.length - 20) }, labels: { file: 'l', bytes: labels } }),
      'cut.gz',
      /corrupt or truncated gzip/,
    );
    const corrupt = gz.slice();
    for (let i = 12; i < corrupt.length - 8; i++) corrupt[i] = corrupt[i]! ^ 0x5a;
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'garbled.gz', bytes: corrupt }, labels: { file: 'l', bytes: labels } }),
      'garbled.gz',
      /corrupt or truncated gzip/,
    );
  });

  it('rejects mismatched image and label counts, and out-of-range labels', async () => {
    const { images } = tinyIdx(3);
    const labels4 = encodeIdx([4], new Uint8Array(4));
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'imgs', bytes: images }, labels: { file: 'labs', bytes: labels4 } }),
      'labs',
      /counts differ: 4 labels here, 3 images in imgs/,
    );
    const badLabel = encodeIdx([3], new Uint8Array([0, 12, 1]));
    await expectDatasetError(
      loadIdxDataset({ images: { file: 'imgs', bytes: images }, labels: { file: 'labs', bytes: badLabel } }),
      'labs',
      /label 12 of item 1 is out of range for 10 classes/,
    );
  });
});

describe('CIFAR loader', () => {
  const make = (n: number): ImageDataset => {
    const images = new Uint8Array(n * 3072).map((_, i) => (i * 31 + (i >> 10)) % 256);
    return {
      name: 'gen',
      count: n,
      height: 32,
      width: 32,
      channels: 3,
      numClasses: 10,
      images,
      labels: new Uint8Array(n).map((_, i) => (i * 3) % 10),
    };
  };

  it('round-trips a generated CIFAR-10 batch, planar → NHWC', async () => {
    const ds = make(5);
    const bytes = encodeCifarBatch(ds, 'cifar10');
    expect(bytes.length).toBe(5 * 3073);
    // Record 1: label then the red plane: pixel (0,0) red is the first byte after the label.
    expect(bytes[3073]).toBe(3);
    expect(bytes[3074]).toBe(ds.images[3072]);
    expect(bytes[3074 + 1024]).toBe(ds.images[3072 + 1]); // green of pixel 0
    const back = await parseCifarBatch({ file: 'data_batch_1.bin', bytes }, { kind: 'cifar10' });
    expect(back).toMatchObject({ count: 5, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(back.images).toEqual(ds.images);
    expect(back.labels).toEqual(ds.labels);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const ds = { ...make(3), numClasses: 100, labels: new Uint8Array([99, 5, 42]) };
    const bytes = encodeCifarBatch(ds, 'cifar100', new Uint8Array([19, 1, 7]));
    const fine = await parseCifarBatch({ file: 'train.bin', bytes }, { kind: 'cifar100' });
    const coarse = await parseCifarBatch({ file: 'train.bin', bytes }, { kind: 'cifar100', label: 'coarse' });
    expect(Array.from(fine.labels)).toEqual([99, 5, 42]);
    expect(fine.numClasses).toBe(100);
    expect(Array.from(coarse.labels)).toEqual([19, 1, 7]);
    expect(coarse.numClasses).toBe(20);
  });

  it('rejects truncated batches, empty files and out-of-range labels', async () => {
    const bytes = encodeCifarBatch(make(2), 'cifar10');
    await expectDatasetError(
      parseCifarBatch({ file: 'cut.bin', bytes: bytes.subarray(0, bytes.length - 100) }, { kind: 'cifar10' }),
      'cut.bin',
      /not a whole number of cifar10 records of 3073 bytes \(1 whole records and 2973 bytes left over\)/,
    );
    await expectDatasetError(
      parseCifarBatch({ file: 'empty.bin', bytes: new Uint8Array(0) }, { kind: 'cifar10' }),
      'empty.bin',
      /empty file/,
    );
    const bad = bytes.slice();
    bad[3073] = 200;
    await expectDatasetError(parseCifarBatch({ file: 'bad.bin', bytes: bad }, { kind: 'cifar10' }), 'bad.bin', /record 1 has label 200/);
    // A CIFAR-100 batch (3074-byte records) read as CIFAR-10.
    const c100 = encodeCifarBatch({ ...make(2), numClasses: 100 }, 'cifar100');
    await expectDatasetError(parseCifarBatch({ file: 'c100.bin', bytes: c100 }, { kind: 'cifar10' }), 'c100.bin', /not a whole number/);
  });
});

describe('rng, shuffling, synthetic data and augmentation', () => {
  it('Rng is deterministic and its state round-trips', () => {
    const a = Rng.fromSeed(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    const b = Rng.fromSeed(42);
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    expect(Rng.fromSeed(43).nextUint32()).not.toBe(first[0]);
    const saved = a.getState();
    const cont = Array.from({ length: 10 }, () => a.float());
    const restored = Rng.fromState(JSON.parse(JSON.stringify(saved)));
    expect(Array.from({ length: 10 }, () => restored.float())).toEqual(cont);
    const floats = Array.from({ length: 1000 }, () => b.float());
    expect(Math.min(...floats)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...floats)).toBeLessThan(1);
    expect(Math.abs(floats.reduce((s, v) => s + v, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });

  it('seeded shuffling is a permutation, reproducible, and seed-dependent', () => {
    const p1 = shuffledIndices(100, Rng.fromSeed(7));
    const p2 = shuffledIndices(100, Rng.fromSeed(7));
    const p3 = shuffledIndices(100, Rng.fromSeed(8));
    expect(p1).toEqual(p2);
    expect(p1).not.toEqual(p3);
    expect(Array.from(p1).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('the synthetic set is deterministic and class-dependent', () => {
    const a = syntheticDataset({ count: 64, seed: 3 });
    const b = syntheticDataset({ count: 64, seed: 3 });
    expect(a.images).toEqual(b.images);
    expect(a.labels).toEqual(b.labels);
    expect(syntheticDataset({ count: 64, seed: 4 }).images).not.toEqual(a.images);
    // Classes are gratings: the direction with the least gradient energy is the stripe direction.
    const test = syntheticDataset({ count: 100, seed: 3 });
    const dirs: Array<[number, number]> = [
      [0, 1],
      [-1, 1],
      [1, 0],
      [1, 1],
    ]; // along the stripes of class 0..3
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const at = (x: number, y: number) => test.images[i * 64 + y * 8 + x]!;
      const energy = dirs.map(([dx, dy]) => {
        let e = 0;
        for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) e += (at(x + dx, y + dy) - at(x, y)) ** 2;
        return e;
      });
      if (energy.indexOf(Math.min(...energy)) === test.labels[i]) correct++;
    }
    expect(correct).toBeGreaterThan(80);
  });

  it('makeBatch normalises, replicates channels, and augments reproducibly', () => {
    const ds: ImageDataset = {
      name: 'd',
      count: 1,
      height: 2,
      width: 3,
      channels: 1,
      numClasses: 2,
      images: new Uint8Array([0, 51, 102, 153, 204, 255]),
      labels: new Uint8Array([1]),
    };
    const plain = makeBatch(ds, [0], { channels: 3 });
    expect(plain.y).toEqual(new Int32Array([1]));
    expect(plain.x.length).toBe(18);
    expect(plain.x[0]).toBeCloseTo(-1);
    expect(plain.x[2]).toBeCloseTo(-1);
    expect(plain.x[3]).toBeCloseTo(-0.6);
    expect(plain.x[17]).toBeCloseTo(1);
    // Flip only: each image is either identical or mirrored.
    const big = syntheticDataset({ count: 16, size: 8, seed: 1 });
    const ref = makeBatch(
      big,
      Array.from({ length: 16 }, (_, i) => i),
    );
    const flipped = makeBatch(
      big,
      Array.from({ length: 16 }, (_, i) => i),
      { augment: { horizontalFlip: true }, rng: Rng.fromSeed(5) },
    );
    let mirrored = 0;
    for (let b = 0; b < 16; b++) {
      const row = (arr: Float32Array, y: number) => Array.from(arr.subarray(b * 64 + y * 8, b * 64 + y * 8 + 8));
      const same = row(flipped.x, 3).join() === row(ref.x, 3).join();
      if (!same) {
        mirrored++;
        expect(row(flipped.x, 3)).toEqual(row(ref.x, 3).reverse());
      }
    }
    expect(mirrored).toBeGreaterThan(2);
    expect(mirrored).toBeLessThan(14);
    // Crop + flip: same rng state → same batch; different state → different batch; padding is -1.
    const opts = { augment: { cropPadding: 2, horizontalFlip: true } };
    const r1 = Rng.fromSeed(9);
    const saved = r1.getState();
    const a = makeBatch(big, [0, 1, 2, 3], { ...opts, rng: r1 });
    const b = makeBatch(big, [0, 1, 2, 3], { ...opts, rng: Rng.fromState(saved) });
    const c = makeBatch(big, [0, 1, 2, 3], { ...opts, rng: r1 });
    expect(a.x).toEqual(b.x);
    expect(a.x).not.toEqual(c.x);
    expect(Array.from(a.x).filter((v) => v === -1).length).toBeGreaterThan(0);
  });
});
