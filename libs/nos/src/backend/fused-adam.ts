/**
 * Adam with one fused kernel per variable.
 *
 * tfjs's `AdamOptimizer.applyGradients` runs ~12 ops per variable (moment updates, bias
 * corrections, square root, division, assignments); a MobileNet-style network has ~40 variables,
 * so a training step spends ~500 kernel calls and their engine overhead on the optimizer.
 * `FusedAdamOptimizer` is the same optimizer (same class name `Adam` for serialisation, same
 * state variables, `getWeights`/`setWeights` unchanged) whose update is one `FuselabAdam` kernel
 * per variable on the cpu and wasm backends — a JavaScript loop that rounds every intermediate to
 * float32 exactly as the separate ops do — and tfjs's original code on any other backend.
 */
import * as tf from '@tensorflow/tfjs-core';

import { registerKernels, type KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend as WasmLike } from './wasm-backend-types.js';

export const FUSED_ADAM = 'FuselabAdam';

interface CpuLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
}

const f = Math.fround;

/**
 * One Adam step with tfjs's operation order, each intermediate rounded to float32:
 * m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2); x' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + x.
 * The scalar attributes are float32 values (as tfjs's scalar tensors hold them).
 */
export function adamUpdate(
  x: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  a: { beta1: number; oneMinusBeta1: number; beta2: number; oneMinusBeta2: number; c1: number; c2: number; epsilon: number; negLr: number },
  xOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
): void {
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, c1, c2, epsilon, negLr } = a;
  for (let i = 0; i < x.length; i++) {
    const gi = g[i] as number;
    const mi = f(f((m[i] as number) * beta1) + f(gi * oneMinusBeta1));
    const vi = f(f((v[i] as number) * beta2) + f(f(gi * gi) * oneMinusBeta2));
    mOut[i] = mi;
    vOut[i] = vi;
    const step = f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + epsilon));
    xOut[i] = f(f(step * negLr) + (x[i] as number));
  }
}

function kernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, m, v, g } = inputs as Record<string, tf.TensorInfo>;
  if (!x || !m || !v || !g) throw new Error(`${FUSED_ADAM}: missing input`);
  const a = attrs as unknown as Parameters<typeof adamUpdate>[4];
  const w = backend as Partial<WasmLike>;
  if (typeof w.typedArrayFromHeap === 'function' && typeof w.makeOutput === 'function') {
    const b = backend as WasmLike;
    const outs = [0, 1, 2].map(() => b.makeOutput(x.shape, 'float32'));
    const h = (t: tf.TensorInfo): Float32Array => b.typedArrayFromHeap(t) as Float32Array;
    adamUpdate(h(x), h(m), h(v), h(g), a, h(outs[0]!), h(outs[1]!), h(outs[2]!));
    return outs;
  }
  const c = backend as CpuLike;
  const n = tf.util.sizeFromShape(x.shape);
  const vals = [0, 1, 2].map(() => new Float32Array(n));
  const r = (t: tf.TensorInfo): Float32Array => c.readSync(t.dataId) as Float32Array;
  adamUpdate(r(x), r(m), r(v), r(g), a, vals[0]!, vals[1]!, vals[2]!);
  return vals.map((val) => c.makeTensorInfo(x.shape, 'float32', val));
}

/**
 * Registered on import (not by registerWasmTrainingKernels), since the optimizer also runs on the
 * cpu backend; neither backend has an Adam kernel.
 */
export const FUSED_ADAM_KERNELS: readonly KernelRegistration[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: FUSED_ADAM,
  backendName,
  kernelFunc: kernel,
  registration: 'if-missing',
}));

registerKernels(FUSED_ADAM_KERNELS);

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/**
 * β^(t+1) as Adam's `applyGradients` accumulates it after `t` steps: the variable starts at β (a
 * float32 scalar) and every step multiplies it by β in float32 (`accBeta.assign(mul(accBeta, β))`,
 * on every backend: the product of two float32 numbers rounded once). tfjs's `setWeights` instead
 * recomputes it as `pow(β, t + 1)`, which rounds differently for most t (e.g. β = 0.999 at t = 2, 5,
 * 18–35…; β = 0.9 at t = 8, 11, 13…), so a resumed run's bias correction differed from the
 * uninterrupted run's in the last bit and the difference grew with every later step.
 */
export function adamBetaPower(beta: number, iterations: number): number {
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new RangeError(`adamBetaPower: iterations must be a non-negative integer, got ${iterations}`);
  const b = f(beta);
  let acc = b;
  for (let t = 0; t < iterations; t++) acc = f(acc * b);
  return acc;
}

/** Adam (tfjs semantics and state) with a fused per-variable update on cpu and wasm. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /**
   * tfjs's `setWeights` (moments and iteration count), then the bias-correction accumulators exactly
   * as `iterations` uninterrupted steps leave them ({@link adamBetaPower}) instead of tfjs's
   * `pow(β, iterations + 1)`: a run resumed from `getWeights` continues bitwise.
   */
  override async setWeights(weightValues: Parameters<tf.AdamOptimizer['setWeights']>[0]): Promise<void> {
    await super.setWeights(weightValues);
    const self = this as unknown as AdamInternals;
    const t = this.iterations;
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(adamBetaPower(self.beta1, t), 'float32'));
      self.accBeta2.assign(tf.scalar(adamBetaPower(self.beta2, t), 'float32'));
    });
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const [acc1] = self.accBeta1.dataSync() as Float32Array;
    const [acc2] = self.accBeta2.dataSync() as Float32Array;
    const attrs = {
      beta1: f(self.beta1),
      oneMinusBeta1: f(1 - self.beta1),
      beta2: f(self.beta2),
      oneMinusBeta2: f(1 - self.beta2),
      c1: f(1 - (acc1 as number)),
      c2: f(1 - (acc2 as number)),
      epsilon: f(self.epsilon),
      negLr: f(-self.learningRate),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (gradient === undefined || gradient === null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') {
          throw new Error(`FusedAdamOptimizer: ${name} is ${value.dtype}, gradient ${gradient.dtype}; only float32`);
        }
        const [x2, m2, v2] = tf
          .engine()
          .runKernel(FUSED_ADAM, { x: value, m, v, g: gradient } as never, attrs as never) as unknown as tf.Tensor[];
        m.assign(m2 as tf.Tensor);
        v.assign(v2 as tf.Tensor);
        value.assign(x2 as tf.Tensor);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}

/** `tf.train.adam` with the fused update (same defaults: lr 0.001, β 0.9 / 0.999, ε of the backend). */
export function fusedAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
