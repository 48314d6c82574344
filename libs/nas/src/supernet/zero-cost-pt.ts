/**
 * Zero-Cost-PT (Xiang et al., "Zero-Cost Operation Scoring in Differentiable Architecture
 * Search", 2023): perturbation-based operator selection on a supernet, scored by a zero-cost proxy
 * instead of validation accuracy (DARTS-PT's). Start from the full mixture — every block runs all
 * its operators, summed (`Supernet.forwardMixture`) — and settle the blocks one at a time in a
 * seeded random order: for each operator still in the block, score the mixture with that operator
 * removed; keep the operator whose removal lowers the score most (the one the mixture needs most),
 * and go on with the block fixed to it. The proxy is NASWOT on one minibatch (the paper's best,
 * "nwot"); the supernet is used as it is — untrained (zero cost) or after `trainSupernet`.
 *
 * Cost: Σ over blocks of (operators in the block) forward passes of a mixture — 17 × 3 = 51 for
 * MobileNetV2 with three operators — with no backward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockOperator } from '@fuselab/fuseconv';
import { Rng } from '../rng.js';
import { naswotOf } from '../proxies/activation.js';
import { inputTensor, type ProxyBatch } from '../proxies/model-access.js';
import type { Supernet } from './supernet.js';

export interface ZeroCostPtStep {
  block: number;
  /** The proxy of the mixture with each operator removed from this block. */
  withoutOperator: Partial<Record<BlockOperator, number>>;
  /** The operator kept: the one whose removal scored lowest. */
  chosen: BlockOperator;
}

export interface ZeroCostPtResult {
  /** One operator per block. */
  path: BlockOperator[];
  /** The blocks in the order they were settled, with their scores. */
  steps: ZeroCostPtStep[];
  /** Forward passes scored. */
  evaluations: number;
}

/** NASWOT of a supernet mixture on one minibatch. */
export function mixtureNaswot(supernet: Supernet, mixture: readonly (readonly BlockOperator[])[], batch: ProxyBatch): number {
  const x = inputTensor(batch);
  try {
    return naswotOf(supernet.layersOfMixture(mixture), batch.n, () => void supernet.forwardMixture(x, mixture, { training: true }));
  } finally {
    x.dispose();
  }
}

/** Operator selection by Zero-Cost-PT (see the file's comment); `seed` orders the blocks. */
export function zeroCostPt(supernet: Supernet, batch: ProxyBatch, options: { seed?: number } = {}): ZeroCostPtResult {
  const mixture: BlockOperator[][] = supernet.spec.blocks.map(() => [...supernet.operators]);
  const order = Array.from({ length: supernet.blocks }, (_, i) => i);
  const rng = new Rng(options.seed ?? 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const steps: ZeroCostPtStep[] = [];
  let evaluations = 0;
  for (const block of order) {
    const ops = mixture[block]!;
    const withoutOperator: Partial<Record<BlockOperator, number>> = {};
    let chosen = ops[0]!;
    if (ops.length > 1) {
      let lowest = Infinity;
      for (const op of ops) {
        const perturbed = mixture.map((set, i) => (i === block ? set.filter((o) => o !== op) : set));
        const score = tf.tidy(() => mixtureNaswot(supernet, perturbed, batch));
        evaluations++;
        withoutOperator[op] = score;
        if (score < lowest) {
          lowest = score;
          chosen = op;
        }
      }
    }
    mixture[block] = [chosen];
    steps.push({ block, withoutOperator, chosen });
  }
  return { path: mixture.map((set) => set[0]!), steps, evaluations };
}
