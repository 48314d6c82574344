/** `fuselab up`: the embedded stack (or a distributed client) with the API, until interrupted. */
import type { Command } from 'commander';
import { loadEnv } from '../../env/env.js';
import { ignoreErrorsWhileClosing } from '../closing.js';
import { createLogger } from '../logger.js';
import { UsageError } from '../usage-error.js';
import { parsePositiveInt } from '../options.js';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the stack (Temporal dev server, database, in-process workers) and the API; stays up until Ctrl-C')
    .option('--host <address>', 'API address (default FUSELAB_API_HOST or 127.0.0.1)')
    .option('--port <port>', 'API port (default FUSELAB_API_PORT or 8787; 0 picks one)')
    .option('--no-workers', 'do not run workers in this process')
    .action(async (options: { host?: string; port?: string; workers: boolean }) => {
      const { findRunningStack, startStack } = await import('../../embedded/stack.js');
      const env = loadEnv();
      const logger = createLogger(process.env.FUSELAB_LOG_LEVEL ?? 'info');
      const running = await findRunningStack(env);
      if (running)
        throw new UsageError(
          'FUSELAB_HOME',
          `a fuselab stack is already running for ${env.home} (pid ${running.pid}, API ${running.apiUrl})`,
        );
      const port = options.port === undefined ? env.apiPort : options.port === '0' ? 0 : parsePositiveInt('--port', options.port);
      const stack = await startStack(env, logger, {
        workers: options.workers && env.embeddedTemporal,
        api: { host: options.host ?? env.apiHost, port },
      });
      const { BUILD_HINT, dashboardBuilt } = await import('../../api/static.js');
      process.stderr.write(
        [
          `fuselab is up (${env.embeddedTemporal ? 'embedded' : 'distributed'} mode)`,
          dashboardBuilt()
            ? `  dashboard ${stack.api!.url}/${env.apiToken ? '  (sign in with FUSELAB_API_TOKEN)' : ''}`
            : `  dashboard not served: ${BUILD_HINT}`,
          `  API       ${stack.api!.url}/api/campaigns${env.apiToken ? '  (Authorization: Bearer $FUSELAB_API_TOKEN)' : ''}`,
          `  Temporal  ${stack.temporalAddress}${stack.devServer ? ` (dev server, state in ${stack.devServer.dbFile})` : ''}`,
          `  database  ${stack.database.kind} ${stack.database.location}`,
          `  workers   ${stack.workers ? stack.workers.queues.join(', ') : 'none in this process'}`,
          'Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolveStop) => {
        const stop = () => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        stack.workers?.done.catch((error: unknown) => {
          logger.error({ err: error }, 'workers stopped');
          resolveStop();
        });
      });
      process.stderr.write('stopping…\n');
      ignoreErrorsWhileClosing(logger);
      await stack.close();
    });
}
