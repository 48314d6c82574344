/**
 * Search strategies behind one ask/tell interface. A strategy proposes candidates (`ask`), takes
 * their objective values back (`tell`), and can be frozen to plain JSON (`state()`) and thawed
 * (`fromState`) at any point between calls — what a Temporal workflow needs to run each
 * generation's evaluations as parallel activities and to continue-as-new.
 *
 * The state holds the space, the objectives, budget and counters, the PRNG's 32-bit state, the
 * keys asked so far (for de-duplication) and the strategy's working set (a population of at most
 * `populationSize` genomes with their objective vectors, or the greedy probe); never the full
 * evaluation history. Everything a strategy does depends only on its state, so the same seed
 * gives the same asks.
 */
import { NasInputError } from './errors.js';
import { objectiveVector, validateObjectives, type ObjectiveName, type ObjectiveValues } from './objectives.js';
import { crowdingDistance, dominates, nonDominatedSort } from './pareto.js';
import { Rng } from './rng.js';
import { arity, candidateKey, decode, encode, genomeKey, genomeLength, spaceSize, type Candidate, type SearchSpace } from './space.js';

export const STRATEGIES = ['greedy', 'random', 'evolution', 'nsga2', 'exhaustive'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** One evaluated candidate, as given to `tell`. */
export interface Evaluation {
  candidate: Candidate;
  /** Minimised objective values by name (at least the strategy's objectives). */
  objectives: ObjectiveValues;
}

export interface StrategyOptions {
  strategy: StrategyName | string;
  space: SearchSpace;
  objectives: readonly (ObjectiveName | string)[];
  /** Number of evaluations (asked candidates) at most. */
  budget: number;
  seed?: number;
  /** evolution / nsga2: population size (default 16, at most the budget). */
  populationSize?: number;
  /** evolution: tournament sample size (default 4). */
  sampleSize?: number;
  /** exhaustive: largest space it accepts (default 50,000). */
  exhaustiveLimit?: number;
}

interface Member {
  g: number[];
  f: number[];
}

/** The serialisable state of a strategy (JSON-safe; small). */
export interface StrategyState {
  version: 1;
  strategy: StrategyName;
  space: SearchSpace;
  objectives: ObjectiveName[];
  budget: number;
  seed: number;
  rng: number;
  asked: number;
  told: number;
  /** Keys asked and not yet told. */
  pending: string[];
  /** Keys asked so far (random, evolution, nsga2, greedy: no candidate is asked twice). */
  seen: string[];
  populationSize: number;
  sampleSize: number;
  /** evolution: the aging population, oldest first. nsga2: the parents. */
  population: Member[];
  /** nsga2: genomes of the current generation not yet asked. greedy: the current queue. */
  queue: number[][];
  /** nsga2: the current generation's evaluated offspring. greedy: the probe results. */
  offspring: Member[];
  /** nsga2: size of the current generation. */
  generationSize: number;
  generation: number;
  /** exhaustive: next index to enumerate. */
  next: number;
  /** greedy: array index, phase, base genome, chosen changes [position, value] in order, path step. */
  greedy?: { array: number; phase: 'probe' | 'path'; base: number[]; order: Array<[number, number]>; step: number };
}

export const DEFAULT_POPULATION = 16;
export const DEFAULT_SAMPLE = 4;
export const DEFAULT_EXHAUSTIVE_LIMIT = 50_000;

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

export function createStrategy(options: StrategyOptions): Strategy {
  if (!(STRATEGIES as readonly string[]).includes(options.strategy)) {
    throw new NasInputError('strategy', `unknown strategy ${JSON.stringify(options.strategy)}, expected one of ${STRATEGIES.join(', ')}`);
  }
  const strategy = options.strategy as StrategyName;
  const objectives = validateObjectives(options.objectives);
  if (!Number.isInteger(options.budget) || options.budget <= 0) {
    throw new NasInputError('budget', `expected a positive integer number of evaluations, got ${JSON.stringify(options.budget)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new NasInputError('seed', `expected an integer, got ${JSON.stringify(seed)}`);
  const populationSize = options.populationSize ?? DEFAULT_POPULATION;
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE;
  if (!Number.isInteger(populationSize) || populationSize < 2) throw new NasInputError('populationSize', `expected an integer ≥ 2, got ${populationSize}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new NasInputError('sampleSize', `expected a positive integer, got ${sampleSize}`);
  if (strategy === 'exhaustive') {
    const limit = options.exhaustiveLimit ?? DEFAULT_EXHAUSTIVE_LIMIT;
    const size = spaceSize(options.space);
    if (size > limit) {
      const s = options.space;
      throw new NasInputError(
        'space',
        `exhaustive search refuses the ${s.kind} space of ${s.network}: ${s.operators.length}^${s.groups.length}` +
          `${s.arrays.length > 1 ? ` × ${s.arrays.length} arrays` : ''} = ${size.toLocaleString('en-US')} candidates, above the limit of ${limit.toLocaleString('en-US')}; ` +
          'use the stages space, fewer operators, or another strategy',
      );
    }
  }
  const state: StrategyState = {
    version: 1,
    strategy,
    space: options.space,
    objectives,
    budget: options.budget,
    seed,
    rng: new Rng(seed).state,
    asked: 0,
    told: 0,
    pending: [],
    seen: [],
    populationSize: Math.min(populationSize, options.budget),
    sampleSize,
    population: [],
    queue: [],
    offspring: [],
    generationSize: 0,
    generation: 0,
    next: 0,
  };
  return fromState(state);
}

/** Rebuilds a strategy from `state()` output (or its JSON round trip). */
export function fromState(state: StrategyState): Strategy {
  if (state?.version !== 1 || !(STRATEGIES as readonly string[]).includes(state.strategy)) {
    throw new NasInputError('state', 'not a @fuselab/nas strategy state (version 1)');
  }
  const copy = structuredClone(state);
  switch (copy.strategy) {
    case 'random':
      return new RandomStrategy(copy);
    case 'evolution':
      return new EvolutionStrategy(copy);
    case 'nsga2':
      return new Nsga2Strategy(copy);
    case 'exhaustive':
      return new ExhaustiveStrategy(copy);
    case 'greedy':
      return new GreedyStrategy(copy);
  }
}

abstract class BaseStrategy implements Strategy {
  protected rng: Rng;
  protected seen: Set<string>;

  constructor(protected s: StrategyState) {
    this.rng = Rng.fromState(s.rng);
    this.seen = new Set(s.seen);
  }

  get name(): StrategyName {
    return this.s.strategy;
  }

  get evaluations(): number {
    return this.s.told;
  }

  get done(): boolean {
    if (this.s.pending.length > 0) return false;
    return this.s.told >= this.s.budget || this.exhausted();
  }

  /** No more candidates will ever be proposed (independent of the budget). */
  protected abstract exhausted(): boolean;
  /** Up to `room` new genomes (not yet asked). */
  protected abstract propose(room: number): number[][];
  /** One result arrived. */
  protected abstract absorb(genes: number[], f: number[]): void;

  ask(n = Number.POSITIVE_INFINITY): Candidate[] {
    if (!(n >= 0)) throw new NasInputError('ask(n)', `expected a non-negative count, got ${n}`);
    const room = Math.min(n, this.s.budget - this.s.asked);
    if (room <= 0 || this.exhausted()) return [];
    const genomes = this.propose(room);
    const out: Candidate[] = [];
    for (const g of genomes) {
      const key = genomeKey(this.s.space, g);
      this.seen.add(key);
      this.s.seen.push(key);
      this.s.pending.push(key);
      this.s.asked++;
      out.push(decode(this.s.space, g));
    }
    this.s.rng = this.rng.state;
    return out;
  }

  tell(results: readonly Evaluation[]): void {
    for (const r of results) {
      const key = candidateKey(r.candidate);
      const at = this.s.pending.indexOf(key);
      if (at < 0) throw new NasInputError('tell(results)', `${key} was not asked (or was already told)`);
      const f = objectiveVector(r.objectives, this.s.objectives);
      this.s.pending.splice(at, 1);
      this.s.told++;
      this.absorb(encode(this.s.space, r.candidate), f);
    }
    this.s.rng = this.rng.state;
  }

  state(): StrategyState {
    this.s.rng = this.rng.state;
    return structuredClone(this.s);
  }

  // ---- helpers shared by the strategies ----

  protected randomGenome(): number[] {
    return Array.from({ length: genomeLength(this.s.space) }, (_, i) => this.rng.int(arity(this.s.space, i)));
  }

  protected isNew(g: number[]): boolean {
    return !this.seen.has(genomeKey(this.s.space, g));
  }

  protected allSeen(): boolean {
    return this.seen.size >= spaceSize(this.s.space);
  }

  /** A random genome not asked before, or null when the space is used up. */
  protected randomNew(taken: Set<string>): number[] | null {
    const size = spaceSize(this.s.space);
    if (this.seen.size + taken.size >= size) return null;
    for (let attempt = 0; attempt < 64; attempt++) {
      const g = this.randomGenome();
      const key = genomeKey(this.s.space, g);
      if (!this.seen.has(key) && !taken.has(key)) return g;
    }
    // Dense: pick uniformly among the unseen by enumeration (only reached for small spaces).
    const unseen: number[][] = [];
    for (let i = 0; i < size && unseen.length < 100_000; i++) {
      const g = genomeAt(this.s.space, i);
      const key = genomeKey(this.s.space, g);
      if (!this.seen.has(key) && !taken.has(key)) unseen.push(g);
    }
    return unseen.length > 0 ? unseen[this.rng.int(unseen.length)]! : null;
  }

  /** Changes one gene to another value (or, with `rate`, each gene with that probability, at least one). */
  protected mutate(g: readonly number[], rate?: number): number[] {
    const child = [...g];
    const L = child.length;
    const mutable = Array.from({ length: L }, (_, i) => i).filter((i) => arity(this.s.space, i) > 1);
    if (mutable.length === 0) return child;
    const flip = (i: number) => {
      const a = arity(this.s.space, i);
      child[i] = (child[i]! + 1 + this.rng.int(a - 1)) % a;
    };
    if (rate === undefined) flip(mutable[this.rng.int(mutable.length)]!);
    else {
      let changed = false;
      for (const i of mutable) {
        if (this.rng.next() < rate) {
          flip(i);
          changed = true;
        }
      }
      if (!changed) flip(mutable[this.rng.int(mutable.length)]!);
    }
    return child;
  }

  /** `make()` until it gives an unasked genome (a few tries), else a random unasked one. */
  protected fresh(make: () => number[], taken: Set<string>): number[] | null {
    for (let attempt = 0; attempt < 16; attempt++) {
      const g = make();
      const key = genomeKey(this.s.space, g);
      if (!this.seen.has(key) && !taken.has(key)) return g;
    }
    return this.randomNew(taken);
  }
}

/** The genome at index `i` of the mixed-radix enumeration (first gene most significant). */
export function genomeAt(space: SearchSpace, index: number): number[] {
  const L = genomeLength(space);
  const g = new Array<number>(L).fill(0);
  let rest = index;
  for (let i = L - 1; i >= 0; i--) {
    const a = arity(space, i);
    g[i] = rest % a;
    rest = Math.floor(rest / a);
  }
  return g;
}

class RandomStrategy extends BaseStrategy {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    const out: number[][] = [];
    const taken = new Set<string>();
    while (out.length < room) {
      const g = this.randomNew(taken);
      if (!g) break;
      taken.add(genomeKey(this.s.space, g));
      out.push(g);
    }
    return out;
  }

  protected absorb(): void {}
}

class ExhaustiveStrategy extends BaseStrategy {
  protected exhausted(): boolean {
    return this.s.next >= spaceSize(this.s.space);
  }

  protected propose(room: number): number[][] {
    const out: number[][] = [];
    const size = spaceSize(this.s.space);
    while (out.length < room && this.s.next < size) out.push(genomeAt(this.s.space, this.s.next++));
    return out;
  }

  protected absorb(): void {}

  // Exhaustive enumeration never repeats, so it keeps no list of seen keys.
  override ask(n?: number): Candidate[] {
    const out = super.ask(n);
    this.s.seen = [];
    this.seen.clear();
    return out;
  }
}

/** Indices of `members` ordered best first by (dominated-by count within them, summed per-objective rank, index). */
function tournamentOrder(members: readonly Member[]): number[] {
  const dominatedBy = members.map((m) => members.filter((o) => dominates(o.f, m.f)).length);
  const dims = members[0]?.f.length ?? 0;
  const rankSum = members.map(() => 0);
  for (let d = 0; d < dims; d++) {
    const order = members.map((_, i) => i).sort((a, b) => members[a]!.f[d]! - members[b]!.f[d]! || a - b);
    order.forEach((i, r) => (rankSum[i]! += r));
  }
  return members.map((_, i) => i).sort((a, b) => dominatedBy[a]! - dominatedBy[b]! || rankSum[a]! - rankSum[b]! || a - b);
}

/** Regularised (aging) evolution, Real et al. 2019: tournament on a sample, mutate, the oldest dies. */
class EvolutionStrategy extends BaseStrategy {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    const out: number[][] = [];
    const taken = new Set<string>();
    while (out.length < room) {
      let g: number[] | null;
      if (this.s.asked + out.length < this.s.populationSize) g = this.randomNew(taken);
      else if (this.s.population.length === 0) break; // wait for the first results
      else {
        const pop = this.s.population;
        const sample = this.rng.sample(pop.length, Math.min(this.s.sampleSize, pop.length)).map((i) => pop[i]!);
        const parent = sample[tournamentOrder(sample)[0]!]!;
        g = this.fresh(() => this.mutate(parent.g), taken);
      }
      if (!g) break;
      taken.add(genomeKey(this.s.space, g));
      out.push(g);
    }
    return out;
  }

  protected absorb(genes: number[], f: number[]): void {
    this.s.population.push({ g: genes, f });
    while (this.s.population.length > this.s.populationSize) this.s.population.shift();
  }
}

/** NSGA-II (Deb et al. 2002): non-dominated sorting and crowding distance, binary tournaments, uniform crossover, mutation. */
class Nsga2Strategy extends BaseStrategy {
  protected exhausted(): boolean {
    return this.allSeen();
  }

  protected propose(room: number): number[][] {
    if (this.s.queue.length === 0 && this.s.generationSize === 0) this.startGeneration();
    const out = this.s.queue.splice(0, Math.min(room, this.s.queue.length));
    return out;
  }

  private startGeneration(): void {
    const n = Math.min(this.s.populationSize, this.s.budget - this.s.asked);
    const taken = new Set<string>();
    const queue: number[][] = [];
    const parents = this.s.population;
    const { rank, crowd } = parents.length > 0 ? rankAndCrowding(parents) : { rank: [], crowd: [] };
    const better = (a: number, b: number) => (rank[a]! < rank[b]! || (rank[a] === rank[b] && crowd[a]! > crowd[b]!) ? a : b);
    const pick = () => better(this.rng.int(parents.length), this.rng.int(parents.length));
    while (queue.length < n) {
      let g: number[] | null;
      if (parents.length === 0) g = this.randomNew(taken);
      else {
        g = this.fresh(() => {
          const a = parents[pick()]!.g;
          const b = parents[pick()]!.g;
          const child = this.rng.next() < 0.9 ? a.map((v, i) => (this.rng.next() < 0.5 ? v : b[i]!)) : [...a];
          return this.mutate(child, 1 / child.length);
        }, taken);
      }
      if (!g) break;
      taken.add(genomeKey(this.s.space, g));
      queue.push(g);
    }
    this.s.queue = queue;
    this.s.generationSize = queue.length;
    this.s.offspring = [];
  }

  protected absorb(genes: number[], f: number[]): void {
    this.s.offspring.push({ g: genes, f });
    if (this.s.offspring.length >= this.s.generationSize && this.s.queue.length === 0) {
      this.s.population = selectSurvivors([...this.s.population, ...this.s.offspring], this.s.populationSize);
      this.s.offspring = [];
      this.s.generationSize = 0;
      this.s.generation++;
    }
  }
}

/** Pareto rank and crowding distance of every member. */
export function rankAndCrowding(members: readonly Member[]): { rank: number[]; crowd: number[] } {
  const points = members.map((m) => m.f);
  const rank = new Array<number>(members.length).fill(0);
  const crowd = new Array<number>(members.length).fill(0);
  nonDominatedSort(points).forEach((front, r) => {
    const d = crowdingDistance(points, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowd[i] = d[k]!;
    });
  });
  return { rank, crowd };
}

