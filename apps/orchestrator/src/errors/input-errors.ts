/**
 * The one error model of the orchestrator: which errors mean "fix your input" and what each
 * surface does with them — the CLI exits 2, the API answers 400 (404 for an unknown campaign),
 * activities fail without retries. Every place that asks uses this module.
 *
 * Errors are matched by name, not by class: the CLI's entry point must not load the libraries, the
 * Temporal SDK or the database to recognise them, and workflow code (deterministic, replayed from
 * recorded histories) takes the plain list of names for its retry policies. So this module imports
 * nothing.
 */

/**
 * Library errors: each carries `{ field, problem }` and builds its message `field: problem` in its
 * constructor. systolic-sim: InputError (InvalidArrayError extends it); fuseconv: InvalidSpecError;
 * nas: NasInputError; nos: NosInputError (DatasetError, CheckpointError extend it).
 */
export const LIBRARY_INPUT_ERRORS = [
  'InputError',
  'InvalidArrayError',
  'InvalidSpecError',
  'NasInputError',
  'NosInputError',
  'DatasetError',
  'CheckpointError',
] as const;

/**
 * The orchestrator's own: a bad flag (UsageError), campaign spec or export file (SpecError), API
 * request (BadRequestError), data set file (DatasetFileError), training request such as a teacher
 * of another shape (TrainingInputError), a file a spec names outside the data roots (DataPathError)
 * or one whose content is no longer what the campaign was submitted with (FileChangedError).
 */
export const ORCHESTRATOR_INPUT_ERRORS = [
  'UsageError',
  'SpecError',
  'BadRequestError',
  'DatasetFileError',
  'TrainingInputError',
  'DataPathError',
  'FileChangedError',
] as const;

/** Input errors: CLI exit 2, API 400, activity failures that are not retried. */
export const INPUT_ERRORS = [...LIBRARY_INPUT_ERRORS, ...ORCHESTRATOR_INPUT_ERRORS] as const;

/** Something asked for that does not exist (a campaign id): CLI exit 2, API 404. */
export const NOT_FOUND_ERRORS = ['NotFoundError'] as const;

/**
 * The environment the user must fix (a bad variable, an unreachable Temporal or database, an API
 * address refused, a stack whose API went away): CLI exit 2 with the one-line message. Not the API client's fault, so the API
 * answers 500 for them.
 */
export const ENVIRONMENT_ERRORS = [
  'EnvError',
  'TemporalUnavailableError',
  'DatabaseUnavailableError',
  'ApiConfigError',
  'ApiUnavailableError',
] as const;

/**
 * Failures that repeat on every attempt but are nobody's input: the libraries' pure code throws
 * RangeError for impossible numbers (libs/nos' training-loop checks, a non-finite synflow). Not
 * retried; reported as failures (CLI exit 1).
 */
export const DETERMINISTIC_ERRORS = ['RangeError'] as const;

/** Activity error types that Temporal must not retry: every workflow retry policy uses this list. */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [...INPUT_ERRORS, ...DETERMINISTIC_ERRORS];

export type ErrorCategory = 'input' | 'not-found' | 'environment';

const CATEGORY = new Map<string, ErrorCategory>([
  ...INPUT_ERRORS.map((name) => [name, 'input'] as const),
  ...NOT_FOUND_ERRORS.map((name) => [name, 'not-found'] as const),
  ...ENVIRONMENT_ERRORS.map((name) => [name, 'environment'] as const),
]);

/** What the user must fix for this error, or undefined for a failure of ours (a bug, a crash). */
export function errorCategory(error: unknown): ErrorCategory | undefined {
  return error instanceof Error ? CATEGORY.get(error.name) : undefined;
}

export function isInputError(error: unknown): error is Error & { field?: string; problem?: string } {
  return errorCategory(error) === 'input';
}

/** Exit statuses of the CLI. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The CLI's exit status for an error: 2 (one line, the user's to fix) or 1 (logged as a failure). */
export function cliExitCode(error: unknown): typeof EXIT_USAGE | typeof EXIT_FAILURE {
  return errorCategory(error) === undefined ? EXIT_FAILURE : EXIT_USAGE;
}

/** The API's status for an error: 400 for bad input, 404 for an unknown campaign, else 500. */
export function httpStatus(error: unknown): 400 | 404 | 500 {
  const category = errorCategory(error);
  return category === 'input' ? 400 : category === 'not-found' ? 404 : 500;
}

/** Whether an activity that threw this must fail at once instead of being retried. */
export function isNonRetryable(error: unknown): error is Error {
  return error instanceof Error && NON_RETRYABLE_ERROR_TYPES.includes(error.name);
}
