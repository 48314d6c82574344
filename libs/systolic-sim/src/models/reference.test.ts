import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceFuseCycles, referenceGemmCycles } from './reference.js';
import { outputExtent } from './gemm-shape.js';

interface FormulaCase {
  rows: number;
  cols: number;
  paddedH: number;
  paddedW: number;
  kernelH: number;
  kernelW: number;
  channels: number;
  filters: number;
  stride: number;
  batch: number;
  gemmCycles: number;
  fuseCycles: number;
}

// Produced by running the FuSeConv authors' gemmCycles/FuSeCycles (see fixtures/README.md).
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/reference-formula-cases.json', import.meta.url), 'utf8')) as {
  cases: FormulaCase[];
};

describe('reference model formulas against the authors’ functions', () => {
  it('has a meaningful number of cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(400);
  });

  it('gemmCycles agrees to the cycle on every recorded case', () => {
    for (const c of fixture.cases) {
      const inputs = c.batch * outputExtent(c.paddedH, c.kernelH, c.stride) * outputExtent(c.paddedW, c.kernelW, c.stride);
      const shape = { inputs, reduction: c.kernelH * c.kernelW * c.channels, filters: c.filters };
      expect(referenceGemmCycles(shape, c.rows, c.cols), JSON.stringify(c)).toBe(c.gemmCycles);
    }
  });

  it('FuSeCycles agrees to the cycle on every recorded case', () => {
    for (const c of fixture.cases) {
      // The authors' function takes the 1×K orientation: cross axis = height, kernel along width.
      const cycles = referenceFuseCycles(c.paddedH, c.paddedW, c.kernelW, c.stride, c.channels, c.batch, c.rows, c.cols);
      expect(cycles, JSON.stringify(c)).toBe(c.fuseCycles);
    }
  });
});
