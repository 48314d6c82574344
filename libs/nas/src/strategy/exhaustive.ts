/** Exhaustive enumeration of the space in mixed-radix order (first gene most significant). */
import { spaceSize } from '../space.js';
import { BaseStrategy, genomeAt } from './base.js';
import type { ExhaustiveState } from './state.js';

export class ExhaustiveStrategy extends BaseStrategy<ExhaustiveState> {
  protected exhausted(): boolean {
    return this.current.next >= spaceSize(this.space);
  }

  protected propose(room: number): number[][] {
    const out: number[][] = [];
    const size = spaceSize(this.space);
    while (out.length < room && this.current.next < size) out.push(genomeAt(this.space, this.current.next++));
    return out;
  }

  protected absorb(): void {}

  // The enumeration never repeats, so it keeps no list of asked keys (the state stays small).
  protected override remember(): void {}
}
