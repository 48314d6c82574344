/** `fuselab worker --queues sim,train,nas`: a worker process for any machine (distributed mode). */
import type { Command } from 'commander';
import { loadEnv } from '../../env/env.js';
import { JOB_KINDS } from '../../choices.js';
import { createLogger } from '../logger.js';
import { parseList, parsePositiveInt } from '../options.js';
import { UsageError } from '../usage-error.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run workers for the given task queues against TEMPORAL_ADDRESS and DATABASE_URL until interrupted')
    .option('--queues <list>', `comma list of ${JOB_KINDS.join(', ')}`, 'sim')
    .option('--concurrency <n>', 'activities at once per queue (default FUSELAB_WORKER_CONCURRENCY or 4)')
    .option('--train-concurrency <n>', 'trainings at once, each in its own child process and core (default FUSELAB_TRAIN_CONCURRENCY or 1)')
    .option('--identity <name>', 'worker identity recorded on every job it runs (default host:pid)')
    .action(async (options: { queues: string; concurrency?: string; trainConcurrency?: string; identity?: string }) => {
      const env = loadEnv();
      const queues = parseList('--queues', options.queues, JOB_KINDS, 'queue');
      const concurrency = options.concurrency ? parsePositiveInt('--concurrency', options.concurrency) : env.workerConcurrency;
      const trainConcurrency = options.trainConcurrency
        ? parsePositiveInt('--train-concurrency', options.trainConcurrency)
        : env.trainConcurrency;
      if (!env.temporalAddress || !env.databaseUrl) {
        throw new UsageError(
          'TEMPORAL_ADDRESS, DATABASE_URL',
          'fuselab worker needs both: host:port of the Temporal frontend and postgres://…; on one machine `fuselab up` runs workers in-process',
        );
      }
      const { openDatabase } = await import('../../store/db.js');
      const { Store } = await import('../../store/store.js');
      const { startWorkers } = await import('../../temporal/worker.js');
      const logger = createLogger(process.env.FUSELAB_LOG_LEVEL ?? 'info');
      const database = await openDatabase({
        kind: 'postgres',
        url: env.databaseUrl,
        poolSize: Math.max(concurrency, trainConcurrency) + 4,
      });
      try {
        const workers = await startWorkers({
          address: env.temporalAddress,
          namespace: env.temporalNamespace,
          store: new Store(database.db),
          queues,
          concurrency,
          trainConcurrency,
          logger,
          train: { dataRoots: env.dataRoots },
          ...(options.identity ? { identity: options.identity } : {}),
        });
        process.stderr.write(`fuselab worker ${workers.identity} polling ${workers.queues.join(', ')} on ${env.temporalAddress}\n`);
        const stop = () => void workers.shutdown();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await workers.done;
      } finally {
        await database.close();
      }
    });
}
