/** Regularised (aging) evolution, Real et al. 2019: tournament on a sample, mutate, the oldest dies. */
import { dominates } from '../pareto.js';
import { genomeKey } from '../space.js';
import { BaseStrategy } from './base.js';
import type { EvolutionState, Member } from './state.js';

export class EvolutionStrategy extends BaseStrategy<EvolutionState> {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    const s = this.current;
    const out: number[][] = [];
    const taken = new Set<string>();
    while (out.length < room) {
      let genes: number[] | null;
      if (s.asked + out.length < s.populationSize) genes = this.randomNew(taken);
      else if (s.population.length === 0)
        break; // wait for the first results
      else {
        const population = s.population;
        const sample = this.rng.sample(population.length, Math.min(s.sampleSize, population.length)).map((i) => population[i]!);
        const parent = sample[tournamentOrder(sample)[0]!]!;
        genes = this.fresh(() => this.mutate(parent.genes), taken);
      }
      if (!genes) break;
      taken.add(genomeKey(this.space, genes));
      out.push(genes);
    }
    return out;
  }

  protected absorb(genes: number[], values: number[]): void {
    const population = this.current.population;
    population.push({ genes, values });
    while (population.length > this.current.populationSize) population.shift();
  }
}

/** Indices of `members` ordered best first by (dominated-by count within them, summed per-objective rank, index). */
export function tournamentOrder(members: readonly Member[]): number[] {
  const dominatedBy = members.map((m) => members.filter((o) => dominates(o.values, m.values)).length);
  const dims = members[0]?.values.length ?? 0;
  const rankSum = members.map(() => 0);
  for (let d = 0; d < dims; d++) {
    const order = members.map((_, i) => i).sort((a, b) => members[a]!.values[d]! - members[b]!.values[d]! || a - b);
    order.forEach((i, rank) => (rankSum[i]! += rank));
  }
  return members.map((_, i) => i).sort((a, b) => dominatedBy[a]! - dominatedBy[b]! || rankSum[a]! - rankSum[b]! || a - b);
}
