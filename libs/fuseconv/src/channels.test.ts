import { describe, expect, it } from 'vitest';
import { ceilDivisible, makeDivisible, truncScale } from './channels.js';

describe('channel rounding rules', () => {
  it('makeDivisible rounds to the nearest multiple of 8, never dropping more than 10%', () => {
    expect(makeDivisible(32)).toBe(32);
    expect(makeDivisible(32 * 0.35)).toBe(16); // 11.2 → 8 would lose >10%, so 16
    expect(makeDivisible(24 * 0.5)).toBe(16); // 12 → halves round up
    expect(makeDivisible(96 * 0.75)).toBe(72);
    expect(makeDivisible(320 * 1.4)).toBe(448);
    expect(makeDivisible(3)).toBe(8); // minimum value
  });

  it('ceilDivisible rounds up to a multiple of 8 (MobileNetV3)', () => {
    expect(ceilDivisible(16 * 0.35)).toBe(8);
    expect(ceilDivisible(72 * 0.5)).toBe(40);
    expect(ceilDivisible(40 * 0.6)).toBe(24);
    expect(ceilDivisible(960)).toBe(960);
  });

  it('truncScale truncates like int() (MobileNetV1, MnasNet)', () => {
    expect(truncScale(64, 1.4)).toBe(89);
    expect(truncScale(32, 0.75)).toBe(24);
    expect(truncScale(1280, 1.3)).toBe(1664);
  });
});
