/**
 * The `reference` timing model on the fuseconv topologies against the FuSeConv authors' analytical
 * model run on their PyTorch networks (libs/systolic-sim/fixtures/reference-latency.json, produced
 * by tools/reference/dump_fuseconv_reference.py; see the README beside the fixture).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildNetwork, NETWORKS, toTopology, VARIANTS } from '@fuselab/fuseconv';
import { makeArray, parseArraySize, simulateNetwork, type Hardware } from '@fuselab/systolic-sim';

interface Measurement {
  total: number;
  pointwiseConv: number;
  depthwiseConv: number;
  otherConv: number;
  perLayer?: Array<{ name: string; cycles: number }>;
}

const fixture = JSON.parse(readFileSync(new URL('../../libs/systolic-sim/fixtures/reference-latency.json', import.meta.url), 'utf8')) as {
  meta: { arrays: string[] };
  networks: Record<string, Record<string, Record<Hardware, Record<string, Measurement>>>>;
};

describe('reference model = the authors’ analytical model, to the cycle', () => {
  it('covers 25 networks × variants, two hardware kinds and arrays 8…256', () => {
    expect(fixture.meta.arrays).toEqual(expect.arrayContaining(['8x8', '16x16', '32x32', '64x64', '128x128', '256x256']));
    expect(Object.keys(fixture.networks).sort()).toEqual([...NETWORKS].sort());
  });

  for (const network of NETWORKS) {
    for (const variant of VARIANTS) {
      it(`${network} ${variant}: totals and operator split on every array and hardware`, () => {
        const topology = toTopology(buildNetwork({ network, variant }));
        for (const hardware of ['plain', 'fuse'] as const) {
          for (const size of fixture.meta.arrays) {
            const expected = fixture.networks[network]?.[variant]?.[hardware]?.[size];
            expect(expected, `${network}/${variant}/${hardware}/${size} in fixture`).toBeDefined();
            const { rows, cols } = parseArraySize(size);
            const result = simulateNetwork(topology, makeArray(rows, cols, { hardware }), { model: 'reference' });
            const where = `${network} ${variant} ${hardware} ${size}`;
            expect(result.totalCycles, where).toBe(expected!.total);
            expect(result.cyclesByClass.pointwise, where).toBe(expected!.pointwiseConv);
            expect(result.cyclesByClass.depthwise + result.cyclesByClass['fuse-1d'], where).toBe(expected!.depthwiseConv);
            expect(result.cyclesByClass.other, where).toBe(expected!.otherConv);
            if (expected!.perLayer) {
              expect(
                result.layers.map((layer) => [layer.name, layer.cycles]),
                `${where} per layer`,
              ).toEqual(expected!.perLayer.map((layer) => [layer.name, layer.cycles]));
            }
          }
        }
      });
    }
  }
});
