/**
 * Validation helpers shared by the campaign spec (spec.ts), the export file (service.ts), the API's
 * bodies and queries, and the environment (env/env.ts): zod building blocks whose messages name
 * what was expected, the first zod issue as `{ field, problem }`, and the checks zod cannot express
 * (distinct items, array bounds) as SpecErrors.
 */
import { z } from 'zod';
import { FieldError } from '../errors/field-error.js';

/**
 * A campaign spec or export file the user must fix: `field` names the spec field
 * (`simulations.networks[1]`, `export file trainingResults[0].trainLoss`), `problem` what is wrong.
 * The CLI prints `field: problem` and exits 2; the API answers 400 (errors/input-errors.ts).
 */
export class SpecError extends FieldError {
  override name = 'SpecError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A campaign, sweep, training or search name. */
export const name = z.string().regex(NAME, { error: 'expected a name of letters, digits, "_", "." or "-" (at most 64 characters)' });

/** One of `values` (a library's or choices.ts' list); the message lists them. */
export function choice<T extends string>(values: readonly T[], what: string) {
  return z.string().refine((value): value is T => (values as readonly string[]).includes(value), {
    error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)}, expected one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T>;
}

/** `all` or a list of names from `values`. */
export function nameList<T extends string>(values: readonly T[], what: string) {
  return z.union([z.literal('all'), z.array(choice(values, what)).min(1, { error: `expected at least one ${what}` })], {
    error: (issue) => (issue.code === 'invalid_union' ? `expected "all" or a list of ${what}s` : undefined),
  });
}

export const positiveInt = (what: string) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .positive({ error: `expected ${what}` });

/** Largest array side a spec accepts. */
export const MAX_ARRAY_SIDE = 4096;
const ARRAY_SIZE = `expected an array size: a number N (an NxN array, 1…${MAX_ARRAY_SIDE}) or "RxC"`;
export const arraySize = z.union(
  [
    z.number().int({ error: ARRAY_SIZE }).min(1, { error: ARRAY_SIZE }).max(MAX_ARRAY_SIDE, { error: ARRAY_SIZE }),
    z.string().regex(/^\s*\d+\s*x\s*\d+\s*$/i),
    z.strictObject({ rows: z.number().int().min(1).max(MAX_ARRAY_SIDE), cols: z.number().int().min(1).max(MAX_ARRAY_SIDE) }),
  ],
  { error: ARRAY_SIZE },
);

export type ArraySizeInput = z.output<typeof arraySize>;

export function arraySizeOf(value: ArraySizeInput): { rows: number; cols: number } {
  if (typeof value === 'object') return { rows: value.rows, cols: value.cols };
  if (typeof value === 'number') return { rows: value, cols: value };
  const [rows, cols] = value
    .toLowerCase()
    .split('x')
    .map((part) => Number(part.trim()));
  return { rows: rows!, cols: cols! };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? String(part) : `.${String(part)}`;
  return text || 'spec';
}

/** The first zod issue as the field it names and the problem with it. */
export function describeZodError(error: z.ZodError, root = ''): { field: string; problem: string } {
  // Union errors carry the issues of each branch; the most specific one names the field best.
  let issue = error.issues[0]!;
  let path = [...issue.path];
  while (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.filter((branch) => branch.length > 0);
    const best = branches.find((branch) => branch.some((inner) => inner.path.length > 0)) ?? branches[0];
    if (!best || best.length === 0 || (issue.message && !issue.message.startsWith('Invalid input'))) break;
    issue = best[0]!;
    path = [...path, ...issue.path];
  }
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys')
    problem = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
  const field = formatPath(root ? [root, ...path] : path);
  return { field, problem };
}

/** The chosen names in the list's own order (`all`: the whole list), so equal sets normalise equally. */
export function inOrder<T extends string>(values: readonly T[], chosen: 'all' | readonly T[]): T[] {
  if (chosen === 'all') return [...values];
  return values.filter((value) => chosen.includes(value));
}

/** Throws a SpecError naming `field` if two items have the same key. */
export function checkDistinct<T>(field: string, items: readonly T[], what: string, key: (item: T) => string = String): void {
  const seen = new Set<string>();
  for (const item of items) {
    const id = key(item);
    if (seen.has(id)) throw new SpecError(field, `duplicate ${what} ${JSON.stringify(id)}`);
    seen.add(id);
  }
}

/** Array sizes in bounds and distinct, sorted by rows then cols. */
export function checkedArrays(field: string, arrays: readonly ArraySizeInput[]): Array<{ rows: number; cols: number }> {
  const sizes = arrays.map(arraySizeOf);
  sizes.forEach(({ rows, cols }, i) => {
    if (!(rows >= 1 && rows <= MAX_ARRAY_SIDE && cols >= 1 && cols <= MAX_ARRAY_SIDE))
      throw new SpecError(`${field}[${i}]`, `array dimensions must be 1…${MAX_ARRAY_SIDE}, got ${rows}x${cols}`);
  });
  checkDistinct(field, sizes, 'array size', (a) => `${a.rows}x${a.cols}`);
  return [...sizes].sort((a, b) => a.rows - b.rows || a.cols - b.cols);
}
