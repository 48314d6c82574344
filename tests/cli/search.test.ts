import { describe, expect, test } from 'vitest';
import { buildNetwork, modelStats, toTopology, type BlockOperator } from '@fuselab/fuseconv';
import { makeArray, totalCycles } from '@fuselab/systolic-sim';
import { runCli, runJson } from './run-cli.js';

interface SearchJson {
  strategy: string;
  evaluations: number;
  front: Array<{
    operators: BlockOperator[];
    objectives: Record<string, number>;
    array?: { rows: number; cols: number; hardware: string };
  }>;
}

describe('fuselab search', () => {
  test('exhaustive stage search: the contract shape, a true Pareto front, values recomputable from the libs', () => {
    const out = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v3_small',
      '--space',
      'stages',
      '--operators',
      'dw,fuse_full',
      '--array',
      '32x32',
      '--strategy',
      'exhaustive',
      '--objectives',
      'latency,params',
    ]);
    expect(Object.keys(out)).toEqual(['strategy', 'evaluations', 'front']);
    expect(out.strategy).toBe('exhaustive');
    expect(out.evaluations).toBe(32);
    expect(out.front.length).toBeGreaterThan(1);
    const array = makeArray(32, 32, { hardware: 'fuse' });
    for (const entry of out.front) {
      expect(Object.keys(entry)).toEqual(['operators', 'objectives']);
      expect(entry.operators).toHaveLength(11);
      const spec = buildNetwork({ network: 'mobilenet_v3_small', operators: entry.operators });
      expect(entry.objectives).toEqual({ latency: totalCycles(toTopology(spec), array, 'reference'), params: modelStats(spec).params });
    }
    // No front member dominates another.
    for (const a of out.front)
      for (const b of out.front) {
        const dominated =
          a.objectives.latency! <= b.objectives.latency! &&
          a.objectives.params! <= b.objectives.params! &&
          (a.objectives.latency! < b.objectives.latency! || a.objectives.params! < b.objectives.params!);
        expect(dominated).toBe(false);
      }
  });

  test('seeded strategies are reproducible and respect the budget; progress goes to stderr only', () => {
    const args = [
      'search',
      '--network',
      'mobilenet_v2',
      '--space',
      'blocks',
      '--strategy',
      'evolution',
      '--objectives',
      'latency,macs',
      '--budget',
      '30',
      '--seed',
      '5',
      '--json',
    ];
    const a = runCli(args);
    const b = runCli(args);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const parsed = JSON.parse(a.stdout) as SearchJson;
    expect(parsed.evaluations).toBe(30);
    expect(a.stderr).toMatch(/30\/30 evaluations/);
    const other = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v2',
      '--space',
      'blocks',
      '--strategy',
      'random',
      '--objectives',
      'latency,macs',
      '--budget',
      '12',
      '--seed',
      '5',
    ]);
    expect(other.evaluations).toBe(12);
  });

  test('greedy on the paper network reaches the all-FuSe-half design; array co-design reports the array', () => {
    const greedy = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v2',
      '--space',
      'stages',
      '--operators',
      'dw,fuse_half',
      '--strategy',
      'greedy',
      '--objectives',
      'latency',
    ]);
    expect(greedy.front).toHaveLength(1);
    expect(greedy.front[0]!.operators.every((op) => op === 'fuse_half')).toBe(true);
    expect(greedy.front[0]!.objectives.latency).toBe(411682); // the paper's fuse_half total on 64×64
    const codesign = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v3_small',
      '--space',
      'stages',
      '--array',
      '16,32,64',
      '--strategy',
      'nsga2',
      '--objectives',
      'latency,area',
      '--budget',
      '40',
      '--seed',
      '1',
    ]);
    expect(codesign.evaluations).toBe(40);
    expect(codesign.front.every((e) => e.array !== undefined && typeof e.objectives.area === 'number')).toBe(true);
  });

  test('the exhaustive 2^17 dw/fuse_full block space of MobileNet-V2 enumerates with --exhaustive-limit', () => {
    const out = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v2',
      '--space',
      'blocks',
      '--operators',
      'dw,fuse_full',
      '--strategy',
      'exhaustive',
      '--objectives',
      'latency,params',
      '--exhaustive-limit',
      '131072',
    ]);
    expect(out.evaluations).toBe(2 ** 17);
    expect(out.front.length).toBeGreaterThan(1);
    const array = makeArray(64, 64, { hardware: 'fuse' });
    for (const entry of out.front) {
      const spec = buildNetwork({ network: 'mobilenet_v2', operators: entry.operators });
      expect(entry.objectives).toEqual({ latency: totalCycles(toTopology(spec), array, 'reference'), params: modelStats(spec).params });
    }
    // The all-dw network has the fewest parameters of the space, so it is on the front.
    expect(out.front.some((e) => e.operators.every((op) => op === 'dw'))).toBe(true);
    for (const a of out.front)
      for (const b of out.front) {
        const dominated =
          a.objectives.latency! <= b.objectives.latency! &&
          a.objectives.params! <= b.objectives.params! &&
          (a.objectives.latency! < b.objectives.latency! || a.objectives.params! < b.objectives.params!);
        expect(dominated).toBe(false);
      }
  });

  test('synflow objective is reported negated', () => {
    const out = runJson<SearchJson>([
      'search',
      '--network',
      'mobilenet_v3_small',
      '--space',
      'stages',
      '--strategy',
      'random',
      '--objectives',
      'latency,synflow',
      '--budget',
      '3',
      '--seed',
      '2',
    ]);
    expect(out.evaluations).toBe(3);
    expect(out.front.every((e) => e.objectives.synflow! < 0)).toBe(true);
  });

  test('--speedup keeps only networks that fast: the front is recomputed over them', () => {
    const array = makeArray(64, 64, { hardware: 'fuse' });
    const cycles = (operators: BlockOperator[]) =>
      totalCycles(toTopology(buildNetwork({ network: 'mobilenet_v2', operators })), array, 'reference');
    const dw = cycles(new Array<BlockOperator>(17).fill('dw'));
    const args = ['search', '--network', 'mobilenet_v2', '--space', 'stages', '--strategy', 'exhaustive', '--objectives', 'latency,params'];
    const free = runJson<SearchJson>(args);
    // A bound just below the slowest network of the unconstrained front: it must go.
    const slowest = Math.max(...free.front.map((e) => e.objectives.latency!));
    const speedup = dw / (slowest - 1);
    const constrained = runJson<SearchJson>([...args, '--speedup', String(speedup)]);
    expect(constrained.front.length).toBeGreaterThan(0);
    for (const e of constrained.front) expect(cycles(e.operators)).toBeLessThanOrEqual(dw / speedup);
    expect(constrained.front.some((e) => e.objectives.latency === slowest)).toBe(false);
    expect(constrained.front).toEqual(expect.arrayContaining(free.front.filter((e) => e.objectives.latency! < slowest)));
    expect(constrained.evaluations).toBeLessThan(free.evaluations);
  });

  test.each([
    [['--speedup', '0'], /^fuselab: --speedup: expected a positive number/],
    [['--max-latency', '12.5'], /^fuselab: --max-latency: expected a positive integer, got "12.5"/],
    [['--speedup', '40'], /^fuselab: --speedup: no network of the stages space of mobilenet_v2 meets it: the fastest takes [\d,]+ cycles/],
    [['--max-latency', '1000'], /^fuselab: --max-latency: no network of the stages space of mobilenet_v2 meets it/],
    [['--strategy', 'annealing'], /^fuselab: --strategy: unknown strategy "annealing"/],
    [['--objectives', 'latency,speed'], /^fuselab: --objectives: unknown objective "speed"/],
    [['--budget', '0'], /^fuselab: --budget: expected a positive integer, got "0"/],
    [['--budget', '-3'], /^fuselab: --budget: expected a positive integer/],
    [['--array', '64x'], /^fuselab: --array: array size must look like RxC/],
    [['--space', 'layers'], /^fuselab: --space: unknown search space "layers"/],
    [['--operators', 'dw,conv'], /^fuselab: --operators: unknown block operator "conv"/],
    [['--network', 'resnet50'], /^fuselab: --network: unknown network "resnet50"/],
    [
      ['--space', 'blocks', '--strategy', 'exhaustive'],
      /^fuselab: --space: exhaustive search refuses the blocks space of mobilenet_v2.*, or raise --exhaustive-limit/,
    ],
    [['--strategy', 'exhaustive', '--exhaustive-limit', '0'], /^fuselab: --exhaustive-limit: expected a positive integer, got "0"/],
  ])('bad input %j → one line naming the flag, exit 2', (override, message) => {
    const base: Record<string, string> = {
      '--network': 'mobilenet_v2',
      '--space': 'stages',
      '--strategy': 'greedy',
      '--objectives': 'latency,params',
    };
    for (let i = 0; i < override.length; i += 2) base[override[i]!] = override[i + 1]!;
    const run = runCli(['search', ...Object.entries(base).flat(), '--json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
