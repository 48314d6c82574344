/**
 * Parsing and validation of CLI option values. Every function throws a UsageError whose message
 * names the flag and what was expected.
 */
import {
  DATAFLOWS,
  HARDWARE_KINDS,
  InvalidArrayError,
  parseArraySize,
  TIMING_MODELS,
  type Dataflow,
  type Hardware,
  type TimingModel,
} from '@fuselab/systolic-sim';
import {
  BLOCK_OPERATORS,
  CIFAR_STEM_MAX_INPUT,
  InvalidSpecError,
  networkDefinition,
  NETWORKS,
  STEMS,
  validateOperators,
  VARIANTS,
  type BlockOperator,
  type NetworkName,
  type StemName,
  type VariantName,
} from '@fuselab/fuseconv';
import { UsageError } from './usage-error.js';

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(flag, `unknown ${what} "${value}", expected one of ${allowed.join(', ')}`);
}

export function parseNetwork(value: string): NetworkName {
  return oneOf('--network', value, NETWORKS, 'network');
}

export function parseVariant(value: string): VariantName {
  return oneOf('--variant', value, VARIANTS, 'variant');
}

/**
 * `--operators`: one operator per searchable block, in order (repeats are the point, so not
 * `parseList`, which de-duplicates); with `network`, the count is checked against its blocks.
 */
export function parseOperators(value: string, network?: NetworkName): BlockOperator[] {
  const operators = value.split(',').map((item, i) => {
    const op = item.trim();
    if (!(BLOCK_OPERATORS as readonly string[]).includes(op)) {
      throw new UsageError('--operators', `item ${i + 1}: unknown block operator "${op}", expected one of ${BLOCK_OPERATORS.join(', ')}`);
    }
    return op as BlockOperator;
  });
  if (network !== undefined) {
    try {
      validateOperators(networkDefinition(network), operators);
    } catch (error) {
      if (error instanceof InvalidSpecError) throw new UsageError('--operators', error.problem);
      throw error;
    }
  }
  return operators;
}

export function parseStem(value: string): StemName {
  return oneOf('--stem', value, STEMS, 'stem');
}

/** The `--stem` help text: the choices and fuseconv's default rule. */
export const STEM_HELP = `${STEMS.join(' | ')} (default: cifar for inputs of at most ${CIFAR_STEM_MAX_INPUT} px — stem and first strided stage at stride 1 — imagenet above)`;

export function parseModel(value: string): TimingModel {
  return oneOf('--model', value, TIMING_MODELS, 'timing model');
}

export function parseHardware(value: string): Hardware {
  return oneOf('--hardware', value, HARDWARE_KINDS, 'hardware');
}

export function parseDataflow(value: string): Dataflow {
  return oneOf('--dataflow', value, DATAFLOWS, 'dataflow');
}

export function parseArray(value: string, flag = '--array'): { rows: number; cols: number } {
  try {
    return parseArraySize(value);
  } catch (error) {
    if (error instanceof InvalidArrayError) throw new UsageError(flag, error.problem);
    throw error;
  }
}

export function parsePositiveInt(flag: string, value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) <= 0) {
    throw new UsageError(flag, `expected a positive integer, got "${value}"`);
  }
  return Number(value);
}

export function parsePositiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(flag, `expected a positive number, got "${value}"`);
  }
  return number;
}

/** An optional flag's number, any finite value (the caller's rule checks its range, e.g. recipe.ts). */
export function parseNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(flag, `expected a number, got "${value}"`);
  return number;
}

/** "all" or a comma-separated list of allowed names, without duplicates. */
export function parseList<T extends string>(flag: string, value: string, allowed: readonly T[], what: string): T[] {
  if (value.trim() === 'all') return [...allowed];
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(flag, `empty item in "${value}"`);
  const parsed = items.map((item) => oneOf(flag, item, allowed, what));
  return [...new Set(parsed)];
}

/** Comma-separated array sizes: "8,16,32" (square) or "16x64,64x16". */
export function parseArrayList(flag: string, value: string): Array<{ rows: number; cols: number }> {
  const items = value.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === '')) throw new UsageError(flag, `empty item in "${value}"`);
  return items.map((item) => parseArray(item, flag));
}
