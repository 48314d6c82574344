import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeArray, type Dataflow } from '../array.js';
import { layerMacs, type ConvLayer } from '../topology.js';
import { stosGemm, stosLayerTiming, stosOneDim } from './stos.js';

const dataflows: Dataflow[] = ['os', 'ws', 'is'];

const gemmShape = fc.record({
  inputs: fc.integer({ min: 1, max: 5000 }),
  reduction: fc.integer({ min: 1, max: 3000 }),
  filters: fc.integer({ min: 1, max: 1200 }),
});
const arraySide = fc.integer({ min: 1, max: 256 });

const oneDimLayer = fc
  .record({
    horizontal: fc.boolean(),
    size: fc.integer({ min: 4, max: 120 }),
    other: fc.integer({ min: 1, max: 120 }),
    kernel: fc.constantFrom(3, 5, 7),
    stride: fc.constantFrom(1, 2),
    channels: fc.integer({ min: 1, max: 512 }),
  })
  .map(({ horizontal, size, other, kernel, stride, channels }): ConvLayer => ({
    name: 'fuse',
    kind: 'depthwise1d',
    ifmapH: horizontal ? other : size,
    ifmapW: horizontal ? size : other,
    kernelH: horizontal ? 1 : kernel,
    kernelW: horizontal ? kernel : 1,
    channels,
    filters: channels,
    strideH: stride,
    strideW: stride,
    padH: horizontal ? 0 : (kernel - 1) / 2,
    padW: horizontal ? (kernel - 1) / 2 : 0,
  }));

describe('stos model', () => {
  it('an OS GEMM fold costs load + compute + flush = T + 2r + c − 2', () => {
    // One fold, 3 output pixels × 2 filters, reduction 10, on a 4×4 array.
    const t = stosGemm({ inputs: 3, reduction: 10, filters: 2 }, { rows: 4, cols: 4 }, 'os');
    expect(t).toMatchObject({ folds: 1, load: 3, compute: 10, psum: 0, flush: 3, cycles: 16 });
  });

  it('a WS GEMM streams the inputs and pays the psum ripple per fold', () => {
    // reduction 6 over 4 rows → folds of 4 and 2 rows; 5 filters over 4 cols → 4 and 1.
    const t = stosGemm({ inputs: 7, reduction: 6, filters: 5 }, { rows: 4, cols: 4 }, 'ws');
    expect(t.folds).toBe(4);
    expect(t.compute).toBe(4 * 7);
    expect(t.load).toBe(4 + 4 + 2 + 2);
    expect(t.psum).toBe(4 + 4 - 2 + (4 + 1 - 2) + (2 + 4 - 2) + (2 + 1 - 2));
  });

  it('an ST-OS 1-D fold costs (c − 1)·s + 1 + K + c', () => {
    const layer: ConvLayer = {
      name: 'h',
      kind: 'depthwise1d',
      ifmapH: 2,
      ifmapW: 8,
      kernelH: 1,
      kernelW: 3,
      channels: 2,
      filters: 2,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 1,
    };
    // 4 lines (2 channels × 2 rows) × 8 outputs on a 4×8 array: one fold.
    const t = stosOneDim(layer, { rows: 4, cols: 8 });
    expect(t).toMatchObject({ folds: 1, load: 8, compute: 3, psum: 0, flush: 8, cycles: 19 });
  });

  it('utilisation never exceeds 1 and cycles are at least MACs / PEs (GEMM, all dataflows)', () => {
    fc.assert(
      fc.property(gemmShape, arraySide, arraySide, fc.constantFrom(...dataflows), (shape, rows, cols, dataflow) => {
        const { cycles } = stosGemm(shape, { rows, cols }, dataflow);
        const macs = shape.inputs * shape.reduction * shape.filters;
        expect(cycles * rows * cols).toBeGreaterThanOrEqual(macs);
      }),
    );
  });

  it('utilisation never exceeds 1 for ST-OS 1-D layers', () => {
    fc.assert(
      fc.property(oneDimLayer, arraySide, arraySide, (layer, rows, cols) => {
        const { cycles } = stosOneDim(layer, { rows, cols });
        expect(cycles * rows * cols).toBeGreaterThanOrEqual(layerMacs(layer));
      }),
    );
  });

  it('is monotone in work: more filters, inputs or reduction never take fewer cycles', () => {
    fc.assert(
      fc.property(
        gemmShape,
        arraySide,
        arraySide,
        fc.constantFrom(...dataflows),
        fc.constantFrom('inputs', 'reduction', 'filters'),
        (shape, rows, cols, dataflow, grow) => {
          const bigger = { ...shape, [grow]: shape[grow as keyof typeof shape] + 1 };
          expect(stosGemm(bigger, { rows, cols }, dataflow).cycles).toBeGreaterThanOrEqual(
            stosGemm(shape, { rows, cols }, dataflow).cycles,
          );
        },
      ),
    );
    fc.assert(
      fc.property(oneDimLayer, arraySide, arraySide, (layer, rows, cols) => {
        const more = { ...layer, channels: layer.channels + 1, filters: layer.filters + 1 };
        expect(stosOneDim(more, { rows, cols }).cycles).toBeGreaterThanOrEqual(stosOneDim(layer, { rows, cols }).cycles);
      }),
    );
  });

  it('a bigger array is never slower for the same mapping', () => {
    fc.assert(
      fc.property(
        gemmShape,
        arraySide,
        arraySide,
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 64 }),
        fc.constantFrom(...dataflows),
        (shape, rows, cols, extraRows, extraCols, dataflow) => {
          const small = stosGemm(shape, { rows, cols }, dataflow).cycles;
          const big = stosGemm(shape, { rows: rows + extraRows, cols: cols + extraCols }, dataflow).cycles;
          expect(big).toBeLessThanOrEqual(small);
        },
      ),
    );
    fc.assert(
      fc.property(
        oneDimLayer,
        arraySide,
        arraySide,
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 64 }),
        (layer, rows, cols, extraRows, extraCols) => {
          const small = stosOneDim(layer, { rows, cols }).cycles;
          const big = stosOneDim(layer, { rows: rows + extraRows, cols: cols + extraCols }).cycles;
          expect(big).toBeLessThanOrEqual(small);
        },
      ),
    );
  });

  it('runs 1-D depthwise layers as per-channel GEMMs on a plain array and as ST-OS on a fuse array', () => {
    const layer: ConvLayer = {
      name: 'v',
      kind: 'depthwise1d',
      ifmapH: 16,
      ifmapW: 16,
      kernelH: 3,
      kernelW: 1,
      channels: 32,
      filters: 32,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 0,
    };
    const plain = stosLayerTiming(layer, makeArray(16, 16, { hardware: 'plain' }));
    const fuse = stosLayerTiming(layer, makeArray(16, 16, { hardware: 'fuse' }));
    // Per channel: 8×8 = 64 outputs, reduction 3, one filter → 4 row folds of 16.
    expect(plain.folds).toBe(32 * 4);
    expect(plain.cycles).toBe(32 * 4 * (16 + 1 - 2 + 3 + 16));
    expect(fuse.cycles).toBeLessThan(plain.cycles);
  });
});
