import { describe, expect, test } from 'vitest';
import { NETWORKS, type BlockOperator } from '@fuselab/fuseconv';
import { TIMING_MODELS } from '@fuselab/systolic-sim';
import { buildCostTable } from './cost-table.js';
import { evaluateStatic, type ObjectiveName } from './objectives.js';
import { makeSpace, type Candidate } from './space.js';

/** A small LCG, so the candidates do not come from the package's own PRNG. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe('cost tables', () => {
  const objectives: ObjectiveName[] = ['latency', 'params', 'macs', 'area'];

  for (const network of NETWORKS) {
    test(`${network}: table sums equal the full evaluation (network, topology, cycles, counts) for mixed candidates`, () => {
      const space = makeSpace({ network, space: 'blocks' });
      const pick = lcg(network.length);
      for (const model of TIMING_MODELS) {
        const settings = {
          network: space.network,
          array: { rows: 32, cols: 16, hardware: 'fuse' as const },
          model,
          inputSize: 160,
          numClasses: 100,
          width: 0.75,
        };
        const table = buildCostTable(settings, space, objectives);
        expect(table).not.toBeNull();
        for (let i = 0; i < 6; i++) {
          const candidate: Candidate = {
            operators: Array.from({ length: space.blockCount }, () => space.operators[pick(3)]! as BlockOperator),
          };
          expect(table!.evaluate(candidate), `${model} ${candidate.operators.join(',')}`).toEqual(
            evaluateStatic({ ...settings, candidate, objectives }),
          );
        }
      }
    });
  }

  test('co-design: latency per array and area (plain and FuSe arrays), objectives in the requested order', () => {
    const space = makeSpace({ network: 'mobilenet_v3_small', space: 'blocks', arrays: [8, 32, 64], hardware: ['plain', 'fuse'] });
    const settings = { network: space.network, array: space.arrays[0]! };
    const order: ObjectiveName[] = ['area', 'latency', 'macs'];
    const table = buildCostTable(settings, space, order)!;
    const pick = lcg(7);
    for (let i = 0; i < 12; i++) {
      const candidate: Candidate = {
        operators: Array.from({ length: space.blockCount }, () => space.operators[pick(3)]!),
        array: space.arrays[pick(space.arrays.length)]!,
      };
      const values = table.evaluate(candidate);
      expect(Object.keys(values)).toEqual(order);
      expect(values).toEqual(evaluateStatic({ ...settings, candidate, objectives: order }));
    }
  });

  test('objectives that need tfjs or a caller get no table', () => {
    const space = makeSpace({ network: 'mobilenet_v2', space: 'stages' });
    expect(buildCostTable({ network: space.network, array: space.arrays[0]! }, space, ['latency', 'synflow'])).toBeNull();
    expect(buildCostTable({ network: space.network, array: space.arrays[0]! }, space, ['accuracy'])).toBeNull();
  });
});
