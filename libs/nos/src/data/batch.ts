/**
 * Turning data-set items into float batches: normalisation, channel replication, and seeded
 * augmentation (random crop with zero padding, horizontal flip).
 */
import type { ImageDataset } from './dataset.js';
import type { Rng } from './rng.js';

export interface AugmentOptions {
  /** Random crop: pad by this many zero pixels on each side, then crop back at a random offset. 0 = off. */
  cropPadding?: number;
  /** Mirror left–right with probability ½. */
  horizontalFlip?: boolean;
}

export interface BatchOptions {
  /** Channels the model expects; a 1-channel data set is replicated to it (default: the data set's). */
  channels?: number;
  /** Per-channel mean and std after scaling pixels to [0, 1] (default 0.5 and 0.5, giving [-1, 1]). */
  mean?: number | readonly number[];
  std?: number | readonly number[];
  /** Augmentation; needs `rng`. */
  augment?: AugmentOptions;
  rng?: Rng;
}

export interface Batch {
  /** `n × height × width × channels` floats, NHWC. */
  x: Float32Array;
  /** `n` integer labels. */
  y: Int32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

const perChannel = (v: number | readonly number[] | undefined, fallback: number, ch: number): number =>
  v === undefined ? fallback : typeof v === 'number' ? v : (v[ch % Math.max(1, v.length)] ?? fallback);

/**
 * Builds a batch from the items `indices` of `ds`. With augmentation the rng draws, per image in
 * order: the vertical offset, the horizontal offset (if cropping), then the flip (if flipping), so
 * the same rng state gives the same batch.
 */
export function makeBatch(ds: ImageDataset, indices: ArrayLike<number>, options: BatchOptions = {}): Batch {
  const { height: h, width: w, channels: dc } = ds;
  const c = options.channels ?? dc;
  if (c !== dc && dc !== 1) throw new RangeError(`makeBatch: cannot map ${dc} data channels to ${c} model channels`);
  const pad = options.augment?.cropPadding ?? 0;
  const flip = options.augment?.horizontalFlip ?? false;
  if ((pad > 0 || flip) && options.rng === undefined) throw new RangeError('makeBatch: augmentation needs an rng');
  const n = indices.length;
  const x = new Float32Array(n * h * w * c);
  const y = new Int32Array(n);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    const m = perChannel(options.mean, 0.5, ch);
    const s = perChannel(options.std, 0.5, ch);
    scale[ch] = 1 / (255 * s);
    shift[ch] = -m / s;
  }
  const px = h * w * dc;
  for (let b = 0; b < n; b++) {
    const item = indices[b]!;
    if (!(item >= 0 && item < ds.count)) throw new RangeError(`makeBatch: index ${item} out of range for ${ds.count} items`);
    y[b] = ds.labels[item]!;
    let dy = 0;
    let dx = 0;
    let mirror = false;
    if (pad > 0) {
      dy = options.rng!.intBetween(-pad, pad);
      dx = options.rng!.intBetween(-pad, pad);
    }
    if (flip) mirror = options.rng!.float() < 0.5;
    const src = item * px;
    const dst = b * h * w * c;
    for (let yy = 0; yy < h; yy++) {
      const sy = yy + dy;
      for (let xx = 0; xx < w; xx++) {
        const ox = mirror ? w - 1 - xx : xx;
        const sx = ox + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let ch = 0; ch < c; ch++) {
          const v = inside ? ds.images[src + (sy * w + sx) * dc + (dc === 1 ? 0 : ch)]! : 0;
          x[dst + (yy * w + xx) * c + ch] = v * scale[ch]! + shift[ch]!;
        }
      }
    }
  }
  return { x, y, n, height: h, width: w, channels: c };
}
