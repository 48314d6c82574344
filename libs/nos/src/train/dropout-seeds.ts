/**
 * The model's Dropout layers, as the places that seed them see them. tfjs-layers' Dropout draws its
 * mask from its `seed` attribute when set, so the loop seeds every Dropout layer before each step
 * from the run's Rng (a resumed run draws the same masks), and a replica thread mixes its index
 * into the loop's seeds (replicas.ts).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { isDropout } from '@fuselab/fuseconv/tfjs';

export interface SeededDropout {
  seed?: number;
}

export function dropoutLayers(model: tfl.LayersModel): SeededDropout[] {
  return model.layers.filter(isDropout) as unknown as SeededDropout[];
}
