/**
 * /breakdown's three charts: stacked cycles by operator class per variant and array, block-wise
 * speed-up along the depth of the network, and the utilisation heatmap (layer × array size).
 */
import { arrayLabel } from '../format.ts';
import { sortArrays } from '../series.ts';
import type { ChartOption } from './echarts.ts';
import { CLASS_COLORS, colorOf } from './palette.ts';

export interface ByClassRow {
  variant: string;
  rows: number;
  cols: number;
  pointwise: number;
  depthwise: number;
  fuse1d: number;
  other: number;
}
/** Speed-up per block (`features.N`): FuSe turns one depthwise layer into two 1-D ones, blocks match across variants. */
export interface BlockRow {
  variant: string;
  index: number;
  block: string;
  cycles: number;
  baselineCycles: number | null;
  speedup: number | null;
}
/** One result's utilisation per layer, in layer order (the API's `heatmap` entries). */
export interface HeatmapRow {
  variant: string;
  rows: number;
  cols: number;
  utilization: number[];
}

export const CLASSES = ['pointwise', 'depthwise', 'fuse1d', 'other'] as const;
const CLASS_LABELS: Record<(typeof CLASSES)[number], string> = {
  pointwise: 'pointwise',
  depthwise: 'depthwise',
  fuse1d: 'FuSe 1-D',
  other: 'other',
};

/** More arrays than this and the class chart shows the standard sizes unless asked for all. */
export const CLASS_CHART_ARRAYS = 12;

/**
 * The rows the class chart draws: every array of a small sweep; of a large one (225 arrays are
 * 1,125 stacked bars, unreadable and ~0.3 s to lay out) the standard sizes and the array whose
 * layers are shown, unless `all`. Says how many arrays there were.
 */
export function classRows(
  rows: readonly ByClassRow[],
  standard: readonly string[],
  all: boolean,
): { rows: readonly ByClassRow[]; shown: number; stored: number } {
  const stored = new Set(rows.map((r) => arrayLabel(r.rows, r.cols))).size;
  if (all || stored <= CLASS_CHART_ARRAYS) return { rows, shown: stored, stored };
  const keep = new Set(standard);
  const picked = rows.filter((r) => keep.has(arrayLabel(r.rows, r.cols)));
  return { rows: picked, shown: new Set(picked.map((r) => arrayLabel(r.rows, r.cols))).size, stored };
}

export function byClassOption(rows: readonly ByClassRow[], variants: readonly string[]): ChartOption {
  const arrays = sortArrays(rows);
  // Indexed once: a sweep of 225 arrays × 5 variants is 1,125 bars per class.
  const byCategory = new Map(rows.map((r) => [`${r.variant}\n${arrayLabel(r.rows, r.cols)}`, r]));
  const categories = variants.flatMap((variant) => arrays.map((a) => `${variant}\n${a}`).filter((c) => byCategory.has(c)));
  const find = (category: string) => byCategory.get(category);
  return {
    animation: false,
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '–'),
    },
    grid: { left: 70, right: 20, top: 40, bottom: 70 },
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, fontSize: 10 } },
    yAxis: { type: 'value', name: 'cycles' },
    // Many bars: the slider opens on the first 40, whose labels stay readable (all of them would be drawn).
    dataZoom: categories.length > 24 ? [{ type: 'slider', bottom: 0, startValue: 0, endValue: Math.min(categories.length, 40) - 1 }] : [],
    series: CLASSES.map((cls) => ({
      type: 'bar',
      stack: 'cycles',
      name: CLASS_LABELS[cls],
      color: CLASS_COLORS[cls],
      data: categories.map((c) => find(c)?.[cls] ?? null),
    })),
  };
}

/** The API's per-block speed-ups (blocks in network order): one line per variant along the depth. */
export function blockSpeedupOption(blocks: readonly BlockRow[], variants: readonly string[]): ChartOption {
  const order = [...new Map([...blocks].sort((a, b) => a.index - b.index).map((b) => [b.block, b.index])).keys()];
  const present = variants.filter((v) => blocks.some((b) => b.variant === v));
  return {
    animation: false,
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)}x` : '–') },
    grid: { left: 60, right: 20, top: 40, bottom: 70 },
    xAxis: { type: 'category', name: 'block', nameLocation: 'middle', nameGap: 50, data: order, axisLabel: { rotate: 45, fontSize: 10 } },
    yAxis: { type: 'value', name: 'speed-up (x)', scale: true },
    series: present.map((variant, i) => {
      const byBlock = new Map(blocks.filter((b) => b.variant === variant).map((b) => [b.block, b.speedup]));
      return {
        type: 'line',
        name: variant,
        color: colorOf(variant, i),
        symbolSize: 5,
        data: order.map((block) => byBlock.get(block) ?? null),
      };
    }),
  };
}

/** Arrays the heatmap shows at once; more get a slider along the array axis. */
export const HEATMAP_WINDOW = 30;

/** The heatmap's height in pixels: rows stay readable up to the window, then the slider scrolls. */
export function utilizationHeight(arrays: number): number {
  return 90 + 16 * Math.max(4, Math.min(arrays, HEATMAP_WINDOW));
}

export function utilizationOption(heatmap: readonly HeatmapRow[], variant: string): ChartOption {
  const mine = heatmap.filter((r) => r.variant === variant);
  const arrays = sortArrays(mine);
  const row = new Map(arrays.map((label, i) => [label, i]));
  let layers = 0;
  let top = 1; // utilisation may come as a fraction or a percentage; the scale follows the data
  const cells: Array<[number, number, number]> = [];
  for (const r of mine) {
    layers = Math.max(layers, r.utilization.length);
    const y = row.get(arrayLabel(r.rows, r.cols))!;
    r.utilization.forEach((value, index) => {
      top = Math.max(top, value);
      cells.push([index, y, value]);
    });
  }
  return {
    animation: false,
    tooltip: { position: 'top' },
    grid: { left: arrays.length > HEATMAP_WINDOW ? 110 : 70, right: 90, top: 20, bottom: 50 },
    // A sweep of 225 arrays would be 225 rows of a pixel each; a window of them is readable, and
    // ECharts builds only the window's cells (18,000 → 2,400: the chart draws in a third of the time).
    dataZoom:
      arrays.length > HEATMAP_WINDOW
        ? [{ type: 'slider', yAxisIndex: 0, left: 8, width: 18, startValue: 0, endValue: HEATMAP_WINDOW - 1, showDetail: false }]
        : [],
    xAxis: {
      type: 'category',
      name: 'layer',
      nameLocation: 'middle',
      nameGap: 28,
      data: Array.from({ length: layers }, (_, i) => String(i)),
    },
    yAxis: { type: 'category', name: 'array', data: arrays },
    visualMap: { min: 0, max: top > 1 ? 100 : 1, calculable: true, orient: 'vertical', right: 10, top: 'center', text: ['util.', ''] },
    series: [
      {
        type: 'heatmap',
        name: `${variant} utilisation`,
        data: cells,
        // Drawn in one frame: 225 arrays × 80 layers is 18,000 cells, a few frames' worth progressively.
        progressive: 0,
      },
    ],
  };
}
