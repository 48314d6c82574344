/**
 * The `cifar` stem against the reference PyTorch models adapted the same way
 * (fixtures/reference-cifar-stem.json, from tools/reference/dump_cifar_stem.py: the reference
 * models with the stem's and the first strided block's strides set to 1, run on 1×3×32×32):
 * parameters, MACs, every Conv2d/Linear call, the last stage's feature map and the authors'
 * analytical latency model — plus the default rule and the untouched `imagenet` networks.
 */
import { readFileSync } from 'node:fs';
import { makeArray, simulateNetwork } from '@fuselab/systolic-sim';
import { describe, expect, it } from 'vitest';
import { buildNetwork, searchableBlocks, type BuildOptions } from './build.js';
import { InvalidSpecError } from './errors.js';
import { countMacs, countParams, countUnusedParams } from './counting.js';
import { listModules } from './module-list.js';
import { NETWORKS } from './networks/index.js';
import { CIFAR_STEM_MAX_INPUT, defaultStem, STEMS } from './stems.js';
import { expectedLayer, plain, type ReferenceLayer } from './test-util.js';
import { toTopology } from './topology-export.js';
import type { NetworkName, VariantName } from './types.js';
import { VARIANTS } from './variants.js';

interface CifarReference {
  torchParams: number;
  unusedParams: number;
  macs: number;
  adaptedConvs: string[];
  lastFeatureMap: [number, number];
  latency64x64: Record<'plain' | 'fuse', number>;
  layers: ReferenceLayer[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/reference-cifar-stem.json', import.meta.url), 'utf8')) as {
  meta: { input_shape: number[]; num_classes: number };
  networks: Record<NetworkName, Record<VariantName, CifarReference>>;
};
const inputSize = fixture.meta.input_shape[3]!;
const numClasses = fixture.meta.num_classes;

const cases = NETWORKS.flatMap((network) => VARIANTS.map((variant) => [network, variant] as const));

describe.each(cases)('%s / %s with the cifar stem matches the adapted PyTorch reference at 32×32', (network, variant) => {
  const ref = fixture.networks[network][variant];
  const spec = buildNetwork({ network, variant, inputSize, numClasses, stem: 'cifar' });

  it('params, unused params and MACs', () => {
    expect([countParams(spec), countUnusedParams(spec), countMacs(spec)]).toEqual([ref.torchParams, ref.unusedParams, ref.macs]);
  });

  it('every Conv2d/Linear call, field by field, and the last stage ends at 4×4', () => {
    expect(toTopology(spec).map(plain)).toEqual(ref.layers.map(expectedLayer));
    expect(ref.lastFeatureMap).toEqual([4, 4]);
    const lastBlock = searchableBlocks({ network, inputSize, numClasses, stem: 'cifar' }).at(-1);
    expect(lastBlock?.outputSize).toBe(4);
  });

  it("the authors' analytical latency model on 64×64 (plain and FuSe arrays)", () => {
    for (const hardware of ['plain', 'fuse'] as const) {
      const result = simulateNetwork(toTopology(spec), makeArray(64, 64, { hardware }), { model: 'reference' });
      expect({ hardware, cycles: result.totalCycles }).toEqual({ hardware, cycles: ref.latency64x64[hardware] });
    }
  });
});

describe('stems', () => {
  it('the imagenet stem is the default of buildNetwork and leaves the networks as they were', () => {
    for (const network of NETWORKS) {
      const implicit = buildNetwork({ network, inputSize: 32 });
      expect(implicit.stemKind).toBe('imagenet');
      expect(buildNetwork({ network, inputSize: 32, stem: 'imagenet' })).toEqual(implicit);
      // At 32×32 the reference layout leaves the last stage at 1×1: the reason for the cifar stem.
      expect(searchableBlocks({ network, inputSize: 32 }).at(-1)?.outputSize).toBe(1);
    }
  });

  it('cifar keeps every parameter and changes only the stem and one block', () => {
    for (const network of NETWORKS) {
      const a = buildNetwork({ network, variant: 'fuse_half', inputSize: 32, numClasses: 10 });
      const b = buildNetwork({ network, variant: 'fuse_half', inputSize: 32, numClasses: 10, stem: 'cifar' });
      expect(countParams(b)).toBe(countParams(a));
      expect(b.stem.map((op) => op.stride)).toEqual([1]);
      const changed = b.blocks.filter((block, i) => block.stride !== a.blocks[i]!.stride);
      expect(changed.map((block) => [a.blocks[block.index]!.stride, block.stride])).toEqual([[2, 1]]);
      expect(b.blocks.findIndex((block) => block.stride === 2)).toBeGreaterThan(changed[0]!.index);
    }
  });

  it('the default rule: cifar up to 64 pixels, imagenet above', () => {
    expect(STEMS).toEqual(['imagenet', 'cifar']);
    expect(CIFAR_STEM_MAX_INPUT).toBe(64);
    expect([16, 28, 32, 64].map(defaultStem)).toEqual(['cifar', 'cifar', 'cifar', 'cifar']);
    expect([65, 96, 224].map(defaultStem)).toEqual(['imagenet', 'imagenet', 'imagenet']);
  });

  it('operator lists and hand-computed figures: MobileNetV2 at 32×32, 10 classes', () => {
    const spec = buildNetwork({
      network: 'mobilenet_v2',
      operators: new Array(17).fill('dw'),
      inputSize: 32,
      numClasses: 10,
      stem: 'cifar',
    });
    const convs = listModules(spec).flatMap((m) => (m.op === 'conv' && m.called ? [m] : []));
    // Stem: 3×3 conv 3→32 at stride 1 keeps 32×32: 32·32·9·3·32 = 884,736 MACs.
    expect(convs[0]).toMatchObject({ name: 'features.0.0', outputH: 32, strideH: 1 });
    expect(convs[0]!.outputH * convs[0]!.outputW * 9 * 3 * 32).toBe(884_736);
    // features.2 (first 24-channel block) keeps 32×32; features.4, .7 and .14 halve: 16, 8, 4.
    const dw = (block: string) => convs.find((m) => m.name.startsWith(`${block}.`) && m.role === 'depthwise');
    expect(['features.2', 'features.4', 'features.7', 'features.14', 'features.17'].map((b) => dw(b)?.outputH)).toEqual([32, 16, 8, 4, 4]);
  });

  it('refuses an unknown stem, naming the field', () => {
    try {
      buildNetwork({ network: 'mobilenet_v2', stem: 'tiny' } as unknown as BuildOptions);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSpecError);
      expect((error as InvalidSpecError).field).toBe('stem');
      expect((error as Error).message).toMatch(/imagenet, cifar/);
    }
  });
});
