/**
 * Stems: how fast a network downsamples its input.
 *
 * The reference networks are laid out for 224×224 ImageNet images: a stride-2 stem and four more
 * stride-2 stages reduce 224 to 7. On 28–32 px images the same five halvings leave 1×1 feature maps.
 * The common CIFAR adaptation (e.g. kuangliu/pytorch-cifar's MobileNetV2) keeps every layer and
 * channel count but removes the first two downsamplings: the stem convolution gets stride 1 and so
 * does the first stride-2 block. Parameters do not change; MACs and feature maps do (a 32×32 input
 * ends at 4×4 in all five networks instead of 1×1).
 */
import type { BlockShape } from './blocks.js';
import type { NetworkLayout } from './networks/definition.js';

/** The stems a network can be built with (the one list; the CLI and campaign specs use it). */
export const STEMS = ['imagenet', 'cifar'] as const;
export type StemName = (typeof STEMS)[number];

/** The largest input side that gets the `cifar` stem by default (see {@link defaultStem}). */
export const CIFAR_STEM_MAX_INPUT = 64;

/**
 * The stem a network gets when none is asked for: `cifar` for inputs of at most
 * {@link CIFAR_STEM_MAX_INPUT} pixels (so a small image still has a 4×4 or larger map at the last
 * stage), `imagenet` — the reference networks as published — above. The one place this rule lives.
 */
export function defaultStem(inputSize: number): StemName {
  return inputSize <= CIFAR_STEM_MAX_INPUT ? 'cifar' : 'imagenet';
}

export function isStemName(value: unknown): value is StemName {
  return typeof value === 'string' && (STEMS as readonly string[]).includes(value);
}

/** The layout with `stem` applied: unchanged for `imagenet`, the first two downsamplings removed for `cifar`. */
export function applyStem(layout: NetworkLayout, stem: StemName): NetworkLayout {
  if (stem === 'imagenet') return layout;
  const first = layout.blocks.findIndex((b) => b.stride === 2);
  const blocks = layout.blocks.map((b, i): BlockShape => (i === first ? { ...b, stride: 1 } : b));
  return { ...layout, stem: layout.stem.map((op) => ({ ...op, stride: 1 })), blocks };
}
