/**
 * Training curves: per (variant, method) the mean over seeds as a line and the min–max band as a
 * shaded area (a transparent lower series plus the stacked max − min), so scratch, KD and NOS of
 * the same variant overlay in one colour with different dashes.
 */
import type { Band } from '../series.ts';
import type { ChartOption } from './echarts.ts';
import { METHOD_DASH, colorOf } from './palette.ts';

export const bandName = (b: Pick<Band, 'network' | 'variant' | 'method'>, networks: number) =>
  `${networks > 1 ? `${b.network} ` : ''}${b.variant} · ${b.method}`;

export function trainingOption(bands: readonly Band[], metric: 'loss' | 'accuracy'): ChartOption {
  const networks = new Set(bands.map((b) => b.network)).size;
  const variants = [...new Set(bands.map((b) => b.variant))];
  return {
    animation: false,
    legend: { top: 0, data: bands.map((b) => bandName(b, networks)) },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '–') },
    grid: { left: 60, right: 20, top: 50, bottom: 50 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 28, min: 'dataMin' },
    yAxis: { type: 'value', name: metric, scale: true },
    series: bands.flatMap((b) => {
      const name = bandName(b, networks);
      const color = colorOf(b.variant, variants.indexOf(b.variant));
      const stack = `band:${name}`;
      const withBand = b.seeds > 1;
      return [
        {
          type: 'line',
          name,
          color,
          showSymbol: false,
          lineStyle: { type: METHOD_DASH[b.method] ?? 'solid', width: 2 },
          data: b.steps.map((s, i) => [s, b.mean[i]]),
        },
        ...(withBand
          ? [
              {
                type: 'line',
                name,
                stack,
                color,
                silent: true,
                showSymbol: false,
                lineStyle: { opacity: 0 },
                tooltip: { show: false },
                data: b.steps.map((s, i) => [s, b.min[i]]),
              },
              {
                type: 'line',
                name,
                stack,
                color,
                silent: true,
                showSymbol: false,
                lineStyle: { opacity: 0 },
                areaStyle: { opacity: 0.15 },
                tooltip: { show: false },
                data: b.steps.map((s, i) => [s, b.max[i]! - b.min[i]!]),
              },
            ]
          : []),
      ];
    }),
  };
}
