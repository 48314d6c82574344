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
