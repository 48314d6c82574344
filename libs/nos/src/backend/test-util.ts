/** Helpers shared by the backend tests (not exported from the package). */

/** Deterministic uniform(-1, 1) values (mulberry32). */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic integer in [lo, hi] from a seed. */
export function randomInt(seed: number, lo: number, hi: number): number {
  const v = randomValues(1, seed)[0] ?? 0;
  return lo + Math.min(hi - lo, Math.floor(((v + 1) / 2) * (hi - lo + 1)));
}

/**
 * max |a - b| relative to max |b| (the reference), so float32 round-off in long sums is judged
 * against the magnitude of the result.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!Number.isFinite(x)) return Infinity;
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return diff / Math.max(scale, 1e-12);
}
