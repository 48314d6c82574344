/**
 * The paper's greedy: from the all-first-operator network (all `dw`), measure every single-block
 * (or single-stage) change, then turn positions to FuSe one at a time in order of best latency
 * gain per unit of cost, evaluating each step of the path. The gain objective is `latency` (else
 * the first objective); the cost is the next objective's increase (free when it does not increase,
 * and then ordered by gain alone). With several arrays it walks each array in turn.
 */
import { genomeKey, genomeLength } from '../space.js';
import { BaseStrategy } from './base.js';
import { greedyProbe, type GreedyState } from './state.js';

/** A single-position change measured by the probe. */
interface Change {
  position: number;
  value: number;
  /** Decrease of the gain objective (latency). */
  gain: number;
  /** Increase of the cost objective (0 without one). */
  cost: number;
}

export class GreedyStrategy extends BaseStrategy<GreedyState> {
  protected exhausted(): boolean {
    return this.current.greedy.array >= this.space.arrays.length;
  }

  protected propose(room: number): number[][] {
    const s = this.current;
    const out: number[][] = [];
    while (out.length < room && s.queue.length > 0) {
      const genes = s.queue.shift()!;
      if (this.isNew(genes)) out.push(genes);
      else this.advanceIfIdle();
    }
    return out;
  }

  protected absorb(genes: number[], values: number[]): void {
    if (this.current.greedy.phase === 'probe') this.current.probe.push({ genes, values });
    this.advanceIfIdle();
  }

  private gainIndex(): number {
    const i = this.current.objectives.indexOf('latency');
    return i >= 0 ? i : 0;
  }

  private costIndex(): number | null {
    const gain = this.gainIndex();
    const i = this.current.objectives.findIndex((_, k) => k !== gain);
    return i >= 0 ? i : null;
  }

  /** When the current queue is used up and nothing is pending, move to the next phase. */
  private advanceIfIdle(): void {
    const s = this.current;
    if (s.queue.length > 0 || s.pending.length > 0) return;
    if (s.greedy.phase === 'probe') {
      s.greedy.order = this.rankChanges().map((c) => [c.position, c.value]);
      s.greedy.phase = 'path';
      const path: number[][] = [];
      const genes = [...s.greedy.base];
      for (const [position, value] of s.greedy.order) {
        genes[position] = value;
        path.push([...genes]);
      }
      s.queue = path.slice(1); // the first step was measured by the probe
      s.probe = [];
      if (s.queue.length > 0) return;
    }
    // Path finished: next array, or done.
    s.greedy.array++;
    if (s.greedy.array < this.space.arrays.length) {
      const base = new Array<number>(genomeLength(this.space)).fill(0);
      base[this.space.groups.length] = s.greedy.array;
      s.greedy = { array: s.greedy.array, phase: 'probe', base, order: [] };
      s.queue = greedyProbe(this.space, base);
    } else s.queue = [];
  }

  /** Per position, the best change with a positive gain; then these changes best first. */
  private rankChanges(): Change[] {
    const s = this.current;
    const key = (genes: readonly number[]) => genomeKey(this.space, genes);
    const measured = new Map(s.probe.map((m) => [key(m.genes), m.values]));
    const base = measured.get(key(s.greedy.base));
    const gainAt = this.gainIndex();
    const costAt = this.costIndex();
    const best: Change[] = [];
    if (base) {
      for (let position = 0; position < this.space.groups.length; position++) {
        let choice: Change | null = null;
        for (let value = 0; value < this.space.operators.length; value++) {
          if (value === s.greedy.base[position]) continue;
          const genes = [...s.greedy.base];
          genes[position] = value;
          const values = measured.get(key(genes));
          if (!values) continue;
          const change = {
            position,
            value,
            gain: base[gainAt]! - values[gainAt]!,
            cost: costAt === null ? 0 : values[costAt]! - base[costAt]!,
          };
          if (change.gain > 0 && (choice === null || greedyBetter(change, choice))) choice = change;
        }
        if (choice) best.push(choice);
      }
    }
    return best.sort((a, b) => (greedyBetter(a, b) ? -1 : greedyBetter(b, a) ? 1 : a.position - b.position));
  }
}

/** Greedy ranking: free changes (cost ≤ 0) first by gain; then by gain per unit cost. */
function greedyBetter(a: { gain: number; cost: number }, b: { gain: number; cost: number }): boolean {
  const freeA = a.cost <= 0;
  const freeB = b.cost <= 0;
  if (freeA !== freeB) return freeA;
  if (freeA) return a.gain > b.gain;
  return a.gain / a.cost > b.gain / b.cost;
}
