/**
 * A deterministic, learnable synthetic data set for fast tests: every class has a fixed random
 * low-resolution prototype pattern; an image is its class's prototype, randomly shifted by up to
 * one pixel, plus Gaussian noise. Same options and seed → same bytes.
 */
import type { ImageDataset } from './dataset.js';
import { Rng, mixSeed } from './rng.js';

export interface SyntheticOptions {
  count: number;
  /** Image height and width (default 8). */
  size?: number;
  /** Default 1. */
  channels?: number;
  /** Default 4. */
  numClasses?: number;
  seed: number;
  /** Noise standard deviation relative to the pattern contrast (default 0.25). */
  noise?: number;
  name?: string;
}

export function syntheticDataset(options: SyntheticOptions): ImageDataset {
  const { count, seed } = options;
  const size = options.size ?? 8;
  const channels = options.channels ?? 1;
  const numClasses = options.numClasses ?? 4;
  const noise = options.noise ?? 0.25;
  for (const [k, v] of Object.entries({ count, size, channels, numClasses })) {
    if (!Number.isInteger(v) || v < (k === 'count' ? 0 : 1)) throw new RangeError(`syntheticDataset: ${k} must be a positive integer, got ${v}`);
  }
  // Prototypes depend on the seed only, not on count, so train and test sets share them.
  const protoRng = Rng.fromSeed(mixSeed(seed, 0x70726f74));
  const cell = Math.max(1, Math.floor(size / 4));
  const protos: Float32Array[] = [];
  for (let c = 0; c < numClasses; c++) {
    const low = Array.from({ length: Math.ceil(size / cell) ** 2 * channels }, () => (protoRng.float() < 0.5 ? 0 : 1));
    const p = new Float32Array(size * size * channels);
    const lw = Math.ceil(size / cell);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let ch = 0; ch < channels; ch++) {
          p[(y * size + x) * channels + ch] = low[(Math.floor(y / cell) * lw + Math.floor(x / cell)) * channels + ch]!;
        }
      }
    }
    protos.push(p);
  }
  const rng = Rng.fromSeed(mixSeed(seed, count, 0x73796e74));
  const px = size * size * channels;
  const images = new Uint8Array(count * px);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = rng.int(numClasses);
    labels[i] = label;
    const proto = protos[label]!;
    const dy = rng.intBetween(-1, 1);
    const dx = rng.intBetween(-1, 1);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sy = Math.min(size - 1, Math.max(0, y + dy));
        const sx = Math.min(size - 1, Math.max(0, x + dx));
        for (let ch = 0; ch < channels; ch++) {
          const v = 0.2 + 0.6 * proto[(sy * size + sx) * channels + ch]! + noise * 0.6 * rng.normal();
          images[i * px + (y * size + x) * channels + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  }
  return { name: options.name ?? `synthetic-${seed}`, count, height: size, width: size, channels, numClasses, images, labels };
}
