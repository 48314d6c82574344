import { InputError } from './errors.js';
import type { Layer, Topology } from './topology.js';

function positiveInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InputError(field, `must be a positive integer, got ${String(value)}`);
  }
}

function nonNegativeInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InputError(field, `must be a non-negative integer, got ${String(value)}`);
  }
}

/** Checks one layer's shape; throws InputError naming the field and the problem. */
export function validateLayer(layer: Layer, where: string): void {
  if (layer.kind === 'gemm') {
    positiveInteger(layer.m, `${where}.m`);
    positiveInteger(layer.k, `${where}.k`);
    positiveInteger(layer.n, `${where}.n`);
    return;
  }
  for (const field of ['ifmapH', 'ifmapW', 'kernelH', 'kernelW', 'channels', 'filters', 'strideH', 'strideW'] as const) {
    positiveInteger(layer[field], `${where}.${field}`);
  }
  nonNegativeInteger(layer.padH, `${where}.padH`);
  nonNegativeInteger(layer.padW, `${where}.padW`);
  if (layer.batch !== undefined) positiveInteger(layer.batch, `${where}.batch`);
  if (layer.kernelH > layer.ifmapH + 2 * layer.padH) {
    throw new InputError(
      `${where}.kernelH`,
      `kernel height ${layer.kernelH} is larger than the padded input height ${layer.ifmapH + 2 * layer.padH}`,
    );
  }
  if (layer.kernelW > layer.ifmapW + 2 * layer.padW) {
    throw new InputError(
      `${where}.kernelW`,
      `kernel width ${layer.kernelW} is larger than the padded input width ${layer.ifmapW + 2 * layer.padW}`,
    );
  }
  if ((layer.kind === 'depthwise' || layer.kind === 'depthwise1d') && layer.channels !== layer.filters) {
    throw new InputError(
      `${where}.filters`,
      `a ${layer.kind} layer has as many filters as channels (${layer.channels}), got ${layer.filters}`,
    );
  }
  if (layer.kind === 'depthwise1d' && layer.kernelH !== 1 && layer.kernelW !== 1) {
    throw new InputError(`${where}.kernelH`, `a depthwise1d layer has a 1×K or K×1 kernel, got ${layer.kernelH}×${layer.kernelW}`);
  }
  if (layer.kind === 'pointwise' && (layer.kernelH !== 1 || layer.kernelW !== 1)) {
    throw new InputError(`${where}.kernelH`, `a pointwise layer has a 1×1 kernel, got ${layer.kernelH}×${layer.kernelW}`);
  }
}

export function validateTopology(topology: Topology): void {
  if (topology.length === 0) throw new InputError('layers', 'a topology needs at least one layer');
  topology.forEach((layer, index) => validateLayer(layer, `layers[${index}] (${layer.name})`));
}
