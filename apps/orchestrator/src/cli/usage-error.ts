import { FieldError } from '../errors/field-error.js';

/**
 * A problem with what the user asked for: `field` is the flag (or variable) at fault, `problem`
 * what is wrong with it. The CLI prints `field: problem` on one line and exits with status 2
 * (errors/input-errors.ts); nothing else is printed on stdout.
 */
export class UsageError extends FieldError {
  override name = 'UsageError';
}
