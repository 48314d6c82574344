/** FusedAdamOptimizer against tfjs's AdamOptimizer on cpu and wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { FUSED_ADAM, FusedAdamOptimizer, fusedAdam, selectBackend } from './index.js';
import { randomValues, relativeError } from './test-util.js';

beforeAll(async () => {
  await selectBackend('cpu');
  expect((await selectBackend('wasm')).name).toBe('wasm');
}, 60_000);

/** Five steps on three variables with fixed pseudo-random gradients; final values and state. */
async function run(opt: tf.AdamOptimizer, tag: string): Promise<{ values: Float32Array[]; state: Array<[string, Float32Array]> }> {
  const shapes = [[3, 3, 4, 8], [17], [5, 7]];
  const vars = shapes.map((s, i) =>
    tf.variable(tf.tensor(randomValues(s.reduce((a, b) => a * b, 1), 10 + i), s), true, `${tag}_v${i}`),
  );
  for (let step = 0; step < 5; step++) {
    const grads: Record<string, tf.Variable> = {};
    vars.forEach((v, i) => {
      // Mixed magnitudes, some exact zeros.
      const g = randomValues(v.size, 100 * step + i).map((x, j) => (j % 7 === 0 ? 0 : x * 10 ** ((j % 5) - 2)));
      grads[v.name] = tf.tensor(g, v.shape) as tf.Variable; // applyGradients' type says Variable; any tensor works
    });
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = vars.map((v) => v.dataSync() as Float32Array);
  const state = (await opt.getWeights()).map((w) => [w.name.replace(`${tag}_`, ''), w.tensor.dataSync() as Float32Array] as [string, Float32Array]);
  tf.dispose(vars);
  opt.dispose();
  return { values, state };
}

describe('FusedAdamOptimizer', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`on ${backend}: the same values and optimizer state as tf.train.adam after five steps`, async () => {
      await tf.setBackend(backend);
      expect(tf.getKernel(FUSED_ADAM, backend)).toBeDefined();
      const ref = await run(tf.train.adam(0.01, 0.9, 0.999), 'ref');
      const got = await run(fusedAdam(0.01, 0.9, 0.999), 'got');
      ref.values.forEach((r, i) => expect(relativeError(got.values[i] ?? [], r), `value ${i}`).toBeLessThan(1e-6));
      expect(got.state.map(([n]) => n)).toEqual(ref.state.map(([n]) => n));
      ref.state.forEach(([n, r], i) => expect(relativeError(got.state[i]?.[1] ?? [], r), n).toBeLessThan(1e-6));
    });
  }

  it('is an AdamOptimizer (class name Adam) with tfjs defaults', () => {
    const o = fusedAdam();
    expect(o).toBeInstanceOf(tf.AdamOptimizer);
    expect(o).toBeInstanceOf(FusedAdamOptimizer);
    expect(o.getClassName()).toBe('Adam');
    expect(o.getConfig()).toEqual(tf.train.adam().getConfig());
    o.dispose();
  });
});
