/**
 * Load benchmark: one campaign of 100,000 simulation jobs on 4 `fuselab worker` processes, the
 * Temporal dev server and PostgreSQL on loopback, with the API (`fuselab up` in distributed mode) in
 * its own process; then the API under autocannon on the results routes with those 100,000 results.
 *
 *   npm run bench:load -w @fuselab/orchestrator      (after npm run build; ~15 min on 2 cores)
 *   BENCH_JOBS=10000 BENCH_WORKERS=2 …               (a smaller run)
 *
 * Reports throughput, job latency (started → finished per job, submission → finished), the
 * campaign workflow's history (events and bytes), the peak memory (PSS, so PostgreSQL's shared
 * buffers count once) of the Temporal server, PostgreSQL, each worker and the API, the row counts
 * (every job one result, none lost, none twice), then requests/s and latency percentiles per route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { expandSpec } from '../src/campaigns/expand.js';
import { loadSpecText } from '../src/campaigns/spec.js';
import { follow, LocalCampaignService } from '../src/campaigns/service.js';
import { freePort, REPO_ROOT, startDevServer } from '../src/embedded/dev-server.js';
import { openDatabase } from '../src/store/db.js';
import { Store } from '../src/store/store.js';
import { connectClient } from '../src/temporal/client.js';
import { startPostgres } from './throwaway-postgres.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const CANNON_SECONDS = Number(process.env.BENCH_CANNON_SECONDS ?? 15);
const FUSELAB = join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js');

// 25 network × variant pairs per array; arrays R×C with R, C multiples of 8 (non-square included).
const arrayCount = Math.ceil(JOBS / 25);
const colsPerRow = Math.ceil(Math.sqrt(arrayCount));
const arrays = Array.from({ length: arrayCount }, (_, i) => `${8 * (1 + Math.floor(i / colsPerRow))}x${8 * (1 + (i % colsPerRow))}`);
const spec = { name: 'load', concurrency: 4 * WORKERS, simulations: { networks: 'all', variants: 'all', arrays } };
const expanded = expandSpec(loadSpecText(JSON.stringify(spec))).length;

// ---- memory: proportional set size of a process and its descendants, sampled every second ----
function descendants(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ').map(Number) : []) out.push(...descendants(child));
    }
  } catch {
    /* gone */
  }
  return out;
}
function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
const peaks = new Map<string, number>();
const watched = new Map<string, () => number | undefined>();
const sampler = setInterval(() => {
  for (const [name, pidOf] of watched) {
    const pid = pidOf();
    if (pid === undefined) continue;
    const kib = descendants(pid).reduce((sum, p) => sum + pssKiB(p), 0);
    peaks.set(name, Math.max(peaks.get(name) ?? 0, kib));
  }
}, 1000);

// ---- processes ----
function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FUSELAB, ...args], {
    env: { ...process.env, ...env, FUSELAB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolveReady, reject) => {
    let err = '';
    const onData = (c: Buffer) => {
      err += c.toString();
      if (ready.test(err)) {
        child.stderr!.off('data', onData);
        child.stderr!.resume();
        resolveReady(child);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`fuselab ${args[0]} exited ${code}: ${err}`)));
  });
}
const stopProcess = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });

const mib = (kib: number | undefined) => `${((kib ?? 0) / 1024).toFixed(0)} MiB`;
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};

