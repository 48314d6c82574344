/**
 * Benchmark: the dashboard's API over 100,000 stored simulation results with their per-layer rows,
 * on PGlite (embedded) and on a throwaway PostgreSQL. Each endpoint is called 20 times over HTTP
 * on loopback (after one warm-up call); prints p50/p99 and the answer's size.
 *
 *   npm run bench:dashboard -w @fuselab/orchestrator      (after npm run build; BENCH_RESULTS=… to scale)
 *
 * The results: the 50 real simulations of 5 networks × 5 variants × {plain, fuse} on a 64×64 array
 * (reference model), repeated over 3 timing models × 3 dataflows × 15 × 15 array sizes (rows and
 * columns 8…256, square and not) with cycles scaled by the array — 101,250 results and ~6 M layer
 * rows, the size of a large campaign history. One campaign lists them all as its jobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import pino from 'pino';
import { startApi } from '../src/api/server.js';
import { runSimulationJob } from '../src/activities/index.js';
import { LocalCampaignService } from '../src/campaigns/service.js';
import { normaliseSpec, specHash } from '../src/campaigns/spec.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { Store } from '../src/store/store.js';
import { startPostgres } from './throwaway-postgres.js';

const SIDES = [8, 12, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256];
const sides = SIDES.slice(
  0,
  Math.max(1, Math.min(SIDES.length, Math.round(Math.sqrt(Number(process.env.BENCH_RESULTS ?? 101_250) / 450)))),
);
const MODELS = ['reference', 'scalesim', 'stos'];
const DATAFLOWS = ['os', 'ws', 'is'];
const CALLS = 20;
const CAMPAIGN = 'bench-dashboard';

/** The 50 real results the synthetic ones are scaled from. */
const templates = NETWORKS.flatMap((network) =>
  VARIANTS.flatMap((variant) =>
    (['plain', 'fuse'] as const).map((hardware) => {
      const result = runSimulationJob({
        network,
        variant,
        rows: 64,
        cols: 64,
        model: 'reference',
        hardware,
        dataflow: 'os',
        inputSize: 224,
        numClasses: 1000,
      });
      return {
        network,
        variant,
        hardware,
        total: result.totalCycles,
        macs: result.totalMacs,
        byClass: result.cyclesByClass,
        layers: result.layers.map((l, i) => ({
          i,
          name: l.name,
          kind: l.kind,
          cls: l.operatorClass,
          cycles: l.cycles,
          macs: l.macs,
          util: l.utilization,
        })),
      };
    }),
  ),
);

async function fill(database: Database): Promise<{ results: number; layers: number; seconds: number }> {
  const { db } = database;
  const start = performance.now();
  const spec = normaliseSpec({ name: CAMPAIGN, simulations: { networks: ['mobilenet_v2'], variants: ['baseline'], arrays: [8] } });
  await db.execute(
    sql`insert into campaigns (id, name, spec, spec_hash, status, code_version, versions, seed) values (${CAMPAIGN}, ${CAMPAIGN}, ${JSON.stringify(spec)}::jsonb, ${specHash(spec)}, 'completed', 'bench', '{}'::jsonb, 0)`,
  );
  await db.execute(
    sql`create temp table t as select * from jsonb_to_recordset(${JSON.stringify(templates.map(({ layers: _l, ...t }) => t))}::jsonb) as x(network text, variant text, hardware text, total float8, macs float8, "byClass" jsonb)`,
  );
  await db.execute(sql`create temp table tl as select x.network, x.variant, x.hardware, l.* from jsonb_to_recordset(${JSON.stringify(templates.map((t) => ({ network: t.network, variant: t.variant, hardware: t.hardware, layers: t.layers })))}::jsonb) as x(network text, variant text, hardware text, layers jsonb),
    jsonb_to_recordset(x.layers) as l(i int, name text, kind text, cls text, cycles float8, macs float8, util float8)`);
  const list = (values: unknown[], name: string, index: string) =>
    sql`(select value as ${sql.identifier(name)}, ordinality as ${sql.identifier(index)} from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) with ordinality)`;
  const sizes = sql`(select value::int as r from jsonb_array_elements_text(${JSON.stringify(sides)}::jsonb)) r cross join (select value::int as c from jsonb_array_elements_text(${JSON.stringify(sides)}::jsonb)) c`;
  const grid = (models: string[]) => sql`${list(models, 'model', 'mi')} m cross join ${list(DATAFLOWS, 'df', 'di')} d cross join ${sizes}`;
  // Cycles scale with the array (64·64 / (rows·cols))^½ and a little per model/dataflow, so every row differs.
  const scale = sql`sqrt(4096.0 / (r.r * c.c)) * (1 + 0.1 * m.mi + 0.01 * d.di)`;
  const key = sql`md5(t.network || '/' || t.variant || '/' || t.hardware || '/' || m.model || '/' || d.df || '/' || r.r || 'x' || c.c)`;
  await db.execute(sql`insert into sim_results (job_key, network, variant, rows, cols, model, hardware, dataflow, input_size, num_classes, total_cycles, total_macs, cycles_by_class, code_version)
    select ${key}, t.network, t.variant, r.r, c.c, m.model, t.hardware, d.df, 224, 1000, round(t.total * ${scale})::bigint, t.macs::bigint, t."byClass", 'bench' from t cross join ${grid(MODELS)}`);
  await db.execute(sql`insert into jobs (campaign_id, position, kind, "group", key, params, status)
    select ${CAMPAIGN}, row_number() over (order by job_key), 'sim', 'bench', job_key, jsonb_build_object('network', network, 'variant', variant, 'rows', rows, 'cols', cols), 'completed' from sim_results`);
  // Layer rows one model at a time (keeps each statement's memory bounded on PGlite).
  for (const model of MODELS) {
    await db.execute(sql`insert into sim_layer_results (job_key, layer_index, name, kind, operator_class, cycles, macs, utilization)
      select ${key}, t.i, t.name, t.kind, t.cls, round(t.cycles * ${scale})::bigint, t.macs::bigint, least(1, t.util * sqrt(4096.0 / (r.r * c.c))) from tl t cross join ${grid([model])}`);
  }
  await db.execute(sql`analyze`);
  const counts = (
    (await db.execute(
      sql`select (select count(*) from sim_results)::int as results, (select count(*) from sim_layer_results)::int as layers`,
    )) as unknown as { rows: Array<{ results: number; layers: number }> }
  ).rows[0]!;
  return { ...counts, seconds: (performance.now() - start) / 1000 };
}

