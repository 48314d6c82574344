/**
 * The published parameter counts (DATE 2021 paper, params in M; also transcribed in
 * apps/orchestrator/src/reports/published.ts) against ours. The paper's figures are our exact PyTorch counts *truncated* to two decimals (rounding
 * would differ by 0.01 in 13 of the 25 rows, e.g. MobileNetV1 fuse_full 7,366,600 → paper 7.36).
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork } from './build.js';
import { countParams } from './counting.js';
import type { NetworkName, VariantName } from './types.js';

const PUBLISHED_PARAMS_M: Record<NetworkName, Record<VariantName, number>> = {
  mobilenet_v1: { baseline: 4.23, fuse_full: 7.36, fuse_half: 4.2, fuse_full_50: 4.35, fuse_half_50: 4.22 },
  mobilenet_v2: { baseline: 3.5, fuse_full: 4.46, fuse_half: 3.46, fuse_full_50: 3.61, fuse_half_50: 3.49 },
  mnasnet_b1: { baseline: 4.38, fuse_full: 5.66, fuse_half: 4.25, fuse_full_50: 4.47, fuse_half_50: 4.35 },
  mobilenet_v3_small: { baseline: 2.93, fuse_full: 4.44, fuse_half: 2.89, fuse_full_50: 3.18, fuse_half_50: 2.92 },
  mobilenet_v3_large: { baseline: 5.47, fuse_full: 10.57, fuse_half: 5.4, fuse_full_50: 5.57, fuse_half_50: 5.46 },
};

const rows = Object.entries(PUBLISHED_PARAMS_M).flatMap(([network, variants]) =>
  Object.entries(variants).map(([variant, m]) => [network as NetworkName, variant as VariantName, m] as const),
);

describe('published parameter counts', () => {
  it.each(rows)('%s %s: %s M', (network, variant, published) => {
    const params = countParams(buildNetwork({ network, variant }));
    expect(Math.floor(params / 1e4) / 100).toBe(published);
  });
});
