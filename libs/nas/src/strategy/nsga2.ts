/** NSGA-II (Deb et al. 2002): non-dominated sorting and crowding distance, binary tournaments, uniform crossover, mutation. */
import { crowdingDistance, nonDominatedSort } from '../pareto.js';
import { genomeKey } from '../space.js';
import { BaseStrategy } from './base.js';
import type { Nsga2State } from './state.js';

/** Probability that a child is the uniform crossover of two parents (else a copy of the first). */
const CROSSOVER_RATE = 0.9;

export class Nsga2Strategy extends BaseStrategy<Nsga2State> {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    const s = this.current;
    if (s.queue.length === 0 && s.generationSize === 0) this.startGeneration();
    return s.queue.splice(0, Math.min(room, s.queue.length));
  }

  /** Breeds the next generation's offspring from the parents (the first generation is random). */
  private startGeneration(): void {
    const s = this.current;
    const size = Math.min(s.populationSize, s.budget - s.asked);
    const taken = new Set<string>();
    const queue: number[][] = [];
    const parents = s.parents;
    const { rank, crowd } = parents.length > 0 ? rankAndCrowding(parents) : { rank: [], crowd: [] };
    const better = (a: number, b: number) => (rank[a]! < rank[b]! || (rank[a] === rank[b] && crowd[a]! > crowd[b]!) ? a : b);
    const binaryTournament = () => better(this.rng.int(parents.length), this.rng.int(parents.length));
    const breed = () => {
      const a = parents[binaryTournament()]!.genes;
      const b = parents[binaryTournament()]!.genes;
      const child = this.rng.next() < CROSSOVER_RATE ? a.map((gene, i) => (this.rng.next() < 0.5 ? gene : b[i]!)) : [...a];
      return this.mutate(child, 1 / child.length);
    };
    while (queue.length < size) {
      const genes = parents.length === 0 ? this.randomNew(taken) : this.fresh(breed, taken);
      if (!genes) break;
      taken.add(genomeKey(this.space, genes));
      queue.push(genes);
    }
    s.queue = queue;
    s.generationSize = queue.length;
    s.offspring = [];
  }

  protected absorb(genes: number[], values: number[]): void {
    const s = this.current;
    s.offspring.push({ genes, values });
    if (s.offspring.length >= s.generationSize && s.queue.length === 0) {
      s.parents = selectSurvivors([...s.parents, ...s.offspring], s.populationSize);
      s.offspring = [];
      s.generationSize = 0;
      s.generation++;
    }
  }
}

/** Pareto rank and crowding distance of every member. */
export function rankAndCrowding(members: readonly { values: readonly number[] }[]): { rank: number[]; crowd: number[] } {
  const points = members.map((m) => m.values);
  const rank = new Array<number>(members.length).fill(0);
  const crowd = new Array<number>(members.length).fill(0);
  nonDominatedSort(points).forEach((front, r) => {
    const distances = crowdingDistance(points, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowd[i] = distances[k]!;
    });
  });
  return { rank, crowd };
}

/** NSGA-II environmental selection: whole fronts, then the last front by crowding distance. */
export function selectSurvivors<M extends { values: readonly number[] }>(members: readonly M[], n: number): M[] {
  const points = members.map((m) => m.values);
  const out: M[] = [];
  for (const front of nonDominatedSort(points)) {
    if (out.length + front.length <= n) {
      out.push(...front.map((i) => members[i]!));
      continue;
    }
    const distances = crowdingDistance(points, front);
    const order = front.map((_, k) => k).sort((a, b) => distances[b]! - distances[a]! || front[a]! - front[b]!);
    out.push(...order.slice(0, n - out.length).map((k) => members[front[k]!]!));
    break;
  }
  return out;
}
