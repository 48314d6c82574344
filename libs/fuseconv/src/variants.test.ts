import { describe, expect, it } from 'vitest';
import { blockCount, buildNetwork, searchableBlocks } from './build.js';
import { countMacs, countParams, countUnusedParams } from './counting.js';
import { InvalidSpecError } from './errors.js';
import { NETWORK_DEFINITIONS, NETWORKS } from './networks/index.js';
import { toTopology } from './topology-export.js';
import type { BlockOperator, NetworkName, NetworkSpec } from './types.js';
import { BLOCK_OPERATORS, OPERATOR_LETTERS, operatorString, VARIANTS, variantOperators } from './variants.js';

/** Block indices the reference *Hybrid classes make FuSe, read off models/*.py. */
const HYBRID: Record<NetworkName, number[]> = {
  mobilenet_v1: [0, 1, 2, 3, 4],
  mobilenet_v2: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  mobilenet_v3_small: [2, 4, 5, 6, 7],
  mobilenet_v3_large: [1, 2, 3, 4, 5, 6, 7],
  mnasnet_b1: [1, 2, 3, 4, 5, 6, 7, 8, 9],
};
const BLOCKS: Record<NetworkName, number> = {
  mobilenet_v1: 13,
  mobilenet_v2: 17,
  mobilenet_v3_small: 11,
  mobilenet_v3_large: 15,
  mnasnet_b1: 17,
};

function withoutVariant(spec: NetworkSpec): Omit<NetworkSpec, 'variant'> {
  const { variant: _variant, ...rest } = spec;
  return rest;
}

function expectInvalid(run: () => unknown, field: string, message?: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidSpecError);
  const error = caught as InvalidSpecError;
  expect(error.field).toBe(field);
  if (message) expect(error.message).toMatch(message);
}

