/** Helpers shared by the tfjs tests (not built into the package). */
import type * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** max |a − b| / max |b|, after checking that the shapes agree. */
export function relErr(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let d = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i]! - y[i]!));
    s = Math.max(s, Math.abs(y[i]!));
  }
  return d / Math.max(s, 1e-12);
}
