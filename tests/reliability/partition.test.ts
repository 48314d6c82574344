// Workers as separate hosts. The Temporal server and PostgreSQL run in one network namespace, each
// `fuselab worker` in a namespace of its own, all joined by veth pairs to a bridge (this test's
// process sits on the bridge too, as an operator's machine would). In the middle of a training,
// worker 0's link is cut — its packets vanish, as with a pulled cable, so no connection is refused
// or reset — and the job must move to worker 1 (after the 30 s heartbeat timeout) and finish there
// from the last stored checkpoint, with one result. Then the link comes back: the cut-off worker
// must learn that its attempt is over, stop its training (no training process left behind) and
// write no result.
//
// Needs root (network namespaces); everything it creates is named after this process and removed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCampaignService } from '../../apps/orchestrator/dist/campaigns/service.js';
import { findTemporalCli } from '../../apps/orchestrator/dist/embedded/dev-server.js';
import { openDatabase, type Database } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { connectClient } from '../../apps/orchestrator/dist/temporal/client.js';
import { startPostgres, type Postgres } from '../orchestrator/helpers/services.js';
import { startWorkerProcess, type WorkerProcess } from '../orchestrator/helpers/cluster.js';
import { childrenOf, sqlOn, waitFor } from '../orchestrator/helpers/probes.js';

const isRoot = process.getuid?.() === 0;
const id = process.pid;
const subnet = `10.213.${id % 250}`;
const net = {
  bridge: `flbr${id}`,
  /** This test's own address on the bridge. */
  hostIp: `${subnet}.1`,
  /** The server host: Temporal and PostgreSQL. */
  server: { namespace: `fuselab-${id}-srv`, hostSide: `flh${id}s`, nsSide: `flp${id}s`, ip: `${subnet}.2` },
  workers: [0, 1].map((i) => ({
    namespace: `fuselab-${id}-w${i}`,
    hostSide: `flh${id}${i}`,
    nsSide: `flp${id}${i}`,
    ip: `${subnet}.${10 + i}`,
  })),
};
const hosts = () => [net.server, ...net.workers];
const inNamespace = (host: { namespace: string }) => ['ip', 'netns', 'exec', host.namespace];
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

function createNetwork() {
  ip('link', 'add', net.bridge, 'type', 'bridge');
  ip('addr', 'add', `${net.hostIp}/24`, 'dev', net.bridge);
  ip('link', 'set', net.bridge, 'up');
  for (const w of hosts()) {
    ip('netns', 'add', w.namespace);
    ip('link', 'add', w.hostSide, 'type', 'veth', 'peer', 'name', w.nsSide);
    ip('link', 'set', w.nsSide, 'netns', w.namespace);
    ip('link', 'set', w.hostSide, 'master', net.bridge);
    ip('link', 'set', w.hostSide, 'up');
    ip('-n', w.namespace, 'addr', 'add', `${w.ip}/24`, 'dev', w.nsSide);
    ip('-n', w.namespace, 'link', 'set', w.nsSide, 'up');
    ip('-n', w.namespace, 'link', 'set', 'lo', 'up');
  }
}
function removeNetwork() {
  for (const w of hosts()) {
    try {
      ip('netns', 'del', w.namespace); // takes its end of the veth pair, and so the pair, with it
    } catch {
      /* not created */
    }
  }
  try {
    ip('link', 'del', net.bridge);
  } catch {
    /* not created */
  }
}

/**
 * The Temporal dev server in the server's namespace. It listens on all of that namespace's
 * addresses: its services dial one another on 127.0.0.1, so binding the bridge address alone breaks
 * them, and the namespace's loopback is its own.
 */
