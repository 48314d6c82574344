/**
 * Export of a spec to a systolic-sim topology: the Conv2d/Linear calls of the reference forward
 * pass, in order, so that a simulator hooking every layer (as the reference analytical latency
 * model does) sees exactly the reference's layers.
 */
import type { ConvLayer, GemmLayer, Layer, LayerKind } from '@fuselab/systolic-sim';
import { listModules, type ConvModule, type ModuleRole } from './module-list.js';
import type { NetworkSpec } from './types.js';

/** Where a topology layer comes from in the network. */
export interface LayerOrigin {
  /** Index of the searchable block, `null` for stem and head layers. */
  block: number | null;
  role: ModuleRole;
}

export type NetworkConvLayer = ConvLayer & LayerOrigin;
export type NetworkGemmLayer = GemmLayer & LayerOrigin;
/** A topology layer that also says which block it belongs to. Assignable to systolic-sim's `Layer`. */
export type NetworkLayer = NetworkConvLayer | NetworkGemmLayer;

/** The systolic-sim kind of a convolution module. */
export function convKind(m: Pick<ConvModule, 'groups' | 'inChannels' | 'outChannels' | 'kernelH' | 'kernelW'>): Exclude<LayerKind, 'gemm'> {
  if (m.groups === 1) return m.kernelH === 1 && m.kernelW === 1 ? 'pointwise' : 'conv';
  if (m.groups === m.inChannels && m.groups === m.outChannels) {
    return m.kernelH === 1 || m.kernelW === 1 ? 'depthwise1d' : 'depthwise';
  }
  throw new Error(`grouped convolution (${m.groups} groups) has no systolic-sim kind`);
}

/**
 * The topology of a spec: every Conv2d/Linear call in forward order, with unpadded input sizes and
 * PyTorch padding. Linear layers become GEMMs with m = 1 (batch 1), k = input and n = output
 * features. Each layer carries its block index and role.
 */
export function toTopology(spec: NetworkSpec): NetworkLayer[] {
  return listModules(spec)
    .filter((m) => m.called)
    .map((m): NetworkLayer => {
      const origin: LayerOrigin = { block: m.block, role: m.role };
      if (m.op === 'linear') {
        return { name: m.name, kind: 'gemm', m: 1, k: m.inFeatures, n: m.outFeatures, ...origin };
      }
      return {
        name: m.name,
        kind: convKind(m),
        ifmapH: m.inputH,
        ifmapW: m.inputW,
        kernelH: m.kernelH,
        kernelW: m.kernelW,
        channels: m.inChannels,
        filters: m.outChannels,
        strideH: m.strideH,
        strideW: m.strideW,
        padH: m.padH,
        padW: m.padW,
        ...origin,
      };
    });
}

/** Strips the origin fields, leaving plain systolic-sim layers (e.g. for serialisation). */
export function plainTopology(layers: readonly NetworkLayer[]): Layer[] {
  return layers.map((layer): Layer => {
    const { block: _block, role: _role, ...rest } = layer;
    return rest;
  });
}
