import { describe, expect, it } from 'vitest';
import { objectiveLabel, parallelOption, scatterOption, type Candidate } from './search-options.ts';

const candidates: Candidate[] = [
  { index: 0, key: 'a', generation: 0, operators: ['dw'], array: null, objectives: { accuracy: -0.4, latency: 900 } },
  { index: 1, key: 'b', generation: 0, operators: ['fuse_half'], array: null, objectives: { accuracy: -0.35, latency: 600 } },
];

describe('search charts', () => {
  it('name an objective minimised as its negative with a minus sign, the others as they are', () => {
    const label = objectiveLabel(['accuracy']);
    expect(label('accuracy')).toBe('−accuracy');
    expect(label('latency')).toBe('latency');
    const scatter = scatterOption(candidates, new Set(['a', 'b']), 'latency', 'accuracy', [], null, label) as {
      xAxis: { name: string };
      yAxis: { name: string };
    };
    expect([scatter.xAxis.name, scatter.yAxis.name]).toEqual(['latency', '−accuracy']);
    const parallel = parallelOption(candidates, ['accuracy', 'latency'], new Set(['b']), label) as {
      parallelAxis: Array<{ id: string; name: string }>;
    };
    // The axis id stays the objective (brushing reports it); only the name changes.
    expect(parallel.parallelAxis.map((a) => [a.id, a.name])).toEqual([
      ['accuracy', '−accuracy'],
      ['latency', 'latency'],
    ]);
  });
});

describe('the scatter with a confirmed front', () => {
  it('adds the confirmed networks at their means and the front of the means, sorted along x', () => {
    const confirmed = [
      { key: 'a', objectives: { accuracy: -0.3, latency: 900 }, onFront: false },
      { key: 'b', objectives: { accuracy: -0.36, latency: 600 }, onFront: true },
    ];
    const option = scatterOption(candidates, new Set(['a', 'b']), 'latency', 'accuracy', [], null, undefined, confirmed) as {
      legend: { data: string[] };
      series: Array<{ name: string; data: unknown[] }>;
    };
    expect(option.legend.data).toEqual(['candidates', 'Pareto front', 'mean over seeds', 'front of the means']);
    expect(option.series.map((s) => s.name)).toEqual(option.legend.data);
    expect(option.series[1]!.data).toEqual([
      [600, -0.35],
      [900, -0.4],
    ]);
    expect(option.series[2]!.data).toEqual([
      [900, -0.3],
      [600, -0.36],
    ]);
    expect(option.series[3]!.data).toEqual([[600, -0.36]]);
    // Without one, the chart is as before.
    expect((scatterOption(candidates, new Set(['a']), 'latency', 'accuracy', []) as { series: unknown[] }).series).toHaveLength(2);
  });
});
