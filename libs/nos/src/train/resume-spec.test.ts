/**
 * Resuming a spec-built model (fuseconv's MobileNetV2 FuSe-half: BatchNormActivation, moving BN
 * statistics, FuSe kernels) from a JSON round-tripped mid-epoch checkpoint reaches bitwise the final
 * weights of an uninterrupted run, for every optimizer, on cpu and on wasm. The checkpoint is taken
 * after 5 steps: tfjs's Adam.setWeights recomputed β2^(t+1) as pow(0.999, 6), which differs in the
 * last bit from the product the uninterrupted run accumulates (adamBetaPower), and this small,
 * batch-of-4 network amplifies that to weight differences ~1 within three steps.
 *
 * The resumed run must continue from the checkpoint, not repeat the run: it trains a model built from
 * another seed (so ignoring `resumeFrom` would start from other weights and end elsewhere), and it
 * must execute exactly the optimizer steps 5, 6 and 7.
 */
import { buildNetwork } from '@fuselab/fuseconv';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it, vi } from 'vitest';

import { selectBackend } from '../backend/index.js';
import type { Checkpoint } from '../checkpoint/index.js';
import { syntheticDataset } from '../data/synthetic.js';
import { modelFromSpec } from './from-spec.js';
import { type TrainOptions, train } from './loop.js';

vi.setConfig({ testTimeout: 60_000 });

const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.25, inputSize: 16, numClasses: 4 });
const data = syntheticDataset({ count: 16, size: 16, numClasses: 4, seed: 3 });

function maxAbsDiff(a: Checkpoint, b: Checkpoint): number {
  const dec = (s: string) => new Float32Array(Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0)).buffer);
  let m = 0;
  a.weights.forEach((w, i) => {
    const x = dec(w.data);
    const y = dec(b.weights[i]!.data);
    x.forEach((v, j) => (m = Math.max(m, Math.abs(v - y[j]!))));
  });
  return m;
}

describe.each(['cpu', 'wasm'] as const)('resume a spec-built model on %s', (backend) => {
  it.each(['adam', 'rmsprop', 'sgd'] as const)('%s: interrupted after step 5 and resumed = uninterrupted', async (kind) => {
    await selectBackend(backend);
    const opts: TrainOptions = {
      model: { spec },
      train: data,
      epochs: 2,
      batchSize: 4,
      seed: 7,
      optimizer: { kind },
      learningRate: kind === 'sgd' ? 0.05 : 0.005,
      schedule: { kind: 'cosine' },
      weightDecay: 1e-4,
      augment: { cropPadding: 1 },
      checkpointEvery: 5,
    };
    const full = await train(opts);

    const controller = new AbortController();
    const stored: string[] = [];
    await expect(
      train(opts, {
        signal: controller.signal,
        onCheckpoint: (ck) => {
          stored.push(JSON.stringify(ck));
          if (ck.globalStep === 5) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const ck = JSON.parse(stored.at(-1)!) as Checkpoint;
    expect(ck).toMatchObject({ epoch: 1, step: 1, globalStep: 5 });
    // A model of the same spec from another seed: only the checkpoint's weights make it the run's.
    const other: tfl.LayersModel = modelFromSpec(spec, { seed: 1234 }).model;
    try {
      const executed: number[] = [];
      const resumed = await train(
        { ...opts, model: other, resumeFrom: ck },
        { onProgress: (e) => e.type === 'step' && executed.push(e.globalStep) },
      );
      expect(executed).toEqual([5, 6, 7]);
      expect(resumed.steps).toBe(8);
      const d = maxAbsDiff(full.checkpoint, resumed.checkpoint);
      expect(d).toBe(0);
      expect(resumed.trainLoss).toBe(full.trainLoss);
    } finally {
      other.dispose();
    }
  });
});
