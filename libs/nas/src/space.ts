/**
 * Search spaces: which choices a candidate makes (one operator per block or per stage, optionally
 * the array), and the candidates themselves as plain data with a canonical key.
 */
import { BLOCK_OPERATORS, isNetworkName, NETWORKS, searchableBlocks, type BlockOperator, type NetworkName } from '@fuselab/fuseconv';
import { HARDWARE_KINDS, type Hardware } from '@fuselab/systolic-sim';
import { NasInputError } from './errors.js';

export const SPACE_KINDS = ['blocks', 'stages'] as const;
export type SpaceKind = (typeof SPACE_KINDS)[number];

/** One array a candidate may run on. `hardware: 'fuse'` is the array with the ST-OS extension. */
export interface ArrayChoice {
  rows: number;
  cols: number;
  hardware: Hardware;
}

/** A point of the space: the operator of every searchable block, and the array when it is searched. */
export interface Candidate {
  operators: BlockOperator[];
  /** Present when the space searches the array (more than one array choice). */
  array?: ArrayChoice;
  /**
   * Multi-fidelity strategies (`halving`): the fraction of the full evaluation budget to spend on
   * it, e.g. ⅑ of the training epochs; absent on a full evaluation. Only the accuracy evaluator
   * uses it: the hardware objectives are exact at any fidelity.
   */
  fidelity?: number;
}

/** A search space, as plain serialisable data. */
export interface SearchSpace {
  network: NetworkName;
  kind: SpaceKind;
  /** The operator choices of every position, in canonical order (`dw`, `fuse_full`, `fuse_half`). */
  operators: BlockOperator[];
  /** Searchable blocks of the network. */
  blockCount: number;
  /** Block indices decided by each position: one block each (`blocks`) or a stage's blocks (`stages`). */
  groups: number[][];
  /** Array choices; one means the array is fixed (and candidates carry no `array`). */
  arrays: ArrayChoice[];
}

export interface SpaceOptions {
  network: NetworkName | string;
  /** `blocks` (one operator per searchable block) or `stages` (all blocks of a stage share one). Default `blocks`. */
  space?: SpaceKind | string;
  /** Operator choices (default all three). */
  operators?: readonly (BlockOperator | string)[];
  /** The array, or several for co-design: `64`, `{rows, cols}`, or a list of them. Default 64×64. */
  array?: ArraySpec | readonly ArraySpec[];
  /** Alias of `array` for co-design lists, e.g. `arrays: [16, 32, 64]`. */
  arrays?: readonly ArraySpec[];
  /** Hardware choices (`fuse` = ST-OS extension on). Default `['fuse']`; `['plain', 'fuse']` searches it. */
  hardware?: readonly Hardware[];
}

export type ArraySpec = number | { rows: number; cols: number; hardware?: Hardware };

const OP_LETTER: Record<BlockOperator, string> = { dw: 'd', fuse_full: 'f', fuse_half: 'h' };

