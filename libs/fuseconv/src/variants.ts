/**
 * Variants and per-block operator lists.
 */
import { InvalidSpecError } from './errors.js';
import type { NetworkDefinition } from './networks/index.js';
import type { BlockOperator, VariantName } from './types.js';

/** All named variants. */
export const VARIANTS: readonly VariantName[] = ['baseline', 'fuse_full', 'fuse_half', 'fuse_full_50', 'fuse_half_50'];

/** The operators a block may use. */
export const BLOCK_OPERATORS: readonly BlockOperator[] = ['dw', 'fuse_full', 'fuse_half'];

/** One letter per block operator, for compact operator strings (`dffh…`): d = dw, f = fuse_full, h = fuse_half. */
export const OPERATOR_LETTERS: Readonly<Record<BlockOperator, string>> = { dw: 'd', fuse_full: 'f', fuse_half: 'h' };

/** A network's per-block operators as one letter each (`?` for a name that is not a block operator). */
export function operatorString(operators: readonly string[]): string {
  return operators.map((op) => (isBlockOperator(op) ? OPERATOR_LETTERS[op] : '?')).join('');
}

export function isVariantName(value: unknown): value is VariantName {
  return typeof value === 'string' && (VARIANTS as readonly string[]).includes(value);
}

export function isBlockOperator(value: unknown): value is BlockOperator {
  return typeof value === 'string' && (BLOCK_OPERATORS as readonly string[]).includes(value);
}

/**
 * The operator list of a named variant: all `dw` for the baseline, the FuSe operator everywhere
 * for `fuse_full`/`fuse_half`, and the FuSe operator in the reference Hybrid's blocks for `_50`.
 */
export function variantOperators(definition: NetworkDefinition, variant: VariantName): BlockOperator[] {
  const all = (op: BlockOperator): BlockOperator[] => Array.from({ length: definition.blockCount }, () => op);
  const hybrid = (op: BlockOperator): BlockOperator[] => {
    const chosen = new Set(definition.hybridBlocks);
    return Array.from({ length: definition.blockCount }, (_, i) => (chosen.has(i) ? op : 'dw'));
  };
  switch (variant) {
    case 'baseline':
      return all('dw');
    case 'fuse_full':
      return all('fuse_full');
    case 'fuse_half':
      return all('fuse_half');
    case 'fuse_full_50':
      return hybrid('fuse_full');
    case 'fuse_half_50':
      return hybrid('fuse_half');
  }
}

/** Checks an explicit operator list against a network; returns a copy. */
export function validateOperators(definition: NetworkDefinition, operators: readonly unknown[]): BlockOperator[] {
  if (!Array.isArray(operators)) {
    throw new InvalidSpecError('operators', 'expected an array of block operators');
  }
  if (operators.length !== definition.blockCount) {
    throw new InvalidSpecError(
      'operators',
      `${definition.name} has ${definition.blockCount} searchable blocks, got ${operators.length} operators`,
    );
  }
  return operators.map((op, i) => {
    if (!isBlockOperator(op)) {
      throw new InvalidSpecError(`operators[${i}]`, `expected one of ${BLOCK_OPERATORS.join(', ')}, got ${JSON.stringify(op)}`);
    }
    return op;
  });
}
