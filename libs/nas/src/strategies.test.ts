import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildNetwork, modelStats, searchableBlocks, toTopology, type BlockOperator } from '@fuselab/fuseconv';
import { makeArray, totalCycles } from '@fuselab/systolic-sim';
import { evaluateStatic, type ObjectiveName } from './objectives.js';
import { dominates } from './pareto.js';
import { candidateKey, makeSpace, type Candidate, type SearchSpace } from './space.js';
import {
  createStrategy,
  fromState,
  rankAndCrowding,
  selectSurvivors,
  STRATEGIES,
  type Strategy,
  type StrategyName,
  type StrategyStateV1,
} from './strategies.js';
import { runSearch } from './search.js';

const ARRAY = { rows: 64, cols: 64, hardware: 'fuse' as const };

function evaluate(space: SearchSpace, candidates: Candidate[], objectives: ObjectiveName[]) {
  return candidates.map((candidate) => ({
    candidate,
    objectives: evaluateStatic({ network: space.network, array: ARRAY, candidate, objectives }),
  }));
}

/** Runs a strategy to the end, asking `batch` at a time; returns every asked key in order. */
function drive(strategy: Strategy, space: SearchSpace, objectives: ObjectiveName[], batch = 5): string[] {
  const keys: string[] = [];
  for (let guard = 0; !strategy.done && guard < 10_000; guard++) {
    const asked = strategy.ask(batch);
    expect(asked.length).toBeGreaterThan(0);
    keys.push(...asked.map(candidateKey));
    strategy.tell(evaluate(space, asked, objectives));
  }
  return keys;
}

describe('every strategy', () => {
  const space = makeSpace({ network: 'mobilenet_v3_small', space: 'stages' }); // 3^5 = 243
  const objectives: ObjectiveName[] = ['latency', 'params'];

  for (const name of STRATEGIES) {
    test(`${name}: deterministic from the seed, respects the budget, never asks twice`, () => {
      const run = (seed: number) => drive(createStrategy({ strategy: name, space, objectives, budget: 40, seed }), space, objectives);
      const a = run(7);
      expect(run(7)).toEqual(a);
      expect(a.length).toBeLessThanOrEqual(40);
      expect(new Set(a).size).toBe(a.length);
      if (name === 'random' || name === 'evolution' || name === 'nsga2') {
        expect(a.length).toBe(40);
        expect(run(8)).not.toEqual(a);
      }
    });

    test(`${name}: state()/fromState() round trip (through JSON) gives identical subsequent asks`, () => {
      const original = createStrategy({ strategy: name, space, objectives, budget: 60, seed: 3, populationSize: 8 });
      // Some rounds, leaving candidates pending at the snapshot.
      for (let i = 0; i < 3; i++) original.tell(evaluate(space, original.ask(4), objectives));
      const pending = original.ask(3);
      const state = JSON.parse(JSON.stringify(original.state()));
      expect(JSON.stringify(state).length).toBeLessThan(20_000); // fits a workflow history comfortably
      const copy = fromState(state);
      original.tell(evaluate(space, pending, objectives));
      copy.tell(evaluate(space, pending, objectives));
      while (!original.done) {
        const a = original.ask(5);
        const b = copy.ask(5);
        expect(b.map(candidateKey)).toEqual(a.map(candidateKey));
        original.tell(evaluate(space, a, objectives));
        copy.tell(evaluate(space, b, objectives));
      }
      expect(copy.done).toBe(true);
      expect(copy.evaluations).toBe(original.evaluations);
    });
  }

  // Version-1 states (written before the per-strategy state union), with the keys the version-1
  // code asked after them: see fixtures/README.md.
  const v1 = JSON.parse(readFileSync(new URL('../fixtures/strategy-states-v1.json', import.meta.url), 'utf8')) as Array<{
    state: StrategyStateV1;
    pending: string[];
    after: string[];
  }>;
  test('version-1 states of every strategy thaw and continue exactly as the version-1 code did', () => {
    expect(v1.map((entry) => entry.state.strategy).sort()).toEqual(STRATEGIES.filter((s) => s !== 'halving').sort());
    for (const { state, pending, after } of v1) {
      expect(state.version).toBe(1);
      const thawed = fromState(state);
      // Round trip: the thawed strategy's (version-2) state thaws again to the same state.
      const upgraded = JSON.parse(JSON.stringify(thawed.state()));
      expect(upgraded.version).toBe(2);
      expect(fromState(upgraded).state()).toEqual(upgraded);
      expect(state.pending).toEqual(pending);
      const asked = (keys: string[]) =>
        keys.map(
          (key) =>
            ({ operators: key.split('').map((c) => ({ d: 'dw', f: 'fuse_full', h: 'fuse_half' })[c as 'd' | 'f' | 'h']) }) as Candidate,
        );
      thawed.tell(evaluate(space, asked(pending), objectives));
      const keys: string[] = [];
      while (!thawed.done) {
        const batch = thawed.ask(5);
        keys.push(...batch.map(candidateKey));
        thawed.tell(evaluate(space, batch, objectives));
      }
      expect(keys, state.strategy).toEqual(after);
    }
  });

  test('tell rejects a candidate that was not asked; bad options name the field', () => {
    const s = createStrategy({ strategy: 'random', space, objectives, budget: 3, seed: 1 });
    s.ask(1);
    const other: Candidate = { operators: searchableBlocks({ network: 'mobilenet_v3_small' }).map(() => 'dw') };
    expect(() => s.tell(evaluate(space, [other], objectives).map((r) => ({ ...r, candidate: { ...other } })))).toThrow(/was not asked/);
    expect(() => createStrategy({ strategy: 'annealing', space, objectives, budget: 3 })).toThrow(
      /^strategy: unknown strategy "annealing"/,
    );
    expect(() => createStrategy({ strategy: 'random', space, objectives, budget: 0 })).toThrow(/^budget:/);
    expect(() => createStrategy({ strategy: 'random', space, objectives: ['speed'], budget: 3 })).toThrow(
      /^objectives\[0\]: unknown objective "speed"/,
    );
  });
});

