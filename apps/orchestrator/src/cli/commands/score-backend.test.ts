/**
 * `fuselab score` runs the model proxies on the backend training uses (wasm here) instead of tfjs'
 * JavaScript cpu backend, which libs/nas' hand-computed tests pin: the same proxies on both must
 * agree to float32 accuracy, on a network with every block operator.
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork } from '@fuselab/fuseconv';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import { scoreModel, scoreSpec } from '@fuselab/nas/proxies';
import { ensureBackend } from '../../train/training.js';

const spec = buildNetwork({
  network: 'mobilenet_v3_small',
  operators: ['dw', 'fuse_half', 'fuse_full', 'dw', 'fuse_half', 'fuse_full', 'dw', 'fuse_half', 'fuse_full', 'dw', 'fuse_half'],
  width: 0.25,
  inputSize: 16,
  numClasses: 4,
  stem: 'cifar',
});
const n = 6;
const batch = {
  x: Float32Array.from({ length: n * 16 * 16 * 3 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.011)),
  n,
  height: 16,
  width: 16,
  channels: 3,
  labels: Int32Array.from({ length: n }, (_, i) => i % 4),
};
// Relative differences measured on this test's network and batch (2026-11-30, the model with fused
// BatchNorm + ReLU6 as it trains): grad_norm 4.0e-5, snip 3.1e-5, fisher 3.8e-5, jacob_cov 1.4e-5,
// naswot 2.6e-7 (one unit's code at a sign tie), zen 4.1e-7, grasp 1.7e-4. Larger than with separate
// BatchNorm layers (1.5e-8 to 6.1e-6): the fused kernels' statistics differ in float32 summation order
// between backends, and BatchNorm over 6 images at the late 1×1–2×2 maps amplifies it. The bounds
// leave an order of magnitude.
const TOLERANCE: Record<string, number> = {
  grad_norm: 4e-4,
  snip: 3e-4,
  fisher: 4e-4,
  jacob_cov: 1.5e-4,
  naswot: 3e-6,
  zen: 4e-6,
  grasp: 2e-3,
};

describe('proxies on the training backend', () => {
  it('agree with the cpu reference', async () => {
    const backend = await ensureBackend();
    expect(backend.tfBackend).not.toBe('cpu');
    const proxies = Object.keys(TOLERANCE);
    const reference = await scoreSpec(spec, batch, proxies, 3);
    const fast = await scoreSpec(spec, batch, proxies, 3, { backend: backend.tfBackend });
    // Proof that the second run was computed elsewhere: another summation order changes last bits.
    expect(proxies.some((p) => reference[p as keyof typeof reference] !== fast[p as keyof typeof fast])).toBe(true);
    for (const proxy of proxies) {
      const [a, b] = [reference[proxy as keyof typeof reference]!, fast[proxy as keyof typeof fast]!];
      expect(Number.isFinite(b), proxy).toBe(true);
      expect(Math.abs(a - b) / Math.max(Math.abs(a), 1e-12), `${proxy}: cpu ${a}, ${backend.tfBackend} ${b}`).toBeLessThan(
        TOLERANCE[proxy]!,
      );
    }
    // scoreModel on a model built on that backend, asked for that backend: the same numbers as
    // scoreSpec's fast run bit for bit (the same model, seed and kernels) — not the cpu reference's.
    const built = buildModel(spec, { seed: 3 });
    const ofModel = await scoreModel(built.model, batch, proxies, 3, { backend: backend.tfBackend });
    built.model.dispose();
    expect(ofModel).toEqual(fast);
  }, 300_000);
});
