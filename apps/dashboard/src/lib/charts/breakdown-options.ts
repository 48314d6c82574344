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
export interface UtilizationRow {
  variant: string;
  rows: number;
  cols: number;
  index: number;
  utilization: number;
}

export const CLASSES = ['pointwise', 'depthwise', 'fuse1d', 'other'] as const;
const CLASS_LABELS: Record<(typeof CLASSES)[number], string> = {
  pointwise: 'pointwise',
  depthwise: 'depthwise',
  fuse1d: 'FuSe 1-D',
  other: 'other',
};

export function byClassOption(rows: readonly ByClassRow[], variants: readonly string[]): ChartOption {
  const arrays = sortArrays(rows);
  const categories = variants.flatMap((variant) =>
    arrays.filter((a) => rows.some((r) => r.variant === variant && arrayLabel(r.rows, r.cols) === a)).map((a) => `${variant}\n${a}`),
  );
  const find = (category: string) => {
    const [variant, array] = category.split('\n');
    return rows.find((r) => r.variant === variant && arrayLabel(r.rows, r.cols) === array);
  };
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
    dataZoom: categories.length > 24 ? [{ type: 'slider', bottom: 0 }] : [],
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

export function utilizationOption(rows: readonly UtilizationRow[], variant: string): ChartOption {
  const mine = rows.filter((r) => r.variant === variant);
  const arrays = sortArrays(mine);
  const maxIndex = Math.max(0, ...mine.map((r) => r.index));
  // Utilisation may come as a fraction or a percentage; the scale follows the data.
  const top = Math.max(1, ...mine.map((r) => r.utilization));
  return {
    animation: false,
    tooltip: { position: 'top' },
    grid: { left: 70, right: 90, top: 20, bottom: 50 },
    xAxis: {
      type: 'category',
      name: 'layer',
      nameLocation: 'middle',
      nameGap: 28,
      data: Array.from({ length: maxIndex + 1 }, (_, i) => String(i)),
    },
    yAxis: { type: 'category', name: 'array', data: arrays },
    visualMap: { min: 0, max: top > 1 ? 100 : 1, calculable: true, orient: 'vertical', right: 10, top: 'center', text: ['util.', ''] },
    series: [
      {
        type: 'heatmap',
        name: `${variant} utilisation`,
        data: mine.map((r) => [r.index, arrays.indexOf(arrayLabel(r.rows, r.cols)), r.utilization]),
        progressive: 5000,
      },
    ],
  };
}