describe('exhaustive', () => {
  test('on a small stage space finds exactly the true front (brute force)', () => {
    const network = 'mobilenet_v3_small' as const;
    const objectives: ObjectiveName[] = ['latency', 'params'];
    // dw vs fuse_full trades latency for parameters (fuse_half would dominate everything).
    const space = makeSpace({ network, space: 'stages', operators: ['dw', 'fuse_full'] });
    const strategy = createStrategy({ strategy: 'exhaustive', space, objectives, budget: 1000 });
    const seen: Array<{ key: string; f: number[] }> = [];
    while (!strategy.done) {
      const asked = strategy.ask(50);
      const results = evaluate(space, asked, objectives);
      results.forEach((r) => seen.push({ key: candidateKey(r.candidate), f: [r.objectives.latency!, r.objectives.params!] }));
      strategy.tell(results);
    }
    expect(seen.length).toBe(32);
    const found = seen
      .filter((p) => !seen.some((q) => dominates(q.f, p.f)))
      .map((p) => p.key)
      .sort();

    // Independent brute force: stage groups from fuseconv, latency and params computed directly.
    const blocks = searchableBlocks({ network });
    const stages = [...new Set(blocks.map((b) => b.stage))].sort((a, b) => a - b);
    const ops: BlockOperator[] = ['dw', 'fuse_full'];
    const array = makeArray(64, 64, { hardware: 'fuse' });
    const all: Array<{ key: string; f: number[] }> = [];
    const letter = { dw: 'd', fuse_full: 'f', fuse_half: 'h' } as const;
    for (let i = 0; i < 2 ** stages.length; i++) {
      const perStage = new Map<number, BlockOperator>();
      stages.forEach((s, k) => perStage.set(s, ops[(i >> k) & 1]!));
      const operators = blocks.map((b) => perStage.get(b.stage)!);
      const spec = buildNetwork({ network, operators });
      all.push({
        key: operators.map((o) => letter[o]).join(''),
        f: [totalCycles(toTopology(spec), array, 'reference'), modelStats(spec).params],
      });
    }
    const truth = all
      .filter((p) => !all.some((q) => q.f[0]! <= p.f[0]! && q.f[1]! <= p.f[1]! && (q.f[0]! < p.f[0]! || q.f[1]! < p.f[1]!)))
      .map((p) => p.key)
      .sort();
    expect(truth.length).toBeGreaterThan(1);
    expect(found).toEqual(truth);
  });

  test('refuses spaces above its limit with a clear error', () => {
    const space = makeSpace({ network: 'mobilenet_v2', space: 'blocks' });
    expect(() => createStrategy({ strategy: 'exhaustive', space, objectives: ['latency'], budget: 10 })).toThrow(
      /^space: exhaustive search refuses the blocks space of mobilenet_v2: 3\^17 = 129,140,163 candidates, above the limit of 50,000/,
    );
  });
});

