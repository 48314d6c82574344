// Distributed mode on loopback: the real Temporal dev server, a real PostgreSQL server and two
// `fuselab worker` processes on the same queue. Both take jobs; every result lands exactly once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCampaignService, follow } from '../../apps/orchestrator/dist/campaigns/service.js';
import { openDatabase, type Database } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { connectClient } from '../../apps/orchestrator/dist/temporal/client.js';
import { startPostgres, startTemporal, type Postgres } from './helpers/services.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/cluster.js';

let temporal: Awaited<ReturnType<typeof startTemporal>>;
let postgres: Postgres;
let url: string;
let database: Database;
let client: Awaited<ReturnType<typeof connectClient>>;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [temporal, postgres] = await Promise.all([startTemporal(), startPostgres()]);
  url = await postgres.createDatabase('distributed');
  database = await openDatabase({ kind: 'postgres', url });
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url };
  workers.push(...(await Promise.all([startWorkerProcess('worker-a', env, 2), startWorkerProcess('worker-b', env, 2)])));
  client = await connectClient(temporal.address, 'default');
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await client?.close();
  await database?.close();
  await postgres?.stop();
  await temporal?.stop();
}, 60_000);

describe('distributed campaign', () => {
  it('two worker processes share the jobs of one campaign and every result lands once', async () => {
    const service = new LocalCampaignService(new Store(database.db), async () => client.client);
    const spec = { name: 'spread', simulations: { networks: 'all', variants: 'all', arrays: [8, 16, 32, 64] } };
    const submitted = await service.submit(spec, { concurrency: 8 });
    const final = await follow(service, submitted.campaignId, () => undefined, 200);
    expect(final).toMatchObject({ status: 'completed', total: 100, completed: 100, failed: 0 });

    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      const byWorker = await sql.query<{ worker: string; n: string }>(
        'SELECT worker, count(*) AS n FROM jobs WHERE campaign_id = $1 GROUP BY worker ORDER BY worker',
        [submitted.campaignId],
      );
      expect(byWorker.rows.map((r) => r.worker)).toEqual(['worker-a', 'worker-b']);
      for (const row of byWorker.rows) expect(Number(row.n)).toBeGreaterThan(10);
      const results = await sql.query<{ n: string; keys: string }>(
        'SELECT count(*) AS n, count(DISTINCT job_key) AS keys FROM sim_results WHERE job_key IN (SELECT key FROM jobs WHERE campaign_id = $1)',
        [submitted.campaignId],
      );
      expect(results.rows[0]).toEqual({ n: '100', keys: '100' });
      const layers = await sql.query<{ dupes: string }>(
        'SELECT count(*) AS dupes FROM (SELECT job_key, layer_index FROM sim_layer_results GROUP BY 1, 2 HAVING count(*) > 1) d',
      );
      expect(layers.rows[0]!.dupes).toBe('0');
    } finally {
      await sql.end();
    }
  }, 180_000);
});
