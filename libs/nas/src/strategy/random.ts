/** Uniform random search over the space, without repeats. */
import { genomeKey } from '../space.js';
import { BaseStrategy } from './base.js';
import type { RandomState } from './state.js';

export class RandomStrategy extends BaseStrategy<RandomState> {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    const out: number[][] = [];
    const taken = new Set<string>();
    while (out.length < room) {
      const genes = this.randomNew(taken);
      if (!genes) break;
      taken.add(genomeKey(this.space, genes));
      out.push(genes);
    }
    return out;
  }

  protected absorb(): void {}
}
