/**
 * Once a command has begun closing its own stack (after SIGINT/SIGTERM), errors thrown outside any
 * await belong to the closing, not to the command: a Temporal client call that timed out (likely on
 * a loaded machine) retries from a timer on the channel that the stack's close() has shut, and
 * grpc-js throws "Channel has been shut down" there. Uncaught, that ends Node with status 1 before
 * the stack's last step, stopping the Temporal dev server, has run — which would be left behind
 * holding its port and database file. From this call on they are logged at debug level only.
 */
import type { Logger } from 'pino';

export function ignoreErrorsWhileClosing(logger: Logger): void {
  const closingError = (error: unknown) => logger.debug({ err: error }, 'error while the stack closes (ignored)');
  process.on('uncaughtException', closingError);
  process.on('unhandledRejection', closingError);
}
