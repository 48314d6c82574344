/** What every route module shares: query/body validation to a 400 naming the field, async handlers. */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { describeZodError } from '../campaigns/validation.js';

/** Answered 400 with its message. */
/** A request body or query the client must fix (400), naming the field (errors/input-errors.ts). */
export class BadRequest extends Error {
  override name = 'BadRequestError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Validates a body or query; a bad one is a BadRequest `<where><field>: <problem>`. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { field, problem } = describeZodError(parsed.error);
    // An unknown key at the top is named by where it came from ("query: unknown field …").
    const first = parsed.error.issues[0];
    const atRoot = first?.code === 'unrecognized_keys' && first.path.length === 0;
    throw new BadRequest(atRoot ? where.trim() || 'body' : `${where}${field}`, problem);
  }
  return parsed.data;
}

export const wrap = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
  handler(req, res).catch(next);
};

// --- query parameters shared by the routes -----------------------------------------------------

export const intParam = z.coerce
  .number({ error: 'expected an integer' })
  .int({ error: 'expected an integer' })
  .positive({ error: 'expected a positive integer' });
export const name = z.string().min(1, { error: 'expected a non-empty value' }).max(200, { error: 'longer than 200 characters' });
/** `a,b,c` → ['a','b','c'] (at most 50 entries). */
export const csv = z
  .string()
  .max(2000, { error: 'longer than 2000 characters' })
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(name).max(50, { error: 'more than 50 entries' }));
/** `64`, `64x64` or `16x64`. */
export const arrayParam = z
  .string()
  .regex(/^\d{1,5}(x\d{1,5})?$/i, { error: 'expected N or RxC' })
  .transform((text) => {
    const [rows, cols] = text.toLowerCase().split('x').map(Number) as [number, number?];
    return { rows, cols: cols ?? rows };
  })
  .refine((a) => a.rows > 0 && a.cols > 0, { error: 'expected positive sizes' });
export const arraysParam = z
  .string()
  .max(2000, { error: 'longer than 2000 characters' })
  .transform((text) => text.split(',').filter(Boolean))
  .pipe(z.array(arrayParam).max(100, { error: 'more than 100 arrays' }));
export const boolParam = z.enum(['true', 'false'], { error: 'expected true or false' });
