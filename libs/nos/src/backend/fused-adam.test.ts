/** FusedAdamOptimizer against tfjs's AdamOptimizer on cpu and wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { FUSED_ADAM, FusedAdamOptimizer, adamBetaPower, fusedAdam, selectBackend } from './index.js';
import { randomValues, relativeError } from './test-util.js';

beforeAll(async () => {
  await selectBackend('cpu');
  expect((await selectBackend('wasm')).name).toBe('wasm');
}, 60_000);

/** Five steps on three variables with fixed pseudo-random gradients; final values and state. */
async function run(opt: tf.AdamOptimizer, tag: string): Promise<{ values: Float32Array[]; state: Array<[string, Float32Array]> }> {
  const shapes = [[3, 3, 4, 8], [17], [5, 7]];
  const vars = shapes.map((s, i) =>
    tf.variable(
      tf.tensor(
        randomValues(
          s.reduce((a, b) => a * b, 1),
          10 + i,
        ),
        s,
      ),
      true,
      `${tag}_v${i}`,
    ),
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
  const state = (await opt.getWeights()).map(
    (w) => [w.name.replace(`${tag}_`, ''), w.tensor.dataSync() as Float32Array] as [string, Float32Array],
  );
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

  interface Acc {
    accBeta1: tf.Variable;
    accBeta2: tf.Variable;
  }
  const accs = (o: tf.Optimizer): [number, number] => {
    const a = o as unknown as Acc;
    return [a.accBeta1.dataSync()[0]!, a.accBeta2.dataSync()[0]!];
  };

  for (const backend of ['cpu', 'wasm']) {
    it(`on ${backend}: setWeights restores the bias-correction accumulators of every step count bitwise`, async () => {
      await tf.setBackend(backend);
      const v = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `acc_${backend}`);
      const g = tf.tensor1d([0.1, -0.2, 0.3]);
      const live = fusedAdam(0.01);
      let tfjsMismatches = 0;
      for (let t = 0; t <= 40; t++) {
        if (t > 0) live.applyGradients({ [v.name]: g as tf.Variable });
        expect(accs(live)).toEqual([adamBetaPower(0.9, t), adamBetaPower(0.999, t)]);
        const saved = await live.getWeights();
        const restored = fusedAdam(0.01);
        await restored.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
        expect(restored.iterations).toBe(t);
        expect(accs(restored), `t = ${t}`).toEqual(accs(live));
        restored.dispose();
        // tfjs's own setWeights recomputes pow(β, t + 1), which rounds differently for most t.
        const plain = tf.train.adam(0.01);
        await plain.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
        if (accs(plain).join() !== accs(live).join()) tfjsMismatches++;
        plain.dispose();
      }
      expect(tfjsMismatches).toBeGreaterThan(10);
      live.dispose();
      tf.dispose([v, g]);
    });

    it(`on ${backend}: five steps, save, restore into a new optimizer, five more = ten uninterrupted steps, bitwise`, async () => {
      await tf.setBackend(backend);
      const grads = Array.from({ length: 10 }, (_, s) => randomValues(24, 300 + s).map((x) => x * 10));
      const step = (o: tf.Optimizer, v: tf.Variable, s: number) => {
        const gt = tf.tensor(grads[s]!, v.shape);
        o.applyGradients({ [v.name]: gt as tf.Variable });
        gt.dispose();
      };
      const init = randomValues(24, 299);
      const a = tf.variable(tf.tensor(init, [4, 6]), true, `cont_a_${backend}`);
      const oa = fusedAdam(0.05);
      for (let s = 0; s < 10; s++) step(oa, a, s);
      const b = tf.variable(tf.tensor(init, [4, 6]), true, `cont_b_${backend}`);
      const ob = fusedAdam(0.05);
      for (let s = 0; s < 5; s++) step(ob, b, s);
      const saved = (await ob.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
      ob.dispose();
      const oc = fusedAdam(0.05);
      await oc.setWeights(saved);
      for (let s = 5; s < 10; s++) step(oc, b, s);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      oa.dispose();
      oc.dispose();
      tf.dispose([a, b]);
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
