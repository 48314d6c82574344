/**
 * Exactness against the FuSeConv authors' PyTorch reference (fixtures/reference-models.json and
 * ../systolic-sim/fixtures/reference-latency.json, produced from iitm-sysdl/FuSeConv; see the
 * READMEs beside them): for every network × variant at 224×224 and 1000 classes, parameters,
 * never-called parameters, MACs, every Conv2d/Linear call, and the analytical latency model's
 * totals when our topology is timed by systolic-sim's `reference` model.
 */
import { readFileSync } from 'node:fs';
import { makeArray, parseArraySize, simulateNetwork, type Topology } from '@fuselab/systolic-sim';
import { describe, expect, it } from 'vitest';
import { buildNetwork } from './build.js';
import { countMacs, countParams, countUnusedParams, modelStats } from './counting.js';
import { NETWORKS } from './networks/index.js';
import { expectedLayer, plain, type ReferenceLayer } from './test-util.js';
import { toTopology } from './topology-export.js';
import type { NetworkName, VariantName } from './types.js';
import { VARIANTS } from './variants.js';

interface ReferenceModel {
  torchParams: number;
  torchParams10: number;
  unusedParams: number;
  unusedModules: Array<{ name: string; type: string; params: number }>;
  fuseBlocks: string[];
  macs: number;
  layers: ReferenceLayer[];
}

interface ReferenceLatency {
  total: number;
  perLayer?: Array<{ name: string; cycles: number }>;
}

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as T;
}

const models = readJson<{ networks: Record<NetworkName, Record<VariantName, ReferenceModel>> }>(
  '../fixtures/reference-models.json',
).networks;
const latency = readJson<{
  meta: { arrays: string[] };
  networks: Record<NetworkName, Record<VariantName, Record<'plain' | 'fuse', Record<string, ReferenceLatency>>>>;
}>('../../systolic-sim/fixtures/reference-latency.json');

function reference(network: NetworkName, variant: VariantName): ReferenceModel {
  const model = models[network]?.[variant];
  if (!model) throw new Error(`fixture lacks ${network}/${variant}`);
  return model;
}

const cases = NETWORKS.flatMap((network) => VARIANTS.map((variant) => [network, variant] as const));

describe('the fixtures cover every network × variant', () => {
  it('has 25 entries', () => {
    expect(cases).toHaveLength(25);
    for (const [network, variant] of cases) expect(reference(network, variant).layers.length).toBeGreaterThan(20);
  });
});

describe.each(cases)('%s / %s matches the PyTorch reference', (network, variant) => {
  const ref = reference(network, variant);
  const spec = buildNetwork({ network, variant });

  it('params equal PyTorch parameters() exactly, at 1000 and 10 classes', () => {
    expect(countParams(spec)).toBe(ref.torchParams);
    expect(countParams(buildNetwork({ network, variant, numClasses: 10 }))).toBe(ref.torchParams10);
  });

  it('unusedParams equal the never-called modules of the reference', () => {
    expect(countUnusedParams(spec)).toBe(ref.unusedParams);
  });

  it('macs equal the sum over the reference Conv2d/Linear calls', () => {
    expect(countMacs(spec)).toBe(ref.macs);
    expect(modelStats(spec)).toEqual({
      network,
      variant,
      params: ref.torchParams,
      unusedParams: ref.unusedParams,
      macs: ref.macs,
    });
  });

  it('topology lists every Conv2d/Linear call in forward order, field by field', () => {
    const topology = toTopology(spec);
    expect(topology.map(plain)).toEqual(ref.layers.map(expectedLayer));
  });

  it('FuSe layers sit in exactly the blocks the reference makes FuSe', () => {
    const fuseBlocks = new Set(
      toTopology(spec)
        .filter((l) => l.kind === 'depthwise1d')
        .map((l) => spec.blocks[l.block ?? -1]?.name),
    );
    expect([...fuseBlocks].sort()).toEqual([...ref.fuseBlocks].sort());
  });
});

describe.each(cases)('%s / %s on the reference analytical latency model', (network, variant) => {
  const topology: Topology = toTopology(buildNetwork({ network, variant }));
  const lat = latency.networks[network][variant];

  it.each(['plain', 'fuse'] as const)('gives the reference total on every array (%s hardware)', (hardware) => {
    for (const size of latency.meta.arrays) {
      const { rows, cols } = parseArraySize(size);
      const result = simulateNetwork(topology, makeArray(rows, cols, { hardware }), { model: 'reference' });
      expect({ size, cycles: result.totalCycles }).toEqual({ size, cycles: lat[hardware][size]?.total });
    }
  });

  it('gives the reference cycles layer by layer on 64×64', () => {
    for (const hardware of ['plain', 'fuse'] as const) {
      const perLayer = lat[hardware]['64x64']?.perLayer ?? [];
      const result = simulateNetwork(topology, makeArray(64, 64, { hardware }), { model: 'reference' });
      expect(result.layers.map((l) => ({ name: l.name, cycles: l.cycles }))).toEqual(perLayer);
    }
  });
});
