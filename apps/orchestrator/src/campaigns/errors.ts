/**
 * Errors that mean "fix your input or your environment": a bad spec or export file, a bad
 * environment variable, an unreachable Temporal or database, an API address refused, an unknown
 * campaign. The CLI prints their one-line message and exits 2. Matched by name so that the CLI's
 * entry point does not have to load the Temporal SDK to recognise them.
 */
export const INPUT_ERROR_NAMES = new Set(['SpecError', 'DataPathError', 'EnvError', 'TemporalUnavailableError', 'DatabaseUnavailableError', 'ApiConfigError', 'NotFoundError']);

export function isOrchestratorInputError(error: unknown): error is Error {
  return error instanceof Error && INPUT_ERROR_NAMES.has(error.name);
}
