/**
 * Activities rethrow through here: an input error (or a deterministic library failure) becomes a
 * non-retryable ApplicationFailure of the error's own type and message, so it fails at once on
 * every retry policy; anything else (a lost database connection, a killed worker) is retried.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isNonRetryable } from './input-errors.js';

export function rethrowForActivity(error: unknown): never {
  if (error instanceof ApplicationFailure) throw error;
  if (isNonRetryable(error)) throw ApplicationFailure.nonRetryable(error.message, error.name);
  throw error;
}
