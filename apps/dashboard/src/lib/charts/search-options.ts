/**
 * /search's charts: objective-vs-objective scatter of every candidate with the Pareto front drawn
 * over it; hypervolume per generation; parallel coordinates for three or more objectives
 * (dragging along an axis brushes the candidates).
 */
import type { ChartOption } from './echarts.ts';

export interface Candidate {
  index: number;
  key: string;
  generation: number;
  operators: string[];
  array: { rows: number; cols: number; hardware?: string } | null;
  objectives: Record<string, number>;
  /** Below a full evaluation (halving's early rungs); absent on full ones. */
  fidelity?: number;
  /** A search with training `seeds`: each seed's test accuracy (a fraction); `accuracy` is their negated mean. */
  seedAccuracies?: Array<{ seed: number; testAccuracy: number }>;
}

/** A network of a confirmed front (the search view's `confirmed.networks`): objectives with `accuracy` the negated mean over seeds. */
export interface ConfirmedPoint {
  key: string;
  objectives: Record<string, number>;
  onFront: boolean;
}

/**
 * Series 0: every candidate (data index = position in `candidates`); series 1: the front, sorted
 * along x; with a confirmed front, series 2: its networks at their mean over seeds, series 3: the
 * front of those means, sorted along x — so the chart shows how far each one-seed point moved.
 */
export function scatterOption(
  candidates: readonly Candidate[],
  frontKeys: ReadonlySet<string>,
  x: string,
  y: string,
  picked: readonly string[],
  /** Candidates inside the parallel-coordinates brush (null: no brush); the others are dimmed. */
  brushed: ReadonlySet<string> | null = null,
  /** An objective's name on the chart (objectiveLabel). */
  label: (objective: string) => string = (o) => o,
  /** A search with `confirm`: its confirmed networks (none: no such series). */
  confirmed: readonly ConfirmedPoint[] = [],
): ChartOption {
  const byX = <T extends { objectives: Record<string, number> }>(a: T, b: T) => a.objectives[x]! - b.objectives[x]!;
  const front = candidates.filter((c) => frontKeys.has(c.key)).sort(byX);
  const point = (c: { objectives: Record<string, number> }) => [c.objectives[x], c.objectives[y]];
  const confirmedSeries = confirmed.length
    ? [
        { type: 'scatter', name: 'mean over seeds', symbol: 'diamond', symbolSize: 11, color: '#2c3e50', data: confirmed.map(point) },
        {
          type: 'line',
          name: 'front of the means',
          color: '#2c3e50',
          step: 'end',
          symbol: 'none',
          lineStyle: { type: 'dashed' },
          data: confirmed
            .filter((c) => c.onFront)
            .sort(byX)
            .map(point),
        },
      ]
    : [];
  return {
    animation: false,
    legend: { top: 0, data: ['candidates', 'Pareto front', ...confirmedSeries.map((series) => series.name)] },
    tooltip: { trigger: 'item', formatter: (p: { data: number[] }) => `${label(x)} ${p.data[0]}<br/>${label(y)} ${p.data[1]}` },
    grid: { left: 80, right: 20, top: 40, bottom: 50 },
    xAxis: { type: 'value', name: label(x), nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'value', name: label(y), scale: true },
    series: [
      {
        type: 'scatter',
        name: 'candidates',
        large: candidates.length > 2000,
        symbolSize: 7,
        color: '#8da2c8',
        data: candidates.map((c) => ({
          value: [c.objectives[x], c.objectives[y]],
          ...(picked.includes(c.key)
            ? { itemStyle: { color: '#f39c12', borderColor: '#000', borderWidth: 1 }, symbolSize: 12 }
            : brushed && !brushed.has(c.key)
              ? { itemStyle: { opacity: 0.15 } }
              : {}),
        })),
      },
      {
        type: 'line',
        name: 'Pareto front',
        color: '#d9534f',
        step: 'end',
        symbolSize: 8,
        data: front.map(point),
      },
      ...confirmedSeries,
    ],
  };
}

export function hypervolumeOption(points: readonly { generation: number; evaluations: number; hypervolume: number }[]): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 60, right: 20, top: 20, bottom: 50 },
    xAxis: { type: 'category', name: 'generation', nameLocation: 'middle', nameGap: 28, data: points.map((p) => String(p.generation)) },
    yAxis: { type: 'value', name: 'hypervolume', scale: true },
    series: [{ type: 'line', name: 'hypervolume', data: points.map((p) => p.hypervolume), color: '#3ba272' }],
  };
}

export function parallelOption(
  candidates: readonly Candidate[],
  objectives: readonly string[],
  frontKeys: ReadonlySet<string>,
  label: (objective: string) => string = (o) => o,
): ChartOption {
  return {
    animation: false,
    // The axis id is the objective: brushing reports it (Chart's onbrush).
    parallelAxis: objectives.map((o, dim) => ({ id: o, dim, name: label(o), scale: true })),
    parallel: { left: 70, right: 120, top: 50, bottom: 30 },
    series: [
      {
        type: 'parallel',
        name: 'candidates',
        lineStyle: { width: 1, opacity: 0.35, color: '#8da2c8' },
        data: candidates.filter((c) => !frontKeys.has(c.key)).map((c) => objectives.map((o) => c.objectives[o])),
      },
      {
        type: 'parallel',
        name: 'Pareto front',
        lineStyle: { width: 2, opacity: 0.9, color: '#d9534f' },
        data: candidates.filter((c) => frontKeys.has(c.key)).map((c) => objectives.map((o) => c.objectives[o])),
      },
    ],
  };
}

/**
 * An objective's name as the charts show it: those the search minimises as their negative (the
 * search view's `negated`: accuracy, synflow) get a minus sign, since that is what the axis carries.
 */
export function objectiveLabel(negated: readonly string[]): (objective: string) => string {
  return (o) => (negated.includes(o) ? `−${o}` : o);
}
