import { pino, destination, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * Structured logs go to stderr so that `--json` output on stdout stays one clean document.
 * FUSELAB_LOG_LEVEL picks the level (default `warn` for the CLI: the results are the output).
 * A terminal gets one readable line per entry (pino-pretty, written synchronously so it never
 * interleaves with the banners and bars written to the same stream); anything else — tests, CI,
 * log files — gets pino's JSON lines, one object each.
 */
export function createLogger(level = process.env.FUSELAB_LOG_LEVEL ?? 'warn', stderr: { isTTY?: boolean } = process.stderr): Logger {
  const options = { level, base: { app: 'fuselab' } };
  if (stderr.isTTY)
    return pino(
      options,
      PinoPretty({ destination: 2, sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'app' }),
    );
  return pino(options, destination(2));
}
