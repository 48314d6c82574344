import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildNetwork, searchableBlocks, type BuildOptions } from './build.js';
import { countParams, modelStats } from './counting.js';
import { InvalidSpecError } from './errors.js';
import { listModules } from './module-list.js';
import { NETWORKS } from './networks/index.js';
import { toTopology } from './topology-export.js';
import type { NetworkSpec } from './types.js';
import { VARIANTS } from './variants.js';

function invalidField(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('InvalidSpecError');
    return (error as InvalidSpecError).field;
  }
  throw new Error('expected an InvalidSpecError');
}

describe('option validation', () => {
  it('rejects unknown networks and variants, naming the field and the choices', () => {
    expect(invalidField(() => buildNetwork({ network: 'resnet50' } as unknown as BuildOptions))).toBe('network');
    expect(() => buildNetwork({ network: 'resnet50' } as unknown as BuildOptions)).toThrow(/mobilenet_v1, mobilenet_v2/);
    expect(invalidField(() => buildNetwork({ network: 'mobilenet_v2', variant: 'fuse' } as unknown as BuildOptions))).toBe('variant');
    expect(() => buildNetwork({ network: 'mobilenet_v2', variant: 'fuse' } as unknown as BuildOptions)).toThrow(/fuse_half_50/);
    expect(invalidField(() => buildNetwork(null as unknown as BuildOptions))).toBe('options');
  });

  it.each([0, -0.5, Number.NaN, Number.POSITIVE_INFINITY, '1'])('rejects width %s', (width) => {
    expect(invalidField(() => buildNetwork({ network: 'mobilenet_v2', width } as unknown as BuildOptions))).toBe('width');
  });

  it.each([0, -224, 1.5, Number.NaN, '224'])('rejects inputSize %s', (inputSize) => {
    expect(invalidField(() => buildNetwork({ network: 'mnasnet_b1', inputSize } as unknown as BuildOptions))).toBe('inputSize');
  });

  it.each([0, -10, 2.5])('rejects numClasses %s', (numClasses) => {
    expect(invalidField(() => buildNetwork({ network: 'mobilenet_v1', numClasses }))).toBe('numClasses');
  });

  it('rejects a width that leaves a layer without channels', () => {
    // int(64 * 0.01) = 0 channels in MobileNetV1's first block.
    expect(invalidField(() => buildNetwork({ network: 'mobilenet_v1', width: 0.01 }))).toBe('width');
    // MnasNet: int(32 * 0.02) = 0 stem channels.
    expect(invalidField(() => buildNetwork({ network: 'mnasnet_b1', width: 0.02 }))).toBe('width');
  });

  it('uses the defaults 1.0 / 224 / 1000', () => {
    const spec = buildNetwork({ network: 'mobilenet_v3_small' });
    expect([spec.variant, spec.width, spec.inputSize, spec.numClasses]).toEqual(['baseline', 1, 224, 1000]);
  });
});

describe('input size', () => {
  it('every network builds down to a 1×1 input: same-padding keeps each kernel inside its padded input', () => {
    for (const network of NETWORKS) {
      for (const variant of VARIANTS) {
        const layers = listModules(buildNetwork({ network, variant, inputSize: 1 }));
        for (const m of layers) if (m.op === 'conv') expect(Math.min(m.outputH, m.outputW)).toBe(1);
      }
    }
  });

  it('rejects a spec whose kernel is larger than its padded input', () => {
    const spec = buildNetwork({ network: 'mobilenet_v2', inputSize: 2 });
    const stem = spec.stem[0];
    if (!stem) throw new Error('no stem');
    const unpadded: NetworkSpec = { ...spec, stem: [{ ...stem, padding: 0 }] };
    expect(invalidField(() => toTopology(unpadded))).toBe('inputSize');
    expect(() => listModules(unpadded)).toThrow(
      /input too small for the network: features\.0\.0 has a 3×3 kernel but its padded input is 2×2/,
    );
    // The same hand-edited stem is fine on a large enough input.
    expect(toTopology({ ...unpadded, inputSize: 3 })[0]).toMatchObject({ ifmapH: 3, padH: 0 });
  });

  it('rejects hand-edited specs whose channels do not chain', () => {
    const spec = buildNetwork({ network: 'mobilenet_v2' });
    const blocks = spec.blocks.map((b, i) => (i === 3 ? { ...b, inChannels: b.inChannels + 1 } : b));
    expect(invalidField(() => countParams({ ...spec, blocks }))).toBe('blocks[3].inChannels');
  });
});

/**
 * Reference figures at other widths and input sizes (fixtures/reference-widths.json, written by
 * tools/reference/dump_width_input_figures.py from the reference classes — `MobileNetV2Class(block,
 * 1000, width_mult=w)`, `MobileNetV3Class(block, 1000, mode, width_mult=w)`, `MnasNetClass(block,
 * 1000, input_size=s, width_mult=w)`, `MobileNet` with `depth_mul = w` — with torch 1.13; see
 * fixtures/README.md): `sum(p.numel())` and the Conv2d/Linear MACs of one forward pass.
 */
interface WidthCase {
  network: BuildOptions['network'];
  variant: 'baseline' | 'fuse_full' | 'fuse_half';
  width: number;
  inputSize: number;
  params: number;
  macs: number;
}
const TORCH = (
  JSON.parse(readFileSync(new URL('../fixtures/reference-widths.json', import.meta.url), 'utf8')) as { cases: WidthCase[] }
).cases.map((c) => [c.network, c.variant, c.width, c.inputSize, c.params, c.macs] as const);

