import { describe, expect, it } from 'vitest';
import { classRows, HEATMAP_WINDOW, utilizationHeight, utilizationOption, type ByClassRow, type HeatmapRow } from './breakdown-options.ts';

const sides = [8, 12, 16, 24, 32, 48, 64, 96, 128, 256];
const byClass: ByClassRow[] = sides.flatMap((rows) =>
  sides.map((cols) => ({ variant: 'fuse_half', rows, cols, pointwise: rows, depthwise: cols, fuse1d: 1, other: 0 })),
);

describe('classRows', () => {
  it('keeps every array of a small sweep', () => {
    const small = byClass.filter((r) => r.rows === r.cols && r.rows <= 64);
    expect(classRows(small, ['8x8'], false)).toEqual({ rows: small, shown: 7, stored: 7 });
  });

  it('keeps the standard sizes of a large sweep unless all are asked for', () => {
    const picked = classRows(byClass, ['8x8', '64x64', '16x64', '48x48', '2x2'], false);
    expect(picked.stored).toBe(100);
    expect(picked.shown).toBe(4);
    expect(picked.rows.map((r) => `${r.rows}x${r.cols}`).sort()).toEqual(['16x64', '48x48', '64x64', '8x8']);
    expect(classRows(byClass, ['8x8'], true)).toEqual({ rows: byClass, shown: 100, stored: 100 });
  });
});

describe('utilizationOption', () => {
  const cells = (arrays: number): HeatmapRow[] =>
    Array.from({ length: arrays }, (_, a) => ({
      variant: 'fuse_half',
      rows: 8 * (a + 1),
      cols: 8 * (a + 1),
      utilization: Array.from({ length: 3 }, (_, index) => (a + index) / 100),
    }));

  it('places each cell at its layer and its array, arrays by area', () => {
    const option = utilizationOption(cells(3), 'fuse_half') as {
      yAxis: { data: string[] };
      series: Array<{ data: number[][] }>;
      dataZoom: unknown[];
    };
    expect(option.yAxis.data).toEqual(['8x8', '16x16', '24x24']);
    expect(option.series[0]!.data).toContainEqual([2, 1, 0.03]);
    expect(option.dataZoom).toEqual([]);
  });

  it('windows the array axis past HEATMAP_WINDOW arrays, and the height stops growing there', () => {
    const option = utilizationOption(cells(HEATMAP_WINDOW + 5), 'fuse_half') as {
      dataZoom: Array<{ yAxisIndex: number; startValue: number; endValue: number }>;
    };
    expect(option.dataZoom).toEqual([expect.objectContaining({ yAxisIndex: 0, startValue: 0, endValue: HEATMAP_WINDOW - 1 })]);
    expect(utilizationHeight(HEATMAP_WINDOW + 5)).toBe(utilizationHeight(HEATMAP_WINDOW));
    expect(utilizationHeight(HEATMAP_WINDOW)).toBeGreaterThan(utilizationHeight(5));
  });
});
