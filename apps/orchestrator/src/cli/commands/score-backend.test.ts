/**
 * `fuselab score` runs the model proxies on the backend training uses (wasm here) instead of tfjs'
 * JavaScript cpu backend, which libs/nas' hand-computed tests pin: the same proxies on both must
 * agree to float32 accuracy, on a network with every block operator.
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork } from '@fuselab/fuseconv';
import { scoreSpec } from '@fuselab/nas/proxies';
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
// Relative differences measured at 32 px (the test runs at 16 px to save the cpu reference's time): 1.5e-8 (jacob_cov) to 6.1e-6 (fisher), naswot exact (a
// count of binary codes); the bounds leave an order of magnitude for float32 summation order.
const TOLERANCE: Record<string, number> = {
  grad_norm: 1e-5,
  snip: 1e-5,
  fisher: 1e-4,
  jacob_cov: 1e-5,
  naswot: 1e-9,
  zen: 1e-5,
  grasp: 1e-4,
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
  }, 300_000);
});
