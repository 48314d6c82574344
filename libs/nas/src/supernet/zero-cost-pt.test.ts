/**
 * Zero-Cost-PT on a small supernet: the mixture's NASWOT reduces to the published proxy on the
 * built network for a single path (naswot, itself checked by hand in proxies.test.ts), each block
 * keeps the operator whose removal scored lowest, and a seed repeats the selection.
 */
import { describe, expect, test } from 'vitest';
import type { BlockOperator } from '@fuselab/fuseconv';
import { makeBatch, selectBackend, syntheticDataset } from '@fuselab/nos';
import { naswot, type ProxyBatch } from '../proxies.js';
import { extractSubnet, mixtureNaswot, Supernet, zeroCostPt } from './index.js';

await selectBackend('wasm');

const SHAPE = { network: 'mobilenet_v2', width: 0.25, inputSize: 16, numClasses: 4, stem: 'cifar' } as const;
const ds = syntheticDataset({ count: 16, size: 16, numClasses: 4, channels: 3, seed: 5, noise: 0.5 });
const made = makeBatch(
  ds,
  Array.from({ length: 16 }, (_, i) => i),
  { channels: 3 },
);
const batch: ProxyBatch = { x: made.x, n: made.n, height: 16, width: 16, channels: 3, labels: made.y };

describe('Zero-Cost-PT', () => {
  test('a mixture of one operator per block scores what naswot gives the built network', () => {
    const net = new Supernet(SHAPE, { seed: 3 });
    const path = Array.from({ length: net.blocks }, (_, i) => (['fuse_full', 'dw', 'fuse_half'] as const)[i % 3]!);
    const built = extractSubnet(net, path);
    expect(
      mixtureNaswot(
        net,
        path.map((op) => [op]),
        batch,
      ),
    ).toBeCloseTo(naswot(built.model, batch), 6);
    // A mixture is not any one of its paths.
    const all = path.map(() => [...net.operators]);
    expect(Math.abs(mixtureNaswot(net, all, batch) - naswot(built.model, batch))).toBeGreaterThan(1e-3);
    built.model.dispose();
    net.dispose();
  }, 60_000);

  test('each block keeps the operator whose removal scores lowest; the seed repeats the run', () => {
    const net = new Supernet(SHAPE, { seed: 4 });
    const a = zeroCostPt(net, batch, { seed: 7 });
    expect(a.evaluations).toBe(17 * 3);
    expect(a.steps.map((s) => s.block).sort((x, y) => x - y)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    // Replay: the mixture before each step, and the score of each removal, recomputed.
    const mixture: BlockOperator[][] = a.path.map(() => [...net.operators]);
    for (const step of a.steps) {
      const scores = Object.entries(step.withoutOperator) as [BlockOperator, number][];
      expect(scores.map(([op]) => op).sort()).toEqual([...net.operators].sort());
      for (const [op, score] of scores) {
        const perturbed = mixture.map((set, i) => (i === step.block ? set.filter((o) => o !== op) : set));
        expect(mixtureNaswot(net, perturbed, batch)).toBe(score);
      }
      const lowest = Math.min(...scores.map(([, s]) => s));
      expect(step.withoutOperator[step.chosen]).toBe(lowest);
      expect(a.path[step.block]).toBe(step.chosen);
      mixture[step.block] = [step.chosen];
    }
    expect(zeroCostPt(net, batch, { seed: 7 })).toEqual(a);
    expect(zeroCostPt(net, batch, { seed: 8 }).steps.map((s) => s.block)).not.toEqual(a.steps.map((s) => s.block));
    net.dispose();
  }, 300_000);
});