async function startTemporalIn(host: typeof net.server) {
  const dir = mkdtempSync(join(tmpdir(), 'fuselab-temporal-'));
  const server = spawn(
    'ip',
    [
      ...inNamespace(host).slice(1),
      findTemporalCli(),
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '0.0.0.0',
      '--port',
      '7233',
      '--db-filename',
      join(dir, 'dev.sqlite'),
      '--log-level',
      'error',
    ],
    { stdio: 'ignore' },
  );
  const address = `${host.ip}:7233`;
  const client = await waitFor('the Temporal server', () => connectClient(address, 'default'), 60_000, 500);
  return {
    address,
    client,
    stop: async () => {
      await client.close();
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let temporal: Awaited<ReturnType<typeof startTemporalIn>> | undefined;
let postgres: Postgres | undefined;
let database: Database | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  if (!isRoot) return;
  removeNetwork();
  createNetwork();
  [temporal, postgres] = await Promise.all([
    startTemporalIn(net.server),
    startPostgres({ host: net.server.ip, port: 5432, prefix: inNamespace(net.server) }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await database?.close();
  await postgres?.stop();
  await temporal?.stop();
  if (isRoot) removeNetwork();
}, 60_000);

describe.skipIf(!isRoot)('workers on separate hosts (network namespaces)', () => {
  it("a worker's link cut mid-training: the job moves to the other worker and finishes from the checkpoint; back online, the cut-off worker stops and writes nothing", async () => {
    const url = await postgres!.createDatabase('partition');
    database = await openDatabase({ kind: 'postgres', url });
    const service = new LocalCampaignService(new Store(database.db), async () => temporal!.client.client);
    const env = { TEMPORAL_ADDRESS: temporal!.address, DATABASE_URL: url };
    const sql = sqlOn(url);
    const started = Date.now();
    const phase = (what: string) => console.log(`partition: ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const logs = () => workers.map((w) => `--- ${w.identity}\n${w.log().slice(-3000)}`).join('\n');

    // Worker 0 alone takes the training (100 steps, a checkpoint every 20).
    workers.push(await startWorkerProcess('host-0', env, 1, 'train', inNamespace(net.workers[0]!)));
    const submitted = await service.submit({
      name: 'partition',
      seed: 1,
      trainings: [
        {
          name: 'base',
          dataset: 'synthetic',
          network: 'mobilenet_v2',
          variants: ['baseline'],
          width: 0.25,
          epochs: 1,
          limit: 3200,
          batch: 32,
          seeds: [3],
        },
      ],
    });
    const cutAt = await waitFor(
      'a checkpoint stored by worker 0',
      async () => {
        const [row] = await sql<{ step: number | null }>('SELECT max(step) AS step FROM checkpoints');
        return row?.step !== null && row?.step !== undefined && Number(row.step);
      },
      240_000,
      20,
    );
    ip('link', 'set', net.workers[0]!.hostSide, 'down');
    phase(`cut worker 0's link at checkpoint step ${cutAt}`);
    expect(childrenOf(workers[0]!.child.pid!)).toHaveLength(1); // its training was running

    workers.push(await startWorkerProcess('host-1', env, 1, 'train', inNamespace(net.workers[1]!)));
    const [job] = await waitFor(
      'the job to finish on worker 1',
      async () => {
        const rows = await sql<{ status: string; worker: string; attempts: number }>(
          'SELECT status, worker, attempts FROM jobs WHERE campaign_id = $1',
          [submitted.campaignId],
        );
        return rows[0]?.status === 'completed' && rows;
      },
      360_000,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    phase('job finished');
    expect(job).toMatchObject({ status: 'completed', worker: 'host-1', attempts: 2 });
    const results = await sql<{ worker: string; resumed_from: number | null }>('SELECT worker, resumed_from FROM training_results');
    expect(results).toEqual([{ worker: 'host-1', resumed_from: expect.any(Number) }]);
    expect(results[0]!.resumed_from).toBeGreaterThanOrEqual(cutAt);

    // Back online: worker 0's next heartbeat is refused (its attempt timed out), the activity is
    // cancelled and its training process stopped; the worker itself lives on.
    ip('link', 'set', net.workers[0]!.hostSide, 'up');
    phase("worker 0's link back");
    await waitFor('worker 0 to stop its training', async () => childrenOf(workers[0]!.child.pid!).length === 0, 240_000, 500).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${logs()}`);
      },
    );
    phase('worker 0 stopped its training');
    expect(workers[0]!.child.exitCode).toBeNull();
    expect(await sql('SELECT worker FROM training_results')).toEqual([{ worker: 'host-1' }]);
    const [campaign] = await sql<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [submitted.campaignId]);
    expect(campaign!.status).toBe('completed');
  }, 900_000);
});
