/**
 * Models from fuseconv network specs, through `@fuselab/fuseconv/tfjs`'s `buildModel`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';

export type TapMode = 'none' | 'block' | 'operator';

export interface SpecModelOptions {
  /** Seeds every initialiser of the builder, making the initial weights deterministic. */
  seed: number;
  /** Extra outputs for NOS (default `none`). */
  taps?: TapMode;
}

export interface SpecModel {
  model: tfl.LayersModel;
  spec: NetworkSpec;
  /** Number of tap outputs after the logits. */
  taps: number;
}

interface FuseconvTfjs {
  buildModel(spec: NetworkSpec, options: { taps?: TapMode; seed?: number }): { model: tfl.LayersModel; taps: unknown[] };
  transferWeights(teacher: tfl.LayersModel, student: tfl.LayersModel): unknown;
}

const FUSECONV_TFJS = '@fuselab/fuseconv/tfjs';

async function fuseconvTfjs(): Promise<FuseconvTfjs> {
  return (await import(FUSECONV_TFJS)) as FuseconvTfjs;
}

/** Builds the tfjs model of a spec with seeded initialisers (and taps for NOS). */
export async function modelFromSpec(spec: NetworkSpec, options: SpecModelOptions): Promise<SpecModel> {
  const tfjs = await fuseconvTfjs();
  const built = tfjs.buildModel(spec, { seed: options.seed, taps: options.taps ?? 'none' });
  return { model: built.model, spec, taps: built.taps.length };
}

/**
 * Copies the teacher's weights into the student wherever layer names and shapes match (the NOS
 * student initialisation), via fuseconv's `transferWeights`; returns its report.
 */
export async function initializeFromTeacher(teacher: tfl.LayersModel, student: tfl.LayersModel): Promise<unknown> {
  return (await fuseconvTfjs()).transferWeights(teacher, student);
}
