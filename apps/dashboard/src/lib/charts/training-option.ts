/**
 * Training curves: per (variant, method, setting) the mean over seeds as a line and the min–max band
 * as a shaded area (a transparent lower series plus the stacked max − min), so scratch, KD and NOS of
 * the same variant overlay in one colour with different dashes; runs of another setting (the fields
 * that differ are in the name) get colours of their own.
 */
import type { Band } from '../series.ts';
import type { ChartOption } from './echarts.ts';
import { METHOD_DASH, colorOf } from './palette.ts';

export const bandName = (b: Pick<Band, 'network' | 'variant' | 'method' | 'setting'>, networks: number) =>
  `${networks > 1 ? `${b.network} ` : ''}${b.variant} · ${b.method}${b.setting ? ` · ${b.setting}` : ''}`;

export function trainingOption(bands: readonly Band[], metric: 'loss' | 'accuracy'): ChartOption {
  const networks = new Set(bands.map((b) => b.network)).size;
  const variants = [...new Set(bands.map((b) => b.variant))];
  // A variant's colour for its first band of each method; further settings of the same variant and
  // method (an ablation's arms) take the extra colours, so their lines are told apart, not only named.
  const seen = new Map<string, number>();
  let extra = variants.length;
  const colors = bands.map((b) => {
    const key = `${b.network}\u0000${b.variant}\u0000${b.method}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n === 0 ? colorOf(b.variant, variants.indexOf(b.variant)) : colorOf(`${b.variant} · ${b.setting}`, extra++);
  });
  return {
    animation: false,
    legend: { top: 0, data: bands.map((b) => bandName(b, networks)) },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '–') },
    grid: { left: 60, right: 20, top: 50, bottom: 50 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 28, min: 'dataMin' },
    yAxis: { type: 'value', name: metric, scale: true },
    series: bands.flatMap((b, i) => {
      const name = bandName(b, networks);
      const color = colors[i]!;
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
