/**
 * Channel rounding rules under a width multiplier, one per reference network family. Each mirrors
 * the arithmetic of the reference (IEEE doubles in the same order of operations, so results agree
 * with Python's for every width).
 */

/**
 * MobileNetV2's `_make_divisible` (from the TF slim code): round to the nearest multiple of
 * `divisor` (halves up), at least `minValue`, and never more than 10% below `v`.
 */
export function makeDivisible(v: number, divisor = 8, minValue: number = divisor): number {
  let rounded = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** MobileNetV3's `make_divisible`: round *up* to a multiple of `divisor`. */
export function ceilDivisible(v: number, divisor = 8): number {
  return Math.ceil((v * 1) / divisor) * divisor;
}

/** MobileNetV1's and MnasNet's rule: `int(c * width)` (truncation). */
export function truncScale(channels: number, width: number): number {
  return Math.trunc(channels * width);
}
