/**
 * Successive halving (Jamieson & Talwalkar 2016; the rungs of Hyperband, Li et al. 2018), for
 * several objectives: `populationSize` random networks are evaluated at fidelity eta^−(rungs−1)
 * (e.g. ⅑ of the training epochs), the best 1/eta of them — by NSGA-II's order: whole Pareto
 * fronts, then crowding distance — again at eta times that, and so on up to full fidelity. Most
 * networks are judged cheaply; only the last rung's are evaluated in full, and only they can be on
 * a search's front (runSearch keeps low-fidelity results out of it).
 *
 * Each rung waits for all its results before the next is chosen. The same network appears once per
 * rung it reaches, as a candidate with its fidelity (absent on the last rung), so every asked
 * candidate key is new.
 */
import { genomeKey, type Candidate } from '../space.js';
import { BaseStrategy } from './base.js';
import { selectSurvivors } from './nsga2.js';
import type { HalvingState } from './state.js';

export class HalvingStrategy extends BaseStrategy<HalvingState> {
  /** Fidelity of rung `r`: eta^(r − (rungs − 1)); undefined on the last rung (a full evaluation). */
  private fidelityOf(rung: number): number | undefined {
    const s = this.current;
    return rung === s.rungs - 1 ? undefined : s.eta ** (rung - (s.rungs - 1));
  }

  protected exhausted(): boolean {
    const s = this.current;
    return s.rung === s.rungs - 1 && s.members.length > 0 && s.next >= s.members.length;
  }

  /** The current rung's next networks; before the first, the first rung; once a rung is all told, the next. */
  protected propose(room: number): number[][] {
    const s = this.current;
    if (s.members.length === 0 && s.rung === 0) this.firstRung();
    if (s.next >= s.members.length && s.members.every((m) => m.values !== null) && s.rung < s.rungs - 1) this.promote();
    const genomes = s.members.slice(s.next, s.next + room).map((m) => [...m.genes]);
    s.next += genomes.length;
    return genomes;
  }

  protected override candidateOf(genes: number[]): Candidate {
    const fidelity = this.fidelityOf(this.current.rung);
    return fidelity === undefined ? super.candidateOf(genes) : { ...super.candidateOf(genes), fidelity };
  }

  protected absorb(genes: number[], values: number[]): void {
    const s = this.current;
    const genome = genomeKey(s.space, genes);
    s.members.find((m, i) => i < s.next && m.values === null && genomeKey(s.space, m.genes) === genome)!.values = values;
  }

  /** `populationSize` distinct random networks (fewer when the space is smaller). */
  private firstRung(): void {
    const s = this.current;
    const taken = new Set<string>();
    for (let i = 0; i < s.populationSize; i++) {
      const genes = this.randomNew(taken);
      if (!genes) break;
      taken.add(genomeKey(s.space, genes));
      s.members.push({ genes, values: null });
    }
  }

  /** The next rung: the best ⌈n / eta⌉ of this one's n networks. */
  private promote(): void {
    const s = this.current;
    const keep = Math.max(1, Math.ceil(s.members.length / s.eta));
    const told = s.members.map((m) => ({ genes: m.genes, values: m.values! }));
    s.members = selectSurvivors(told, keep).map((m) => ({ genes: m.genes, values: null }));
    s.rung++;
    s.next = 0;
  }
}

/** Evaluations of a successive-halving search: n, then ⌈n / eta⌉, … over `rungs` rungs. */
export function halvingEvaluations(populationSize: number, eta: number, rungs: number): number {
  let total = 0;
  for (let r = 0, n = populationSize; r < rungs; r++, n = Math.max(1, Math.ceil(n / eta))) total += n;
  return total;
}
