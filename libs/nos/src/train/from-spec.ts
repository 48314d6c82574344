/**
 * Models from fuseconv network specs, through `@fuselab/fuseconv/tfjs`'s `buildModel`, and the NOS
 * student initialisation through its `transferWeights`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';
import { buildModel, transferWeights, type BuiltModel, type InitScheme, type TapMode, type TransferResult } from '@fuselab/fuseconv/tfjs';

export type { InitScheme, TapMode };

/**
 * The initialisation `train` gives models it builds from a spec: PyTorch's nn.Conv2d / nn.Linear
 * defaults. At `fuselab train`'s recipe (SGD 0.05, momentum 0.9, cosine, one short epoch) they
 * train better than the reference's Kaiming-normal fan-out, whose depthwise and FuSe kernels
 * start √(channels) times smaller — with the BatchNorm that follows, a far larger effective
 * learning rate for them (libs/nos README, "Parity with PyTorch").
 */
export const DEFAULT_INIT: InitScheme = 'pytorch';

export interface SpecModelOptions {
  /** Seeds every initialiser of the builder, making the initial weights deterministic. */
  seed: number;
  /** Extra outputs after the logits (default `none`); NOS needs `block` or `operator` on both models. */
  taps?: TapMode;
  /** Which PyTorch initialisation to reproduce (default {@link DEFAULT_INIT}). */
  init?: InitScheme;
}

/**
 * The taps NOS matches between a student of this spec and its depthwise teacher: each block's
 * spatial-stage output (`operator`) when every FuSe block is FuSe-half (its 1×K and K×1 halves give
 * the depthwise stage's C channels), else the block outputs (`block`): a FuSe-full stage outputs 2C
 * channels, which no depthwise stage matches (training would stop at "NOS tap 0: student shape … differs").
 */
export function nosTapMode(student: NetworkSpec): Exclude<TapMode, 'none'> {
  return student.operators.includes('fuse_full') ? 'block' : 'operator';
}

/** Builds the tfjs model of a spec with seeded initialisers (and taps for NOS). */
export function modelFromSpec(spec: NetworkSpec, options: SpecModelOptions): BuiltModel {
  return buildModel(spec, { seed: options.seed, taps: options.taps ?? 'none', init: options.init ?? DEFAULT_INIT });
}

/** Where a NOS student's FuSe kernels start: their own seeded initialisation, or the teacher's depthwise kernels. */
export const FUSE_INITS = ['seeded', 'depthwise'] as const;
export type FuseInit = (typeof FUSE_INITS)[number];

/**
 * NOS students start their FuSe kernels from the teacher's depthwise kernels: on CIFAR-10 (libs/nos
 * README, "A stronger teacher, and FuSe kernels from the teacher's") that is worth +1.5 points with a
 * 39 % teacher and +8.6 with a 50 % one over seeded kernels, which gain nothing from the better teacher.
 */
export const DEFAULT_FUSE_INIT: FuseInit = 'depthwise';

/**
 * Copies the teacher's weights into the student wherever layer names, classes and shapes match
 * (stem, expansions, projections, SE, head, classifier and, for `fuse_half`, the BN after the
 * spatial stage). The FuSe kernels start from the teacher's depthwise kernels (`'depthwise'`, the
 * default: centre row and column, fuseconv's `scaffoldStage`, which for FuSe-full also sets the
 * spatial BN and the projection) or keep their own seeded initialisation (`'seeded'`).
 */
export function initializeFromTeacher(
  teacher: tfl.LayersModel,
  student: tfl.LayersModel,
  fuseInit: FuseInit = DEFAULT_FUSE_INIT,
): TransferResult {
  return transferWeights(teacher, student, { scaffold: fuseInit === 'depthwise' });
}
