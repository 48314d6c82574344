/**
 * A large synthetic results history for the dashboard benchmarks (the API's here, the browser's in
 * apps/dashboard/bench): the 50 real simulations of 5 networks × 5 variants × {plain, fuse} on a
 * 64×64 array (reference model), repeated over 3 timing models × 3 dataflows × 15 × 15 array sizes
 * (rows and columns 8…256, square and not) with cycles scaled by the array — 101,250 results with
 * ~6 M layer rows, the size of a large campaign history. One campaign (BENCH_CAMPAIGN) lists them
 * all as its jobs; another (SWEEP_CAMPAIGN) the 9 arrays of a typical paper-style sweep, 4,050 of
 * them — what a person looks at in a database this size. Written in a few set-based statements, so
 * filling takes minutes, not hours.
 */
import { sql } from 'drizzle-orm';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { runSimulationJob } from '../src/activities/index.js';
import { normaliseSpec, specHash } from '../src/campaigns/spec.js';
import type { Database } from '../src/store/db.js';

export const BENCH_CAMPAIGN = 'bench-dashboard';
export const SWEEP_CAMPAIGN = 'bench-sweep';
/** The sweep campaign's arrays (those of the dashboard's array pickers). */
export const SWEEP_ARRAYS: ReadonlyArray<readonly [number, number]> = [
  [8, 8],
  [16, 16],
  [32, 32],
  [64, 64],
  [128, 128],
  [256, 256],
  [16, 64],
  [64, 16],
  [32, 128],
];
/** Array sides; rows × cols over all pairs. BENCH_RESULTS (default 101,250) picks a prefix. */
const SIDES = [8, 12, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256];
const sides = SIDES.slice(
  0,
  Math.max(1, Math.min(SIDES.length, Math.round(Math.sqrt(Number(process.env.BENCH_RESULTS ?? 101_250) / 450)))),
);
const MODELS = ['reference', 'scalesim', 'stos'];
const DATAFLOWS = ['os', 'ws', 'is'];

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

/** Stores the history in an empty database; returns the row counts and the time it took. */
export async function fillSyntheticResults(database: Pick<Database, 'db'>): Promise<{ results: number; layers: number; seconds: number }> {
  const { db } = database;
  const start = performance.now();
  const spec = normaliseSpec({ name: BENCH_CAMPAIGN, simulations: { networks: ['mobilenet_v2'], variants: ['baseline'], arrays: [8] } });
  await db.execute(
    sql`insert into campaigns (id, name, spec, spec_hash, status, code_version, versions, seed) values (${BENCH_CAMPAIGN}, ${BENCH_CAMPAIGN}, ${JSON.stringify(spec)}::jsonb, ${specHash(spec)}, 'completed', 'bench', '{}'::jsonb, 0)`,
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
  const campaign = (id: string, where: ReturnType<typeof sql>) =>
    db.execute(sql`insert into jobs (campaign_id, position, kind, "group", key, params, status)
    select ${id}, row_number() over (order by job_key), 'sim', 'bench', job_key, jsonb_build_object('network', network, 'variant', variant, 'rows', rows, 'cols', cols), 'completed' from sim_results where ${where}`);
  await campaign(BENCH_CAMPAIGN, sql`true`);
  await db.execute(
    sql`insert into campaigns (id, name, spec, spec_hash, status, code_version, versions, seed) values (${SWEEP_CAMPAIGN}, ${SWEEP_CAMPAIGN}, ${JSON.stringify(spec)}::jsonb, ${specHash(spec)}, 'completed', 'bench', '{}'::jsonb, 0)`,
  );
  await campaign(
    SWEEP_CAMPAIGN,
    sql`(rows, cols) in (${sql.join(
      SWEEP_ARRAYS.map(([r, c]) => sql`(${r}, ${c})`),
      sql`, `,
    )})`,
  );
  // Layer rows one model at a time (keeps each statement's memory bounded on PGlite).
  for (const model of MODELS) {
    await db.execute(sql`insert into sim_layer_results (job_key, layer_index, name, kind, operator_class, cycles, macs, utilization)
      select ${key}, t.i, t.name, t.kind, t.cls, round(t.cycles * ${scale})::bigint, t.macs::bigint, least(1, t.util * sqrt(4096.0 / (r.r * c.c))) from tl t cross join ${grid([model])}`);
  }
  // What saveSimResults keeps on each result row: its layers' utilisations in layer order.
  await db.execute(
    sql`update sim_results r set layer_utilization = (select array_agg(x.utilization order by x.layer_index) from sim_layer_results x where x.job_key = r.job_key)`,
  );
  // Vacuumed, analysed and checkpointed, as a database that has been up a while is: otherwise
  // PostgreSQL's autovacuum (the update above leaves 101,250 dead row versions) and checkpointer
  // (gigabytes of dirty pages) work through them during the measurements, on the two cores the
  // API and the browser need.
  await db.execute(sql`vacuum analyze`);
  await db.execute(sql`checkpoint`);
  const counts = (
    (await db.execute(
      sql`select (select count(*) from sim_results)::int as results, (select count(*) from sim_layer_results)::int as layers`,
    )) as unknown as { rows: Array<{ results: number; layers: number }> }
  ).rows[0]!;
  return { ...counts, seconds: (performance.now() - start) / 1000 };
}
