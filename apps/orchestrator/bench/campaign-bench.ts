/**
 * Benchmark: 1,000 simulation jobs from submit to results in SQL, with 1, 2 and 4 `fuselab worker`
 * processes against the Temporal dev server and PostgreSQL on loopback, against the peer measured in
 * the same run: the same 1,000 simulations called in a loop in one process.
 *
 *   npm run bench -w @fuselab/orchestrator     (after npm run build)
 *
 * Prints jobs/s, the ratio to the in-process loop, and the per-job overhead of distribution.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSpec } from '../src/campaigns/expand.js';
import { loadSpecText } from '../src/campaigns/spec.js';
import { follow, LocalCampaignService } from '../src/campaigns/service.js';
import { runSimulationJob } from '../src/activities/index.js';
import { freePort, REPO_ROOT, startDevServer } from '../src/embedded/dev-server.js';
import { startPostgres } from './throwaway-postgres.js';
import { openDatabase } from '../src/store/db.js';
import { Store } from '../src/store/store.js';
import { connectClient } from '../src/temporal/client.js';
import type { SimJobParams } from '../src/campaigns/expand.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const arrays = Array.from({ length: JOBS / 25 }, (_, i) => 8 * (i + 1));
const specText = JSON.stringify({ name: 'bench', concurrency: 64, simulations: { networks: 'all', variants: 'all', arrays } });
const spec = loadSpecText(specText);
const jobs = expandSpec(spec);
if (jobs.length !== JOBS) throw new Error(`expected ${JOBS} jobs, got ${jobs.length}`);

function startWorker(identity: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js'), 'worker', '--queues', 'sim', '--identity', identity, '--concurrency', '4'],
    { env: { ...process.env, ...env, FUSELAB_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolveReady, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('polling')) resolveReady(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

const stopWorker = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });

// Peer: the simulator in a loop in one process (after a warm-up pass).
for (const job of jobs.slice(0, 50)) runSimulationJob(job.params as SimJobParams);
let start = performance.now();
for (const job of jobs) runSimulationJob(job.params as SimJobParams);
const loopMs = performance.now() - start;
console.log(
  `in-process loop: ${JOBS} simulations in ${(loopMs / 1000).toFixed(2)} s = ${(JOBS / (loopMs / 1000)).toFixed(0)} jobs/s (${(loopMs / JOBS).toFixed(2)} ms/job)`,
);

const temporalDir = mkdtempSync(join(tmpdir(), 'fuselab-bench-temporal-'));
const [temporal, postgres] = await Promise.all([
  startDevServer({ dbFile: join(temporalDir, 'dev.sqlite'), port: await freePort() }),
  startPostgres(),
]);
const database = await openDatabase({ kind: 'postgres', url: postgres.url });
const client = await connectClient(temporal.address, 'default');
const store = new Store(database.db);
const service = new LocalCampaignService(store, async () => client.client);
const rows: string[] = [];
try {
  for (const count of WORKER_COUNTS) {
    const workers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startWorker(`bench-${count}-${i}`, { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: postgres.url }),
      ),
    );
    start = performance.now();
    const submitted = await service.submit(JSON.parse(specText), { force: true });
    const final = await follow(service, submitted.campaignId, () => undefined, 50);
    const ms = performance.now() - start;
    await Promise.all(workers.map(stopWorker));
    if (final.status !== 'completed' || final.completed !== JOBS) throw new Error(`campaign ended ${JSON.stringify(final)}`);
    const stored = (await store.simResults({ campaignId: submitted.campaignId })).length;
    if (stored !== JOBS) throw new Error(`expected ${JOBS} results in SQL, found ${stored}`);
    const line = `${count} worker process${count > 1 ? 'es' : ''}: ${JOBS} jobs submit→SQL in ${(ms / 1000).toFixed(2)} s = ${(JOBS / (ms / 1000)).toFixed(0)} jobs/s; ${(ms / loopMs).toFixed(1)}x the in-process loop; overhead ${((ms - loopMs) / JOBS).toFixed(2)} ms/job`;
    rows.push(line);
    console.log(line);
  }
} finally {
  await client.close();
  await database.close();
  await temporal.stop();
  postgres.stop();
  rmSync(temporalDir, { recursive: true, force: true });
}
console.log(`\nsummary (machine: ${process.env.BENCH_MACHINE ?? `${(await import('node:os')).cpus().length} cores`})`);
for (const row of rows) console.log(`  ${row}`);
