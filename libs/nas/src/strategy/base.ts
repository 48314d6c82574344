/**
 * What every strategy shares: the ask/tell bookkeeping (budget, pending keys, no candidate asked
 * twice, the PRNG carried in the state) and the genome helpers (random, unasked, mutated genomes).
 * A strategy subclass says only when it has nothing left (`exhausted`), what to propose next
 * (`propose`) and what to do with a result (`absorb`).
 */
import { NasInputError } from '../errors.js';
import { objectiveVector, type ObjectiveValues } from '../objectives.js';
import { Rng } from '../rng.js';
import { arity, candidateKey, decode, encode, genomeKey, genomeLength, spaceSize, type Candidate, type SearchSpace } from '../space.js';
import type { StrategyName, StrategyState } from './state.js';

/** One evaluated candidate, as given to `tell`. */
export interface Evaluation {
  candidate: Candidate;
  /** Minimised objective values by name (at least the strategy's objectives). */
  objectives: ObjectiveValues;
}

/** The ask/tell interface every strategy implements. */
export interface Strategy {
  readonly name: StrategyName;
  /** Up to `n` new candidates (fewer at the end of the budget or a generation; `[]` while waiting for results). */
  ask(n?: number): Candidate[];
  /** Objective values of asked candidates, in any order and any grouping. */
  tell(results: readonly Evaluation[]): void;
  /** True once the budget is spent (and every asked candidate told) or the strategy has nothing left to propose. */
  readonly done: boolean;
  /** Number of results told so far. */
  readonly evaluations: number;
  /** A deep copy of the state (JSON-serialisable). */
  state(): StrategyState;
}

/** Random genomes tried before falling back to enumerating the unseen ones. */
const RANDOM_TRIES = 64;
/** Variation attempts (`make()` calls) before falling back to a random unseen genome. */
const VARIATION_TRIES = 16;
/** At most this many unseen genomes are enumerated by the dense fallback. */
const DENSE_ENUMERATION_CAP = 100_000;

export abstract class BaseStrategy<S extends StrategyState> implements Strategy {
  protected rng: Rng;
  /** The keys of `state.seen`, as a set for lookups. */
  protected seen: Set<string>;
  /** Genes with more than one value (computed on the first mutation; the space never changes). */
  private mutablePositions: number[] | undefined;

  constructor(protected current: S) {
    this.rng = Rng.fromState(current.rng);
    this.seen = new Set(current.seen);
  }

  get name(): StrategyName {
    return this.current.strategy;
  }

  get evaluations(): number {
    return this.current.told;
  }

  get done(): boolean {
    if (this.current.pending.length > 0) return false;
    return this.current.told >= this.current.budget || this.exhausted();
  }

  protected get space(): SearchSpace {
    return this.current.space;
  }

  /** No more candidates will ever be proposed (independent of the budget). */
  protected abstract exhausted(): boolean;
  /** Up to `room` new genomes (not yet asked). */
  protected abstract propose(room: number): number[][];
  /** One result arrived. */
  protected abstract absorb(genes: number[], values: number[]): void;

  ask(n = Number.POSITIVE_INFINITY): Candidate[] {
    if (!(n >= 0)) throw new NasInputError('ask(n)', `expected a non-negative count, got ${n}`);
    const s = this.current;
    const room = Math.min(n, s.budget - s.asked);
    if (room <= 0 || this.exhausted()) return [];
    const out: Candidate[] = [];
    for (const genes of this.propose(room)) {
      const candidate = this.candidateOf(genes);
      const key = candidateKey(candidate);
      this.remember(key);
      s.pending.push(key);
      s.asked++;
      out.push(candidate);
    }
    s.rng = this.rng.state;
    return out;
  }

