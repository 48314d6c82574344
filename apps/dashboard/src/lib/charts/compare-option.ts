/**
 * Small multiples for /compare: one grid per network side by side, array sizes along x, one line
 * per variant; the speed-up chart on a linear axis, the cycles chart on a log axis.
 */
import type { CompareMetric, Panel } from '../series.ts';
import type { ChartOption } from './echarts.ts';
import { colorOf } from './palette.ts';

export function compareOption(panels: readonly Panel[], metric: CompareMetric, columns = Math.min(panels.length, 3)): ChartOption {
  const rowsOfPanels = Math.max(1, Math.ceil(panels.length / Math.max(columns, 1)));
  const width = 100 / Math.max(columns, 1);
  const height = 100 / rowsOfPanels;
  const variants = [...new Set(panels.flatMap((p) => p.series.map((s) => s.variant)))];
  return {
    animation: false,
    legend: { data: variants, bottom: 0 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) =>
        typeof v === 'number' ? (metric === 'speedup' ? `${v.toFixed(3)}x` : v.toLocaleString('en-US')) : '–',
    },
    title: panels.map((panel, i) => ({
      text: panel.network,
      left: `${(i % columns) * width + width / 2}%`,
      top: `${Math.floor(i / columns) * height + 1}%`,
      textAlign: 'center',
      textStyle: { fontSize: 13 },
    })),
    grid: panels.map((_, i) => ({
      left: `${(i % columns) * width + 6}%`,
      width: `${width - 9}%`,
      top: `${Math.floor(i / columns) * height + 9}%`,
      height: `${height - 24}%`,
      containLabel: true,
    })),
    xAxis: panels.map((panel, i) => ({
      type: 'category',
      gridIndex: i,
      data: panel.arrays,
      name: 'array',
      nameLocation: 'middle',
      nameGap: panel.arrays.length > 6 ? 48 : 26,
      axisLabel: { rotate: panel.arrays.length > 6 ? 30 : 0 },
    })),
    yAxis: panels.map((_, i) =>
      metric === 'speedup'
        ? { type: 'value', gridIndex: i, name: i % columns === 0 ? 'speed-up (x)' : '', scale: true }
        : {
            type: 'log',
            gridIndex: i,
            name: i % columns === 0 ? 'cycles' : '',
            axisLabel: { formatter: (v: number) => v.toExponential(0) },
          },
    ),
    series: panels.flatMap((panel, i) =>
      panel.series.map((s) => ({
        type: 'line',
        name: s.variant,
        xAxisIndex: i,
        yAxisIndex: i,
        data: s.values,
        connectNulls: true,
        symbolSize: 6,
        color: colorOf(s.variant, variants.indexOf(s.variant)),
        // Which panel a series belongs to, for tooltips and tests.
        id: `${panel.network}/${s.variant}`,
      })),
    ),
  };
}