describe('greedy', () => {
  test('first step turns the block with the largest latency gain (systolic-sim directly)', () => {
    const network = 'mobilenet_v2' as const;
    const space = makeSpace({ network, space: 'blocks', operators: ['dw', 'fuse_half'] });
    const strategy = createStrategy({ strategy: 'greedy', space, objectives: ['latency'], budget: 200 });
    const probe = strategy.ask(1000);
    expect(probe.length).toBe(1 + 17); // the all-dw network and each single-block change
    strategy.tell(evaluate(space, probe, ['latency']));

    const array = makeArray(64, 64, { hardware: 'fuse' });
    const cycles = (operators: BlockOperator[]) => totalCycles(toTopology(buildNetwork({ network, operators })), array, 'reference');
    const base: BlockOperator[] = new Array(17).fill('dw');
    const gains = base.map((_, b) => cycles(base) - cycles(base.map((op, i) => (i === b ? 'fuse_half' : op))));
    const best = gains.indexOf(Math.max(...gains));
    const state = strategy.state();
    if (state.strategy !== 'greedy') throw new Error(`expected a greedy state, got ${state.strategy}`);
    const order = state.greedy.order;
    expect(order[0]).toEqual([best, 1]);
    // Gains are in decreasing order along the path (latency is additive over blocks here).
    const pathGains = order.map(([p]) => gains[p]!);
    expect([...pathGains].sort((a, b) => b - a)).toEqual(pathGains);
    // The next ask is the path's second step: the two best blocks turned, the rest dw.
    const next = strategy.ask(1)[0]!;
    const second = order[1]![0];
    expect(
      next.operators
        .map((op, i) => (op === 'fuse_half' ? i : -1))
        .filter((i) => i >= 0)
        .sort((a, b) => a - b),
    ).toEqual([best, second].sort((a, b) => a - b));
  });

  test('with a cost objective, free changes (params not increasing) come first', async () => {
    const result = await runSearch({
      network: 'mobilenet_v2',
      space: 'stages',
      strategy: 'greedy',
      objectives: ['latency', 'params'],
      budget: 100,
    });
    expect(result.evaluations).toBe(1 + 7 * 2 + 6);
    // The all-fuse_half network is on the path and dominates the baseline.
    expect(result.front.some((e) => e.operators.every((op) => op === 'fuse_half'))).toBe(true);
  });
});