const ENDPOINTS: Array<[string, string]> = [
  ['campaign list', '/api/campaigns'],
  ['job page (1000)', `/api/campaigns/${CAMPAIGN}/job-page?limit=1000`],
  ['result page (1000, 4 fields)', '/api/result-page?limit=1000&fields=jobKey,variant,rows,totalCycles'],
  ['compare: 1 network × 5 variants', '/api/views/compare?networks=mobilenet_v2&variants=all'],
  ['compare: 5 networks × 5 variants', '/api/views/compare?networks=all&variants=all'],
  [
    'compare: 2 × 2, in the campaign',
    `/api/views/compare?networks=mobilenet_v2,mnasnet_b1&variants=baseline,fuse_half&campaign=${CAMPAIGN}`,
  ],
  ['breakdown: 6 arrays, layers of 64x64', '/api/views/breakdown?network=mobilenet_v2&arrays=8,16,32,64,128,256&array=64x64'],
  ['breakdown: every array, all variants', '/api/views/breakdown?network=mobilenet_v3_large&array=64x64'],
  ['breakdown: every array, one heatmap', '/api/views/breakdown?network=mobilenet_v3_large&array=64x64&heatmap=fuse_half'],
  ['paper: 5 networks', '/api/views/paper?network=all&array=64x64'],
  ['training (none stored)', '/api/views/training'],
];

async function measure(database: Database, label: string): Promise<string[]> {
  const store = new Store(database.db);
  const service = new LocalCampaignService(store, () => Promise.reject(new Error('no Temporal in this benchmark')));
  const api = await startApi({ service, logger: pino({ level: 'error' }), host: '127.0.0.1', port: 0, dashboardDir: false });
  const lines: string[] = [];
  try {
    for (const [name, path] of ENDPOINTS) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i <= CALLS; i++) {
        const start = performance.now();
        const response = await fetch(`${api.url}${path}`);
        const body = await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status} ${Buffer.from(body).toString()}`);
        if (i > 0) times.push(performance.now() - start);
        bytes = body.byteLength;
      }
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
      const line = `${label.padEnd(10)} ${name.padEnd(38)} p50 ${pct(50).toFixed(1).padStart(7)} ms  p99 ${pct(99).toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(0).padStart(6)} kB`;
      lines.push(line);
      console.log(line);
    }
  } finally {
    await api.close();
  }
  return lines;
}

const summary: string[] = [];
const pgliteDir = mkdtempSync(join(tmpdir(), 'fuselab-bench-pglite-'));
try {
  const pglite = await openDatabase({ kind: 'pglite', dir: pgliteDir });
  try {
    const filled = await fill(pglite);
    console.log(`PGlite: ${filled.results} results, ${filled.layers} layer rows stored in ${filled.seconds.toFixed(0)} s`);
    summary.push(...(await measure(pglite, 'PGlite')));
  } finally {
    await pglite.close();
  }
} finally {
  rmSync(pgliteDir, { recursive: true, force: true });
}
const postgres = await startPostgres();
try {
  const pg = await openDatabase({ kind: 'postgres', url: postgres.url });
  try {
    const filled = await fill(pg);
    console.log(`PostgreSQL: ${filled.results} results, ${filled.layers} layer rows stored in ${filled.seconds.toFixed(0)} s`);
    summary.push(...(await measure(pg, 'PostgreSQL')));
  } finally {
    await pg.close();
  }
} finally {
  postgres.stop();
}
console.log(`\nsummary (${CALLS} calls each; machine: ${process.env.BENCH_MACHINE ?? `${(await import('node:os')).cpus().length} cores`})`);
for (const line of summary) console.log(`  ${line}`);
