import { describe, expect, it } from 'vitest';
import { parseArrayList, parseList, parsePositiveInt, parsePositiveNumber } from './options.js';
import { UsageError } from './usage-error.js';

describe('CLI option parsing', () => {
  it('parses array lists, square and rectangular', () => {
    expect(parseArrayList('--arrays', '8, 16x64 ,32X32')).toEqual([
      { rows: 8, cols: 8 },
      { rows: 16, cols: 64 },
      { rows: 32, cols: 32 },
    ]);
  });

  it('rejects empty items and malformed sizes naming the flag', () => {
    expect(() => parseArrayList('--arrays', '8,,16')).toThrow(new UsageError('--arrays', 'empty item in "8,,16"'));
    expect(() => parseArrayList('--arrays', '8,abc')).toThrow(/^--arrays: array size must look like RxC/);
  });

  it('expands "all" and removes duplicates from lists', () => {
    const allowed = ['a', 'b', 'c'] as const;
    expect(parseList('--x', 'all', allowed, 'thing')).toEqual(['a', 'b', 'c']);
    expect(parseList('--x', 'b,a,b', allowed, 'thing')).toEqual(['b', 'a']);
    expect(() => parseList('--x', 'a,d', allowed, 'thing')).toThrow('--x: unknown thing "d", expected one of a, b, c');
  });

  it('accepts only positive integers and numbers', () => {
    expect(parsePositiveInt('--input', '224')).toBe(224);
    for (const bad of ['0', '-1', '1.5', 'ten', '']) expect(() => parsePositiveInt('--input', bad)).toThrow(UsageError);
    expect(parsePositiveNumber('--width', '0.25')).toBe(0.25);
    for (const bad of ['0', '-0.5', 'wide', '', 'Infinity']) expect(() => parsePositiveNumber('--width', bad)).toThrow(UsageError);
  });
});
