/** Helpers shared by the reference-fixture tests (not built into the package). */
import { expect } from 'vitest';
import type { NetworkLayer } from './topology-export.js';

/** One Conv2d/Linear call as tools/reference/dump_*.py record it. */
export interface ReferenceLayer {
  name: string;
  type: 'conv' | 'linear';
  in_hw: [number, number];
  out_hw: [number, number];
  in_channels: number;
  out_channels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  groups: number;
  bias: boolean;
  macs: number;
}

/** The reference layer as our topology should describe it. */
export function expectedLayer(layer: ReferenceLayer): Record<string, unknown> {
  if (layer.type === 'linear') return { name: layer.name, kind: 'gemm', m: 1, k: layer.in_channels, n: layer.out_channels };
  const [kh, kw] = layer.kernel;
  let kind: string;
  if (layer.groups === 1) kind = kh === 1 && kw === 1 ? 'pointwise' : 'conv';
  else {
    expect(layer.groups).toBe(layer.in_channels);
    expect(layer.groups).toBe(layer.out_channels);
    kind = kh === 1 || kw === 1 ? 'depthwise1d' : 'depthwise';
  }
  return {
    name: layer.name,
    kind,
    ifmapH: layer.in_hw[0],
    ifmapW: layer.in_hw[1],
    kernelH: kh,
    kernelW: kw,
    channels: layer.in_channels,
    filters: layer.out_channels,
    strideH: layer.stride[0],
    strideW: layer.stride[1],
    padH: layer.padding[0],
    padW: layer.padding[1],
  };
}

export function plain(layer: NetworkLayer): Record<string, unknown> {
  const { block: _block, role: _role, ...rest } = layer;
  return rest;
}