describe('width multiplier and input size follow the reference', () => {
  it('has all 35 reference cases (an emptied fixture would check nothing)', () => {
    expect(TORCH).toHaveLength(35);
  });

  it.each(TORCH)('%s %s width %s input %s', (network, variant, width, inputSize, params, macs) => {
    const stats = modelStats(buildNetwork({ network: network as BuildOptions['network'], variant, width, inputSize }));
    expect([stats.params, stats.macs]).toEqual([params, macs]);
  });

  it('splits an odd channel count like torch.chunk where the reference cannot build fuse_half', () => {
    // MobileNetV1 at width 1.4: int(64 * 1.4) = 89 channels enter block 2; the reference's
    // FuSeHalfBlock (89 // 2 channels per half) fails on such inputs.
    const spec = buildNetwork({ network: 'mobilenet_v1', variant: 'fuse_half', width: 1.4 });
    expect(spec.blocks[1]?.fuse).toEqual({ horizontal: 45, vertical: 44 });
    const layers = toTopology(spec).filter((l) => l.block === 1);
    expect(layers.map((l) => (l.kind === 'gemm' ? 0 : l.channels))).toEqual([45, 44, 89]);
  });
});

describe('spec facts from the reference code', () => {
  it('MobileNetV3 keeps the 1×1 expansion even when it equals the input, and SE uses bias-free Linear layers', () => {
    const large = buildNetwork({ network: 'mobilenet_v3_large' });
    expect(large.blocks[0]).toMatchObject({ inChannels: 16, hiddenChannels: 16, expand: 'called', se: null, residual: true });
    expect(large.blocks[3]?.se).toEqual({ channels: 72, reducedChannels: 18, activation: 'relu', gate: 'hsigmoid', bias: false });
    const full = buildNetwork({ network: 'mobilenet_v3_large', variant: 'fuse_full' });
    expect(full.blocks[3]?.se?.channels).toBe(144);
    const se = toTopology(full).filter((l) => l.block === 3 && l.kind === 'gemm');
    expect(se).toEqual([
      { name: 'features.4.se1.fc.0', kind: 'gemm', m: 1, k: 144, n: 36, block: 3, role: 'se_reduce' },
      { name: 'features.4.se1.fc.2', kind: 'gemm', m: 1, k: 36, n: 144, block: 3, role: 'se_expand' },
    ]);
    // The head: 1×1 conv + BN, pooling, then a biased 1×1 conv without BN on the 1×1 map.
    expect(large.head[2]).toMatchObject({
      op: 'conv',
      name: 'features.18',
      inChannels: 960,
      outChannels: 1280,
      bias: true,
      batchNorm: false,
    });
    expect(toTopology(large).at(-2)).toMatchObject({ name: 'features.18', kind: 'pointwise', ifmapH: 1, ifmapW: 1 });
  });

  it('activations and residuals follow each reference block', () => {
    const v1 = buildNetwork({ network: 'mobilenet_v1', variant: 'fuse_half_50' });
    expect(v1.blocks[0]?.activations).toEqual({ expand: 'none', depthwise: 'none', project: 'relu' });
    expect(v1.blocks[5]?.activations).toEqual({ expand: 'none', depthwise: 'relu', project: 'relu' });
    expect(v1.blocks.some((b) => b.residual)).toBe(false);
    const v2 = buildNetwork({ network: 'mobilenet_v2' });
    expect(v2.blocks.filter((b) => b.residual).map((b) => b.index)).toEqual([2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);
    expect(v2.blocks[1]?.activations).toEqual({ expand: 'relu6', depthwise: 'relu6', project: 'none' });
    const small = buildNetwork({ network: 'mobilenet_v3_small' });
    expect(small.blocks.map((b) => b.activations.depthwise)).toEqual([
      'relu',
      'relu',
      'relu',
      'hswish',
      'hswish',
      'hswish',
      'hswish',
      'hswish',
      'hswish',
      'hswish',
      'hswish',
    ]);
    const mnas = buildNetwork({ network: 'mnasnet_b1' });
    expect(mnas.blocks[0]).toMatchObject({ family: 'mnasnet_sep', inChannels: 32, outChannels: 16, expand: 'none' });
    expect(mnas.head).toContainEqual({ op: 'dropout', rate: 0.5 });
  });

  it('lists searchable blocks with the shapes NAS needs', () => {
    const blocks = searchableBlocks({ network: 'mobilenet_v2' });
    expect(blocks).toHaveLength(17);
    expect(blocks[1]).toEqual({
      index: 1,
      stage: 1,
      name: 'features.2',
      inChannels: 16,
      outChannels: 24,
      hiddenChannels: 96,
      kernel: 3,
      stride: 2,
      inputSize: 112,
      outputSize: 56,
      se: false,
      residual: false,
      hybrid: true,
    });
    expect(blocks.map((b) => b.stage)).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6]);
    const small = searchableBlocks({ network: 'mobilenet_v3_small', inputSize: 160 });
    expect(small.map((b) => b.stage)).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4]);
    expect(small[0]).toMatchObject({ inputSize: 80, outputSize: 40, se: true });
  });
});
