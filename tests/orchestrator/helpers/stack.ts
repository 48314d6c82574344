/**
 * The embedded stack the workflow-level tests share: a real Temporal dev server, PGlite, the store,
 * in-process workers on the queues asked for, a client and the campaign service over them.
 */
import { LocalCampaignService } from '../../../apps/orchestrator/dist/campaigns/service.js';
import { openDatabase, type Database } from '../../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../../apps/orchestrator/dist/store/store.js';
import { connectClient } from '../../../apps/orchestrator/dist/temporal/client.js';
import { startWorkers, type WorkerSet, type WorkerSetOptions } from '../../../apps/orchestrator/dist/temporal/worker.js';
import { silentLogger, startTemporal } from './services.js';

export interface TestStack {
  temporal: Awaited<ReturnType<typeof startTemporal>>;
  database: Database;
  store: Store;
  workers: WorkerSet;
  client: Awaited<ReturnType<typeof connectClient>>;
  service: LocalCampaignService;
  logger: WorkerSetOptions['logger'];
  /** Stops what was started, in reverse order. */
  stop(): Promise<void>;
}

/** `makeStore` lets a test hand the workers a Store subclass (say, one that holds a write back). */
export async function startTestStack(
  workers: Omit<WorkerSetOptions, 'address' | 'namespace' | 'store' | 'logger'>,
  makeStore: (db: Database['db']) => Store = (db) => new Store(db),
): Promise<TestStack> {
  const temporal = await startTemporal();
  const database = await openDatabase({ kind: 'pglite' });
  const store = makeStore(database.db);
  const logger = await silentLogger();
  const workerSet = await startWorkers({ ...workers, address: temporal.address, namespace: 'default', store, logger });
  const client = await connectClient(temporal.address, 'default');
  const service = new LocalCampaignService(store, async () => client.client);
  return {
    temporal,
    database,
    store,
    workers: workerSet,
    client,
    service,
    logger,
    async stop() {
      await workerSet.shutdown();
      await client.close();
      await database.close();
      await temporal.stop();
    },
  };
}