describe('NSGA-II', () => {
  test('ranks and crowding; survivors keep whole fronts, then the least crowded', () => {
    const members = [
      { genes: [0], values: [1, 4] },
      { genes: [1], values: [2, 2] },
      { genes: [2], values: [4, 1] },
      { genes: [3], values: [2, 4] },
      { genes: [4], values: [3, 3] },
      { genes: [5], values: [5, 5] },
      { genes: [6], values: [2.1, 2.1] },
    ];
    const { rank, crowd } = rankAndCrowding(members);
    // [3,3] is dominated by [2.1,2.1] (rank 1), so it is rank 2 and [5,5] rank 3.
    expect(rank).toEqual([0, 0, 0, 1, 2, 3, 1]);
    expect(crowd[0]).toBe(Infinity);
    expect(crowd[2]).toBe(Infinity);
    expect(crowd[1]).toBeCloseTo((4 - 1) / 3 + (4 - 1) / 3);
    expect(selectSurvivors(members, 5).map((m) => m.genes[0])).toEqual([0, 1, 2, 3, 6]);
    // Truncating one front: the extremes (∞) stay, then the larger crowding distance.
    const front = [
      { genes: [0], values: [0, 4] },
      { genes: [1], values: [1, 3.5] }, // (2 − 0)/4 + (4 − 1)/4 = 1.25
      { genes: [2], values: [2, 1] }, // (4 − 1)/4 + (3.5 − 0)/4 = 1.625
      { genes: [3], values: [4, 0] },
    ];
    expect(
      selectSurvivors(front, 3)
        .map((m) => m.genes[0])
        .sort(),
    ).toEqual([0, 2, 3]);
  });

  test('the front improves on the initial random population', async () => {
    const options = { network: 'mobilenet_v2', space: 'blocks', objectives: ['latency', 'params'], seed: 2 } as const;
    const r = await runSearch({ ...options, strategy: 'nsga2', budget: 160 });
    const first = await runSearch({ ...options, strategy: 'nsga2', budget: 16 });
    const best = (x: typeof r) => Math.min(...x.front.map((e) => e.objectives.latency!));
    expect(best(r)).toBeLessThan(best(first));
  });
});

describe('co-design', () => {
  test('arrays and the ST-OS extension are genes; area is rows × cols (+4.35 % with ST-OS)', async () => {
    const r = await runSearch({
      network: 'mobilenet_v3_small',
      space: 'stages',
      arrays: [16, 32],
      hardware: ['plain', 'fuse'],
      strategy: 'exhaustive',
      objectives: ['latency', 'area'],
    });
    expect(r.evaluations).toBe(243 * 4);
    const areas = new Set(r.all.map((e) => e.objectives.area));
    expect([...areas].sort((a, b) => a! - b!)).toEqual([256, 256 * 1.0435, 1024, 1024 * 1.0435]);
    // FuSe helps on the plain array too: at each size the fastest plain candidate is FuSe-half everywhere (half the
    // depthwise MACs, even mapped per channel), never FuSe-full (2× channels after the 1-D stages);
    // the ST-OS extension makes the same candidate faster still.
    for (const rows of [16, 32]) {
      const on = (hw: string) => r.all.filter((e) => e.array?.hardware === hw && e.array.rows === rows);
      const plain = on('plain');
      expect(plain).toHaveLength(243);
      const fastest = (list: typeof plain) => list.reduce((a, b) => (b.objectives.latency! < a.objectives.latency! ? b : a));
      const best = fastest(plain);
      expect(best.operators.every((o) => o === 'fuse_half')).toBe(true);
      expect(plain.filter((e) => e.objectives.latency === best.objectives.latency)).toHaveLength(1);
      const allDw = plain.find((e) => e.operators.every((o) => o === 'dw'))!;
      expect(best.objectives.latency!).toBeLessThan(allDw.objectives.latency!);
      const stos = fastest(on('fuse'));
      expect(stos.operators).toEqual(best.operators);
      expect(stos.objectives.latency!).toBeLessThan(best.objectives.latency!);
    }
    expect(r.front.every((e) => e.array !== undefined)).toBe(true);
    expect(r.front.some((e) => e.array!.rows === 32)).toBe(true);
    expect(r.front.some((e) => e.array!.rows === 16)).toBe(true);
  });
});

const _names: StrategyName[] = [...STRATEGIES];
void _names;
