/**
 * The simulator's own input checks: every rule of validate.ts and array.ts rejects with the field
 * and the problem, and accepts the boundary cases.
 */
import { describe, expect, it } from 'vitest';

import { DEFAULT_ARRAY, makeArray, parseArraySize, validateArray } from './array.js';
import { InputError, InvalidArrayError } from './errors.js';
import { simulateNetwork } from './simulate.js';
import type { ConvLayer, Layer } from './topology.js';
import { validateLayer, validateTopology } from './validate.js';

const conv: ConvLayer = {
  name: 'c',
  kind: 'conv',
  ifmapH: 8,
  ifmapW: 8,
  kernelH: 3,
  kernelW: 3,
  channels: 4,
  filters: 8,
  strideH: 1,
  strideW: 1,
  padH: 1,
  padW: 1,
};

/** The InputError `run` throws: its field and message. */
function inputError(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).name).toBe('InputError');
    return { field: (error as InputError).field, message: (error as Error).message };
  }
  throw new Error('expected an InputError');
}

describe('validateLayer', () => {
  it('accepts valid layers of every kind, including a kernel exactly as large as the padded input', () => {
    const layers: Layer[] = [
      conv,
      { ...conv, kind: 'pointwise', kernelH: 1, kernelW: 1, padH: 0, padW: 0 },
      { ...conv, kind: 'depthwise', filters: 4 },
      { ...conv, kind: 'depthwise1d', kernelH: 1, kernelW: 3, filters: 4, padH: 0 },
      { ...conv, kind: 'depthwise1d', kernelH: 3, kernelW: 1, filters: 4, padW: 0 },
      { ...conv, ifmapH: 1, ifmapW: 1, kernelH: 3, kernelW: 3, padH: 1, padW: 1, batch: 2 },
      { name: 'fc', kind: 'gemm', m: 1, k: 16, n: 10 },
    ];
    for (const l of layers) expect(() => validateLayer(l, 'l')).not.toThrow();
  });

  it.each([
    ['ifmapH', 0, 'must be a positive integer, got 0'],
    ['ifmapW', 2.5, 'must be a positive integer, got 2.5'],
    ['kernelH', -1, 'must be a positive integer, got -1'],
    ['channels', Number.NaN, 'must be a positive integer, got NaN'],
    ['filters', '8', 'must be a positive integer, got 8'],
    ['strideW', 0, 'must be a positive integer, got 0'],
    ['padH', -1, 'must be a non-negative integer, got -1'],
    ['padW', 0.5, 'must be a non-negative integer, got 0.5'],
    ['batch', 0, 'must be a positive integer, got 0'],
  ] as const)('rejects %s = %s, naming the field', (field, value, problem) => {
    const e = inputError(() => validateLayer({ ...conv, [field]: value } as unknown as Layer, 'layers[2] (c)'));
    expect(e.field).toBe(`layers[2] (c).${field}`);
    expect(e.message).toBe(`layers[2] (c).${field}: ${problem}`);
  });

  it.each(['m', 'k', 'n'] as const)('rejects a gemm with %s = 0', (field) => {
    const e = inputError(() => validateLayer({ name: 'fc', kind: 'gemm', m: 1, k: 2, n: 3, [field]: 0 }, 'fc'));
    expect(e.field).toBe(`fc.${field}`);
  });

  it('rejects a kernel larger than the padded input, in either direction', () => {
    expect(inputError(() => validateLayer({ ...conv, ifmapH: 2, padH: 0 }, 'l'))).toEqual({
      field: 'l.kernelH',
      message: 'l.kernelH: kernel height 3 is larger than the padded input height 2',
    });
    expect(inputError(() => validateLayer({ ...conv, ifmapW: 1, padW: 0 }, 'l'))).toEqual({
      field: 'l.kernelW',
      message: 'l.kernelW: kernel width 3 is larger than the padded input width 1',
    });
  });

  it('rejects kind-specific shapes: depthwise filter counts, 1-D kernels, pointwise kernels', () => {
    expect(inputError(() => validateLayer({ ...conv, kind: 'depthwise' }, 'l')).field).toBe('l.filters');
    expect(inputError(() => validateLayer({ ...conv, kind: 'depthwise1d', filters: 4 }, 'l')).message).toBe(
      'l.kernelH: a depthwise1d layer has a 1×K or K×1 kernel, got 3×3',
    );
    expect(inputError(() => validateLayer({ ...conv, kind: 'depthwise1d', kernelH: 1, kernelW: 3, filters: 5 }, 'l')).field).toBe(
      'l.filters',
    );
    expect(inputError(() => validateLayer({ ...conv, kind: 'pointwise' }, 'l')).message).toBe(
      'l.kernelH: a pointwise layer has a 1×1 kernel, got 3×3',
    );
  });
});

describe('validateTopology', () => {
  it('rejects an empty topology and names the position and layer of a bad one', () => {
    expect(inputError(() => validateTopology([]))).toEqual({ field: 'layers', message: 'layers: a topology needs at least one layer' });
    expect(inputError(() => validateTopology([conv, { ...conv, name: 'bad', strideH: 0 }])).field).toBe('layers[1] (bad).strideH');
    expect(() => validateTopology([conv])).not.toThrow();
  });
});

describe('array checks', () => {
  it('makeArray and validateArray accept positive integer sizes and reject others, naming rows or cols', () => {
    expect(makeArray(16, 8)).toEqual({ ...DEFAULT_ARRAY, rows: 16, cols: 8 });
    for (const [rows, cols, field] of [
      [0, 8, 'rows'],
      [8, -2, 'cols'],
      [1.5, 8, 'rows'],
      [8, Number.NaN, 'cols'],
    ] as const) {
      expect(() => makeArray(rows, cols)).toThrow(InvalidArrayError);
      expect(() => makeArray(rows, cols)).toThrow(`${field}: must be a positive integer, got ${field === 'rows' ? rows : cols}`);
    }
    expect(() => validateArray({ ...DEFAULT_ARRAY, rows: 4, cols: 0 })).toThrow(/^cols: /);
  });

  it('simulateNetwork checks the array and the topology before simulating', () => {
    expect(() => simulateNetwork([conv], { ...DEFAULT_ARRAY, rows: 0, cols: 8 }, { model: 'reference' })).toThrow(InvalidArrayError);
    expect(inputError(() => simulateNetwork([{ ...conv, padW: -1 }], makeArray(8, 8), { model: 'reference' })).field).toBe(
      'layers[0] (c).padW',
    );
  });

  it('parseArraySize reads RxC and a square size, and rejects anything else', () => {
    expect(parseArraySize('64x32')).toEqual({ rows: 64, cols: 32 });
    expect(parseArraySize(' 16 X 16 ')).toEqual({ rows: 16, cols: 16 });
    expect(parseArraySize('8×4')).toEqual({ rows: 8, cols: 4 });
    expect(parseArraySize('128')).toEqual({ rows: 128, cols: 128 });
    for (const bad of ['', '64x', 'x64', '64x32x2', '-8x8', '8.5x8', 'abc'])
      expect(() => parseArraySize(bad), bad).toThrow(/array size must look like RxC \(e\.g\. 64x64\)/);
    expect(() => parseArraySize('0x8')).toThrow('array size must have positive rows and cols, got "0x8"');
  });
});
