/**
 * The FuSeConv paper's published figures (DATE 2021 paper and its public repository), transcribed
 * from the paper's tables: ImageNet top-1 accuracy (%), FLOPs (M) as the authors' counter
 * reported them (it includes some element-wise work), parameters (M), and the speed-up over the
 * baseline network on a 64×64 systolic array.
 */
import type { NetworkName, VariantName } from '@fuselab/fuseconv';

export interface PublishedFigures {
  accuracy: number;
  flopsM: number;
  paramsM: number;
  speedup: number;
}

type Row = [VariantName, number, number, number, number];

const rows: Record<NetworkName, Row[]> = {
  mobilenet_v1: [
    ['baseline', 70.6, 589, 4.23, 1],
    ['fuse_full', 72.86, 1122, 7.36, 4.1],
    ['fuse_half', 72.0, 573, 4.2, 6.76],
    ['fuse_full_50', 72.42, 764, 4.35, 2.3],
    ['fuse_half_50', 71.77, 578, 4.22, 2.36],
  ],
  mobilenet_v2: [
    ['baseline', 72.0, 315, 3.5, 1],
    ['fuse_full', 72.49, 430, 4.46, 5.1],
    ['fuse_half', 70.8, 300, 3.46, 7.23],
    ['fuse_full_50', 72.11, 361, 3.61, 2.0],
    ['fuse_half_50', 71.98, 305, 3.49, 2.1],
  ],
  mnasnet_b1: [
    ['baseline', 73.5, 325, 4.38, 1],
    ['fuse_full', 73.16, 440, 5.66, 5.06],
    ['fuse_half', 71.48, 305, 4.25, 7.15],
    ['fuse_full_50', 73.52, 361, 4.47, 1.88],
    ['fuse_half_50', 72.61, 312, 4.35, 1.97],
  ],
  mobilenet_v3_small: [
    ['baseline', 67.4, 66, 2.93, 1],
    ['fuse_full', 67.17, 84, 4.44, 3.02],
    ['fuse_half', 64.55, 61, 2.89, 4.16],
    ['fuse_full_50', 67.91, 73, 3.18, 1.6],
    ['fuse_half_50', 66.9, 63, 2.92, 1.68],
  ],
  mobilenet_v3_large: [
    ['baseline', 75.2, 238, 5.47, 1],
    ['fuse_full', 74.4, 322, 10.57, 3.61],
    ['fuse_half', 73.02, 225, 5.4, 5.45],
    ['fuse_full_50', 74.5, 264, 5.57, 1.76],
    ['fuse_half_50', 73.8, 230, 5.46, 1.83],
  ],
};

/** The array the published speed-ups were measured on. */
export const PUBLISHED_ARRAY = { rows: 64, cols: 64 } as const;

export function publishedFigures(network: NetworkName, variant: VariantName): PublishedFigures | undefined {
  const row = rows[network].find(([name]) => name === variant);
  if (!row) return undefined;
  const [, accuracy, flopsM, paramsM, speedup] = row;
  return { accuracy, flopsM, paramsM, speedup };
}