/** NSGA-II environmental selection: whole fronts, then the last front by crowding distance. */
export function selectSurvivors(members: readonly Member[], n: number): Member[] {
  const points = members.map((m) => m.f);
  const out: Member[] = [];
  for (const front of nonDominatedSort(points)) {
    if (out.length + front.length <= n) {
      out.push(...front.map((i) => members[i]!));
      continue;
    }
    const d = crowdingDistance(points, front);
    const order = front.map((_, k) => k).sort((a, b) => d[b]! - d[a]! || front[a]! - front[b]!);
    out.push(...order.slice(0, n - out.length).map((k) => members[front[k]!]!));
    break;
  }
  return out;
}

/**
 * The paper's greedy: from the all-first-operator network (all `dw`), measure every single-block
 * (or single-stage) change, then turn positions to FuSe one at a time in order of best latency
 * gain per unit of cost, evaluating each step of the path. The gain objective is `latency` (else
 * the first objective); the cost is the next objective's increase (free when it does not increase,
 * and then ordered by gain alone). With several arrays it walks each array in turn.
 */
class GreedyStrategy extends BaseStrategy {
  private get gs() {
    if (!this.s.greedy) {
      const space = this.s.space;
      const base = new Array<number>(genomeLength(space)).fill(0);
      this.s.greedy = { array: 0, phase: 'probe', base, order: [], step: 0 };
      this.s.queue = this.probeQueue(base);
    }
    return this.s.greedy;
  }