/** Small deterministic generator (mulberry32) for property checks. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(NETWORKS)('%s operator lists', (network) => {
  const n = BLOCKS[network];

  it('has the reference number of searchable blocks and hybrid choice', () => {
    expect(blockCount(network)).toBe(n);
    expect(NETWORK_DEFINITIONS[network].hybridBlocks).toEqual(HYBRID[network]);
    expect(
      searchableBlocks({ network })
        .filter((b) => b.hybrid)
        .map((b) => b.index),
    ).toEqual(HYBRID[network]);
  });

  it('maps each named variant to its operator list', () => {
    const def = NETWORK_DEFINITIONS[network];
    expect(variantOperators(def, 'baseline')).toEqual(Array(n).fill('dw'));
    expect(variantOperators(def, 'fuse_full')).toEqual(Array(n).fill('fuse_full'));
    expect(variantOperators(def, 'fuse_half')).toEqual(Array(n).fill('fuse_half'));
    const half50 = variantOperators(def, 'fuse_half_50');
    expect(half50.filter((op) => op === 'fuse_half')).toHaveLength(HYBRID[network].length);
    HYBRID[network].forEach((i) => expect(half50[i]).toBe('fuse_half'));
  });

  it('an explicit list equal to a variant builds the same network', () => {
    for (const variant of VARIANTS) {
      const named = buildNetwork({ network, variant });
      const custom = buildNetwork({ network, operators: named.operators });
      expect(custom.variant).toBe('custom');
      expect(withoutVariant(custom)).toEqual(withoutVariant(named));
      expect(toTopology(custom)).toEqual(toTopology(named));
    }
    expect(withoutVariant(buildNetwork({ network, operators: Array(n).fill('dw') }))).toEqual(
      withoutVariant(buildNetwork({ network, variant: 'baseline' })),
    );
    expect(withoutVariant(buildNetwork({ network, operators: Array(n).fill('fuse_half') }))).toEqual(
      withoutVariant(buildNetwork({ network, variant: 'fuse_half' })),
    );
  });

  it('params and MACs are additive over blocks (random operator lists)', () => {
    const base = buildNetwork({ network });
    const single = (i: number, op: BlockOperator): NetworkSpec =>
      buildNetwork({ network, operators: base.operators.map((o, j) => (j === i ? op : o)) });
    const deltaParams = BLOCK_OPERATORS.map((op) => base.blocks.map((b) => countParams(single(b.index, op)) - countParams(base)));
    const deltaMacs = BLOCK_OPERATORS.map((op) => base.blocks.map((b) => countMacs(single(b.index, op)) - countMacs(base)));
    const next = rng(n * 7919);
    for (let trial = 0; trial < 20; trial += 1) {
      const ops = base.blocks.map(() => BLOCK_OPERATORS[Math.floor(next() * 3)] ?? 'dw');
      const spec = buildNetwork({ network, operators: ops });
      const expectedParams = ops.reduce((sum, op, i) => sum + (deltaParams[BLOCK_OPERATORS.indexOf(op)]?.[i] ?? NaN), countParams(base));
      const expectedMacs = ops.reduce((sum, op, i) => sum + (deltaMacs[BLOCK_OPERATORS.indexOf(op)]?.[i] ?? NaN), countMacs(base));
      expect(countParams(spec)).toBe(expectedParams);
      expect(countMacs(spec)).toBe(expectedMacs);
      // Every block's layers use its operator: K×K depthwise for dw, two 1-D convs for FuSe.
      const topology = toTopology(spec);
      ops.forEach((op, i) => {
        const kinds = topology.filter((l) => l.block === i).map((l) => l.kind);
        if (op === 'dw') expect(kinds.filter((k) => k === 'depthwise')).toHaveLength(1);
        else expect(kinds.filter((k) => k === 'depthwise1d')).toHaveLength(2);
        expect(kinds).not.toContain(op === 'dw' ? 'depthwise1d' : 'depthwise');
      });
    }
  });

  it('FuSe halves the 1-D channels for fuse_half and doubles the projection input for fuse_full', () => {
    const base = buildNetwork({ network });
    const full = buildNetwork({ network, variant: 'fuse_full' });
    const half = buildNetwork({ network, variant: 'fuse_half' });
    base.blocks.forEach((b, i) => {
      const f = full.blocks[i];
      const h = half.blocks[i];
      expect(b.fuse).toBeNull();
      expect(b.projectInChannels).toBe(b.hiddenChannels);
      expect(f?.fuse).toEqual({ horizontal: b.hiddenChannels, vertical: b.hiddenChannels });
      expect(f?.projectInChannels).toBe(2 * b.hiddenChannels);
      expect(h?.fuse).toEqual({ horizontal: b.hiddenChannels / 2, vertical: b.hiddenChannels / 2 });
      expect(h?.projectInChannels).toBe(b.hiddenChannels);
    });
  });

  it('rejects operator lists of the wrong length or with unknown operators', () => {
    expectInvalid(
      () => buildNetwork({ network, operators: Array(n - 1).fill('dw') }),
      'operators',
      new RegExp(`${n} searchable blocks, got ${n - 1}`),
    );
    expectInvalid(() => buildNetwork({ network, operators: Array(n + 1).fill('dw') }), 'operators');
    expectInvalid(() => buildNetwork({ network, operators: [] }), 'operators');
    const bad = Array(n).fill('dw') as string[];
    bad[3] = 'fuse';
    expectInvalid(() => buildNetwork({ network, operators: bad as BlockOperator[] }), 'operators[3]', /dw, fuse_full, fuse_half.*"fuse"/);
    expectInvalid(() => buildNetwork({ network, variant: 'baseline', operators: Array(n).fill('dw') }), 'variant', /not both/);
  });
});

describe('never-called parameters', () => {
  it('exist only where an expansion-ratio-1 MobileNetV2 block is FuSe', () => {
    for (const network of NETWORKS) {
      for (const variant of VARIANTS) {
        const unused = countUnusedParams(buildNetwork({ network, variant }));
        const expected = network === 'mobilenet_v2' && (variant === 'fuse_full' || variant === 'fuse_half') ? 32 * 32 + 2 * 32 : 0;
        expect({ network, variant, unused }).toEqual({ network, variant, unused: expected });
      }
    }
    const n = blockCount('mobilenet_v2');
    const firstOnly = buildNetwork({ network: 'mobilenet_v2', operators: ['fuse_full', ...Array(n - 1).fill('dw')] });
    expect(firstOnly.blocks[0]?.expand).toBe('unused');
    expect(countUnusedParams(firstOnly)).toBe(1088);
    // The never-called conv costs parameters but no MACs and no topology layer.
    const topo = toTopology(firstOnly);
    expect(topo.some((l) => l.name === 'features.1.conv1')).toBe(false);
    expect(topo.filter((l) => l.block === 0).map((l) => l.name)).toEqual(['features.1.conv2_h', 'features.1.conv2_v', 'features.1.conv3']);
  });
});

describe('operatorString', () => {
  it('writes one letter per block (d = dw, f = fuse_full, h = fuse_half), ? for anything else', () => {
    expect(operatorString(['dw', 'fuse_full', 'fuse_half', 'dw'])).toBe('dfhd');
    expect(operatorString(['dw', 'conv'])).toBe('d?');
    expect(Object.keys(OPERATOR_LETTERS).sort()).toEqual([...BLOCK_OPERATORS].sort());
  });
});
