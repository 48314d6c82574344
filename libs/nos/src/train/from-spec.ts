/**
 * Models from fuseconv network specs, through `@fuselab/fuseconv/tfjs`'s `buildModel`, and the NOS
 * student initialisation through its `transferWeights`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';
import { buildModel, transferWeights, type BuiltModel, type TapMode, type TransferResult } from '@fuselab/fuseconv/tfjs';

export type { TapMode };

export interface SpecModelOptions {
  /** Seeds every initialiser of the builder, making the initial weights deterministic. */
  seed: number;
  /** Extra outputs after the logits (default `none`); NOS needs `block` or `operator` on both models. */
  taps?: TapMode;
}

/** Builds the tfjs model of a spec with seeded initialisers (and taps for NOS). */
export function modelFromSpec(spec: NetworkSpec, options: SpecModelOptions): BuiltModel {
  return buildModel(spec, { seed: options.seed, taps: options.taps ?? 'none' });
}

/**
 * Copies the teacher's weights into the student wherever layer names, classes and shapes match
 * (stem, expansions, projections, SE, head, classifier and, for `fuse_half`, the BN after the
 * spatial stage; never a depthwise kernel into a FuSe layer).
 */
export function initializeFromTeacher(teacher: tfl.LayersModel, student: tfl.LayersModel): TransferResult {
  return transferWeights(teacher, student);
}