function positiveInt(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new NasInputError(field, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function normaliseArrays(options: SpaceOptions): ArrayChoice[] {
  const raw = options.arrays ?? options.array ?? 64;
  const list: readonly ArraySpec[] = Array.isArray(raw) ? raw : [raw as ArraySpec];
  if (list.length === 0) throw new NasInputError('arrays', 'expected at least one array size');
  const hardware = options.hardware ?? ['fuse'];
  if (hardware.length === 0) throw new NasInputError('hardware', `expected at least one of ${HARDWARE_KINDS.join(', ')}`);
  for (const [i, h] of hardware.entries()) {
    if (!(HARDWARE_KINDS as readonly string[]).includes(h))
      throw new NasInputError(`hardware[${i}]`, `expected ${HARDWARE_KINDS.join(' or ')}, got ${JSON.stringify(h)}`);
  }
  const out: ArrayChoice[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const field = `arrays[${i}]`;
    const { rows, cols, hw } =
      typeof item === 'number'
        ? { rows: positiveInt(field, item), cols: item, hw: undefined }
        : { rows: positiveInt(`${field}.rows`, item.rows), cols: positiveInt(`${field}.cols`, item.cols), hw: item.hardware };
    for (const h of hw !== undefined ? [hw] : hardware) {
      const key = `${rows}x${cols}/${h}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ rows, cols, hardware: h });
      }
    }
  });
  return out;
}

/** Builds and validates a search space. Throws {@link NasInputError} naming the bad option. */
export function makeSpace(options: SpaceOptions): SearchSpace {
  if (!isNetworkName(options.network)) {
    throw new NasInputError('network', `unknown network ${JSON.stringify(options.network)}, expected one of ${NETWORKS.join(', ')}`);
  }
  const network = options.network;
  const kind = options.space ?? 'blocks';
  if (!(SPACE_KINDS as readonly string[]).includes(kind)) {
    throw new NasInputError('space', `unknown search space ${JSON.stringify(kind)}, expected one of ${SPACE_KINDS.join(', ')}`);
  }
  const requested = options.operators ?? BLOCK_OPERATORS;
  requested.forEach((op, i) => {
    if (!(BLOCK_OPERATORS as readonly string[]).includes(op)) {
      throw new NasInputError(
        `operators[${i}]`,
        `unknown block operator ${JSON.stringify(op)}, expected one of ${BLOCK_OPERATORS.join(', ')}`,
      );
    }
  });
  const operators = BLOCK_OPERATORS.filter((op) => requested.includes(op));
  if (operators.length === 0) throw new NasInputError('operators', 'expected at least one block operator');
  const blocks = searchableBlocks({ network });
  let groups: number[][];
  if (kind === 'blocks') groups = blocks.map((b) => [b.index]);
  else {
    const byStage = new Map<number, number[]>();
    for (const b of blocks) byStage.set(b.stage, [...(byStage.get(b.stage) ?? []), b.index]);
    groups = [...byStage.keys()].sort((a, b) => a - b).map((s) => byStage.get(s)!);
  }
  return { network, kind: kind as SpaceKind, operators, blockCount: blocks.length, groups, arrays: normaliseArrays(options) };
}

/** Number of decision positions (excluding the array gene). */
export function positionCount(space: SearchSpace): number {
  return space.groups.length;
}

/** Length of a genome: one gene per position, plus one for the array when it is searched. */
export function genomeLength(space: SearchSpace): number {
  return space.groups.length + (space.arrays.length > 1 ? 1 : 0);
}

/** How many values gene `i` takes. */
export function arity(space: SearchSpace, i: number): number {
  return i < space.groups.length ? space.operators.length : space.arrays.length;
}

/** Number of candidates in the space (may exceed 2^53 for huge spaces; then only approximate). */
export function spaceSize(space: SearchSpace): number {
  return space.operators.length ** space.groups.length * space.arrays.length;
}

/** The candidate a genome denotes. */
export function decode(space: SearchSpace, genes: readonly number[]): Candidate {
  const operators: BlockOperator[] = new Array<BlockOperator>(space.blockCount);
  space.groups.forEach((group, p) => {
    const op = space.operators[genes[p]!]!;
    for (const b of group) operators[b] = op;
  });
  const candidate: Candidate = { operators };
  if (space.arrays.length > 1) candidate.array = { ...space.arrays[genes[space.groups.length]!]! };
  return candidate;
}

/** The genome of a candidate of this space (throws if the candidate is not in the space). */
export function encode(space: SearchSpace, candidate: Candidate): number[] {
  if (candidate.operators.length !== space.blockCount) {
    throw new NasInputError(
      'operators',
      `${space.network} has ${space.blockCount} searchable blocks, got ${candidate.operators.length} operators`,
    );
  }
  const genes = space.groups.map((group, p) => {
    const op = candidate.operators[group[0]!]!;
    const g = space.operators.indexOf(op);
    if (g < 0 || group.some((b) => candidate.operators[b] !== op)) {
      throw new NasInputError('operators', `candidate is not in the ${space.kind} space (position ${p})`);
    }
    return g;
  });
  if (space.arrays.length > 1) {
    const a = candidate.array;
    const g = a ? space.arrays.findIndex((c) => c.rows === a.rows && c.cols === a.cols && c.hardware === a.hardware) : -1;
    if (g < 0) throw new NasInputError('array', 'candidate array is not one of the space arrays');
    genes.push(g);
  }
  return genes;
}

/** Canonical key of a candidate: one letter per block (d, f, h), then `@RxC/hardware` if it has an array. */
export function candidateKey(candidate: Candidate): string {
  // A plain loop: searches key every candidate several times, and map + join costs ~3× more.
  let ops = '';
  for (const op of candidate.operators) ops += OP_LETTER[op];
  const key = candidate.array ? `${ops}@${candidate.array.rows}x${candidate.array.cols}/${candidate.array.hardware}` : ops;
  return candidate.fidelity === undefined ? key : `${key}~${fidelityLabel(candidate.fidelity)}`;
}

/** A fidelity as keys show it: `1/9` for ⅑ (the reciprocal, when whole), else the number. */
export function fidelityLabel(fidelity: number): string {
  const reciprocal = Math.round(1 / fidelity);
  return Math.abs(1 / reciprocal - fidelity) < 1e-12 ? `1/${reciprocal}` : String(fidelity);
}

/** Key of a genome (the key of the candidate it decodes to). */
export function genomeKey(space: SearchSpace, genes: readonly number[]): string {
  if (space.arrays.length > 1 || space.kind !== 'blocks') return candidateKey(decode(space, genes));
  // Blocks space with a fixed array: gene p is block groups[p][0]'s operator, so the key is read
  // off the genes directly (the same string, without building the candidate).
  const letters = new Array<string>(space.blockCount);
  space.groups.forEach((group, p) => (letters[group[0]!] = OP_LETTER[space.operators[genes[p]!]!]));
  let key = '';
  for (const letter of letters) key += letter;
  return key;
}

/** The array a candidate runs on: its own, or the space's single array. */
export function candidateArray(space: SearchSpace, candidate: Candidate): ArrayChoice {
  return candidate.array ?? space.arrays[0]!;
}