const home = mkdtempSync(join(tmpdir(), 'fuselab-load-'));
const [temporal, postgres] = await Promise.all([
  startDevServer({ dbFile: join(home, 'dev.sqlite'), port: await freePort() }),
  startPostgres(),
]);
const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: postgres.url, FUSELAB_HOME: home };
const database = await openDatabase({ kind: 'postgres', url: postgres.url });
const client = await connectClient(temporal.address, 'default');
const service = new LocalCampaignService(new Store(database.db), async () => client.client);
const sql = new pg.Pool({ connectionString: postgres.url, max: 2 });
const children: ChildProcess[] = [];
try {
  const apiPort = await freePort();
  const api = await startProcess(['up', '--port', String(apiPort)], env, /fuselab is up/);
  children.push(api);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      startProcess(['worker', '--queues', 'sim', '--identity', `load-${i}`, '--concurrency', '4'], env, /polling/),
    ),
  );
  children.push(...workers);
  watched.set('Temporal dev server', () => temporal.process.pid);
  watched.set('PostgreSQL (all backends)', () => postgres.pid());
  workers.forEach((w, i) => watched.set(`worker ${i}`, () => w.pid));
  watched.set('API (fuselab up)', () => api.pid);

  const submittedAt = Date.now();
  const submitted = await service.submit(spec, { force: true });
  const final = await follow(service, submitted.campaignId, () => undefined, 1000);
  const seconds = (Date.now() - submittedAt) / 1000;
  const id = submitted.campaignId;

  const described = await client.client.workflow.getHandle(id).describe();
  const one = async (text: string, values: unknown[] = []) => (await sql.query(text, values)).rows[0] as Record<string, string>;
  const counts = await one(
    `SELECT (SELECT count(*) FROM jobs WHERE campaign_id = $1) AS jobs,
            (SELECT count(*) FROM jobs WHERE campaign_id = $1 AND status = 'completed') AS completed,
            (SELECT count(*) FROM sim_results r JOIN jobs j ON j.key = r.job_key WHERE j.campaign_id = $1) AS results,
            (SELECT count(*) FROM sim_results) AS all_results,
            (SELECT count(*) FROM sim_layer_results) AS layers,
            (SELECT count(DISTINCT (job_key, layer_index)) FROM sim_layer_results) AS distinct_layers`,
    [id],
  );
  const latency = await one(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS wait50, percentile_cont(0.99) WITHIN GROUP (ORDER BY wait) AS wait99
       FROM (SELECT extract(epoch FROM j.finished_at - j.started_at) * 1000 AS ms,
                    extract(epoch FROM j.finished_at - c.created_at) AS wait
               FROM jobs j JOIN campaigns c ON c.id = j.campaign_id WHERE j.campaign_id = $1) t`,
    [id],
  );

  say(
    `machine: ${process.env.BENCH_MACHINE ?? `${cpus().length} cores`}; ${WORKERS} worker processes × 4 activity slots, campaign concurrency ${spec.concurrency}`,
  );
  say(`campaign ${id}: ${expanded} simulation jobs, status ${final.status}, ${final.completed} completed, ${final.failed} failed`);
  say(`throughput: ${seconds.toFixed(0)} s submit → last result = ${(JOBS / seconds).toFixed(0)} jobs/s`);
  say(
    `job latency (started → stored, per job; chunks of ≤100): p50 ${Number(latency.p50).toFixed(0)} ms, p99 ${Number(latency.p99).toFixed(0)} ms;` +
      ` submission → stored: p50 ${Number(latency.wait50).toFixed(0)} s, p99 ${Number(latency.wait99).toFixed(0)} s`,
  );
  say(`workflow history: ${described.historyLength} events, ${((described.historySize ?? 0) / 1024).toFixed(0)} KiB`);
  say(
    `rows: ${counts.jobs} jobs (${counts.completed} completed), ${counts.results} results of its jobs (${counts.all_results} in the table),` +
      ` ${counts.layers} layer rows (${counts.distinct_layers} distinct)`,
  );
  say(`peak memory (PSS): ${[...peaks].map(([name, kib]) => `${name} ${mib(kib)}`).join('; ')}`);
  const lost = Number(counts.results) !== JOBS || Number(counts.all_results) !== JOBS || counts.layers !== counts.distinct_layers;
  if (final.status !== 'completed' || lost) throw new Error(`expected ${JOBS} results once each: ${JSON.stringify({ final, counts })}`);

  // ---- the API under load: the results routes a dashboard and scripts use ----
  for (const w of workers) await stopProcess(w);
  const base = `http://127.0.0.1:${apiPort}`;
  const routes: Array<[string, string]> = [
    ['campaign list', '/api/campaigns'],
    ['job page (100)', `/api/campaigns/${id}/job-page?limit=100`],
    ['result page (100, one network)', `/api/result-page?campaign=${id}&network=mobilenet_v2&limit=100`],
    ['results of one array', `/api/campaigns/${id}/results?array=64x64`],
    [`results of one network × variant (${arrayCount})`, `/api/results?campaign=${id}&network=mobilenet_v2&variant=fuse_half`],
    [`compare view (one network, 5 variants × ${arrayCount} arrays)`, `/api/views/compare?campaign=${id}&networks=mobilenet_v2`],
  ];
  say(`API under autocannon (${CANNON_SECONDS} s per route, 10 connections, loopback; autocannon shares the 2 cores):`);
  for (const [name, path] of routes) {
    const r = await autocannon({ url: base + path, connections: 10, duration: CANNON_SECONDS });
    const bad = r.non2xx + r.errors + r.timeouts;
    say(
      `  ${name}: ${r.requests.average.toFixed(0)} req/s, latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms` +
        `${bad ? `, ${bad} failed (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})` : ''}`,
    );
  }
} finally {
  clearInterval(sampler);
  for (const child of children) await stopProcess(child);
  await sql.end();
  await client.close();
  await database.close();
  await temporal.stop();
  postgres.stop();
  rmSync(home, { recursive: true, force: true });
}
console.log('\nsummary');
for (const line of lines) console.log(`  ${line}`);