  private probeQueue(base: number[]): number[][] {
    const queue = [[...base]];
    const P = this.s.space.groups.length;
    for (let p = 0; p < P; p++) {
      for (let v = 0; v < this.s.space.operators.length; v++) {
        if (v === base[p]) continue;
        const g = [...base];
        g[p] = v;
        queue.push(g);
      }
    }
    return queue;
  }

  protected exhausted(): boolean {
    return this.gs.array >= this.s.space.arrays.length;
  }

  protected propose(room: number): number[][] {
    void this.gs; // initialises the probe on the first ask
    const out: number[][] = [];
    while (out.length < room && this.s.queue.length > 0) {
      const g = this.s.queue.shift()!;
      if (this.isNew(g)) out.push(g);
      else this.advanceIfIdle();
    }
    return out;
  }

  private gainIndex(): number {
    const i = this.s.objectives.indexOf('latency');
    return i >= 0 ? i : 0;
  }

  private costIndex(): number | null {
    const gain = this.gainIndex();
    const i = this.s.objectives.findIndex((_, k) => k !== gain);
    return i >= 0 ? i : null;
  }

  protected absorb(genes: number[], f: number[]): void {
    const gs = this.gs;
    if (gs.phase === 'probe') this.s.offspring.push({ g: genes, f });
    this.advanceIfIdle();
  }

