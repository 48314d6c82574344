/**
 * Benchmark: whole searches as a new user runs them (MobileNet-V2, blocks space, dw / fuse_full,
 * latency + params), today's `runSearch` against the pre-table, quadratic loop (quadratic-peer.ts)
 * in the same run, on the same strategies and seeds. Each pair's fronts must be identical; prints
 * times and ratios. The peer runs only up to PEER_MAX evaluations (it grows quadratically: about
 * a minute at 20,000 on an idle machine, and far more on a shared one).
 */
import { runSearch, spaceSize, makeSpace, type SearchOptions } from '../src/index.js';
import { quadraticSearch } from './quadratic-peer.js';

const BASE = {
  network: 'mobilenet_v2',
  space: 'blocks',
  operators: ['dw', 'fuse_full'],
  objectives: ['latency', 'params'],
  seed: 1,
} as const;
const PEER_MAX = 5_000;

const CASES: Array<{ strategy: string; budget: number }> = [
  { strategy: 'random', budget: 2_500 },
  { strategy: 'random', budget: 5_000 },
  { strategy: 'random', budget: 10_000 },
  { strategy: 'random', budget: 20_000 },
  { strategy: 'random', budget: 100_000 },
  { strategy: 'nsga2', budget: 2_000 },
  { strategy: 'nsga2', budget: 8_000 },
  { strategy: 'nsga2', budget: 100_000 },
  { strategy: 'exhaustive', budget: spaceSize(makeSpace(BASE)) },
];

async function seconds<T>(run: () => Promise<T>): Promise<{ value: T; s: number }> {
  const start = performance.now();
  const value = await run();
  return { value, s: (performance.now() - start) / 1000 };
}

export async function runSearchBench(): Promise<void> {
  console.log('search: mobilenet_v2 blocks dw,fuse_full, latency,params, seed 1 (in-process; seconds)');
  console.log(`${'strategy'.padEnd(11)}${'budget'.padStart(8)}${'ours'.padStart(9)}${'peer'.padStart(9)}${'ratio'.padStart(8)}  front`);
  for (const { strategy, budget } of CASES) {
    const options: SearchOptions & { budget: number } = { ...BASE, strategy, budget, exhaustiveLimit: budget };
    const ours = await seconds(() => runSearch(options));
    let peer = '—';
    let ratio = '—';
    if (budget <= PEER_MAX) {
      const old = await seconds(() => quadraticSearch(options));
      const same =
        JSON.stringify(old.value.front) ===
        JSON.stringify(ours.value.front.map(({ key, operators, objectives }) => ({ key, operators, objectives })));
      if (!same) throw new Error(`${strategy} ${budget}: the fronts differ from the peer's`);
      peer = old.s.toFixed(2);
      ratio = `${(old.s / ours.s).toFixed(1)}×`;
    }
    console.log(
      `${strategy.padEnd(11)}${String(budget).padStart(8)}${ours.s.toFixed(2).padStart(9)}${peer.padStart(9)}${ratio.padStart(8)}  ${ours.value.front.length}`,
    );
  }
}
