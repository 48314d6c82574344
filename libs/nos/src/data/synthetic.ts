/**
 * A deterministic, learnable synthetic data set for fast tests: class k is a sinusoidal grating
 * with orientation (k mod 4)·45° and period 4 + 2·⌊k / 4⌋ pixels, at a random phase, plus Gaussian
 * noise. Being translation-invariant textures, the classes are learnable by small convnets with
 * global pooling. Same options and seed → same bytes.
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
    if (!Number.isInteger(v) || v < (k === 'count' ? 0 : 1))
      throw new RangeError(`syntheticDataset: ${k} must be a positive integer, got ${v}`);
  }
  const rng = Rng.fromSeed(mixSeed(seed, count, 0x73796e74));
  const px = size * size * channels;
  const images = new Uint8Array(count * px);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = rng.int(numClasses);
    labels[i] = label;
    const theta = (Math.PI * (label % 4)) / 4;
    const period = 4 + 2 * Math.floor(label / 4);
    const kx = (2 * Math.PI * Math.cos(theta)) / period;
    const ky = (2 * Math.PI * Math.sin(theta)) / period;
    const phase = 2 * Math.PI * rng.float();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let ch = 0; ch < channels; ch++) {
          const v = 0.5 + 0.35 * Math.cos(kx * x + ky * y + phase) + noise * 0.35 * rng.normal();
          images[i * px + (y * size + x) * channels + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  }
  return { name: options.name ?? `synthetic-${seed}`, count, height: size, width: size, channels, numClasses, images, labels };
}