  /** When the current queue is used up and nothing is pending, move to the next phase. */
  private advanceIfIdle(): void {
    const gs = this.s.greedy!;
    if (this.s.queue.length > 0 || this.s.pending.length > 0) return;
    if (gs.phase === 'probe') {
      const key = (g: number[]) => genomeKey(this.s.space, g);
      const probe = new Map(this.s.offspring.map((m) => [key(m.g), m.f]));
      const base = probe.get(key(gs.base));
      const gi = this.gainIndex();
      const ci = this.costIndex();
      const best: Array<{ p: number; v: number; gain: number; cost: number }> = [];
      if (base) {
        for (let p = 0; p < this.s.space.groups.length; p++) {
          let choice: { p: number; v: number; gain: number; cost: number } | null = null;
          for (let v = 0; v < this.s.space.operators.length; v++) {
            if (v === gs.base[p]) continue;
            const g = [...gs.base];
            g[p] = v;
            const f = probe.get(key(g));
            if (!f) continue;
            const c = { p, v, gain: base[gi]! - f[gi]!, cost: ci === null ? 0 : f[ci]! - base[ci]! };
            if (c.gain > 0 && (choice === null || greedyBetter(c, choice))) choice = c;
          }
          if (choice) best.push(choice);
        }
      }
      best.sort((a, b) => (greedyBetter(a, b) ? -1 : greedyBetter(b, a) ? 1 : a.p - b.p));
      gs.order = best.map((c) => [c.p, c.v]);
      gs.phase = 'path';
      gs.step = 0;
      const path: number[][] = [];
      const g = [...gs.base];
      for (const [p, v] of gs.order) {
        g[p] = v;
        path.push([...g]);
      }
      this.s.queue = path.slice(1); // the first step was measured by the probe
      this.s.offspring = [];
      if (this.s.queue.length > 0) return;
    }
    // Path finished: next array, or done.
    gs.array++;
    if (gs.array < this.s.space.arrays.length) {
      gs.base = new Array<number>(genomeLength(this.s.space)).fill(0);
      gs.base[this.s.space.groups.length] = gs.array;
      gs.phase = 'probe';
      gs.order = [];
      this.s.queue = this.probeQueue(gs.base);
    } else this.s.queue = [];
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
