import { pino, destination, type Logger } from 'pino';

/**
 * Structured logs go to stderr so that `--json` output on stdout stays one clean document.
 * FUSELAB_LOG_LEVEL picks the level (default `warn` for the CLI: the results are the output).
 */
export function createLogger(level = process.env.FUSELAB_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, base: { app: 'fuselab' } }, destination(2));
}
