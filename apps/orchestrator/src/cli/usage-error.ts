/**
 * A problem with what the user asked for: a flag, a file, a spec. The CLI prints its message on one
 * line and exits with status 2; nothing else is printed on stdout.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit statuses of the CLI. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