  tell(results: readonly Evaluation[]): void {
    const s = this.current;
    for (const result of results) {
      const key = candidateKey(result.candidate);
      const at = s.pending.indexOf(key);
      if (at < 0) throw new NasInputError('tell(results)', `${key} was not asked (or was already told)`);
      const values = objectiveVector(result.objectives, s.objectives);
      s.pending.splice(at, 1);
      s.told++;
      this.absorb(encode(s.space, result.candidate), values);
    }
    s.rng = this.rng.state;
  }

  state(): StrategyState {
    this.current.rng = this.rng.state;
    return structuredClone(this.current);
  }

  /** The candidate a proposed genome asks for (a multi-fidelity strategy adds its fidelity). */
  protected candidateOf(genes: number[]): Candidate {
    return decode(this.current.space, genes);
  }

  /** Records an asked key so that it is never asked again. */
  protected remember(key: string): void {
    this.seen.add(key);
    this.current.seen.push(key);
  }

  protected randomGenome(): number[] {
    const length = genomeLength(this.space);
    const genes = new Array<number>(length);
    for (let i = 0; i < length; i++) genes[i] = this.rng.int(arity(this.space, i));
    return genes;
  }

  protected isNew(genes: readonly number[]): boolean {
    return !this.seen.has(genomeKey(this.space, genes));
  }

  protected allSeen(): boolean {
    return this.seen.size >= spaceSize(this.space);
  }

  /** A random genome neither asked before nor in `taken`, or null when the space is used up. */
  protected randomNew(taken: Set<string>): number[] | null {
    const size = spaceSize(this.space);
    if (this.seen.size + taken.size >= size) return null;
    for (let attempt = 0; attempt < RANDOM_TRIES; attempt++) {
      const genes = this.randomGenome();
      const key = genomeKey(this.space, genes);
      if (!this.seen.has(key) && !taken.has(key)) return genes;
    }
    // Dense: pick uniformly among the unseen by enumeration (only reached for small spaces).
    const unseen: number[][] = [];
    for (let i = 0; i < size && unseen.length < DENSE_ENUMERATION_CAP; i++) {
      const genes = genomeAt(this.space, i);
      const key = genomeKey(this.space, genes);
      if (!this.seen.has(key) && !taken.has(key)) unseen.push(genes);
    }
    return unseen.length > 0 ? unseen[this.rng.int(unseen.length)]! : null;
  }

  /** Changes one gene to another value (or, with `rate`, each gene with that probability, at least one). */
  protected mutate(parent: readonly number[], rate?: number): number[] {
    const child = [...parent];
    const mutable = (this.mutablePositions ??= child.map((_, i) => i).filter((i) => arity(this.space, i) > 1));
    if (mutable.length === 0) return child;
    const change = (i: number) => {
      const a = arity(this.space, i);
      child[i] = (child[i]! + 1 + this.rng.int(a - 1)) % a;
    };
    if (rate === undefined) change(mutable[this.rng.int(mutable.length)]!);
    else {
      let changed = false;
      for (const i of mutable) {
        if (this.rng.next() < rate) {
          change(i);
          changed = true;
        }
      }
      if (!changed) change(mutable[this.rng.int(mutable.length)]!);
    }
    return child;
  }

  /** `make()` until it gives a genome neither asked nor in `taken` (a few tries), else a random unasked one. */
  protected fresh(make: () => number[], taken: Set<string>): number[] | null {
    for (let attempt = 0; attempt < VARIATION_TRIES; attempt++) {
      const genes = make();
      const key = genomeKey(this.space, genes);
      if (!this.seen.has(key) && !taken.has(key)) return genes;
    }
    return this.randomNew(taken);
  }
}

/** The genome at index `i` of the mixed-radix enumeration (first gene most significant). */
export function genomeAt(space: SearchSpace, index: number): number[] {
  const length = genomeLength(space);
  const genes = new Array<number>(length).fill(0);
  let rest = index;
  for (let i = length - 1; i >= 0; i--) {
    const a = arity(space, i);
    genes[i] = rest % a;
    rest = Math.floor(rest / a);
  }
  return genes;
}
