/**
 * The names the pickers offer, from the libraries that define them (pure constants; the bundler
 * keeps only these arrays), so a network or variant added there shows up here.
 */
export { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
export { TIMING_MODELS } from '@fuselab/systolic-sim';
export const HARDWARE = ['auto', 'plain', 'fuse'] as const;
/** The array sizes the paper sweeps, plus non-square ones (rows x cols). */
export const ARRAYS = ['8x8', '16x16', '32x32', '64x64', '128x128', '256x256', '16x64', '64x16', '32x128'] as const;
