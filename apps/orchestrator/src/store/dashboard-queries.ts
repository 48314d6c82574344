/**
 * The dashboard's reads: aggregations computed in SQL (speed-up joins, cycles by operator class,
 * downsampled training curves), keyset-paginated jobs and results with field projection. Every
 * list is bounded by the caller's limit. Raw SQL so that both PGlite and PostgreSQL run the same
 * statements; numbers are cast to float8 so both drivers return JS numbers.
 *
 * Longer than ~400 lines on purpose: it is the one place that holds every statement the dashboard
 * runs, with the SQL helpers they share (campaign scope, list filters, the hardware a variant runs
 * on, block names), so an index or schema change is checked against all of them in one read.
 */
import { sql, type SQL } from 'drizzle-orm';
import { NEGATED_OBJECTIVES } from '@fuselab/nas';
import type { Db } from './db.js';
import type { ConfirmedSearchFront, SeedTraining } from './searches.js';
import type { TrainJobParams } from '../campaigns/expand.js';
import { trainingSetting } from '../campaigns/training-setting.js';

/** The columns of `jobs` a job page may project, and their SQL. */
export const JOB_FIELDS = {
  id: sql`j.id`,
  position: sql`j.position`,
  key: sql`j.key`,
  kind: sql`j.kind`,
  group: sql`j."group"`,
  params: sql`j.params`,
  status: sql`j.status`,
  attempts: sql`j.attempts`,
  worker: sql`j.worker`,
  startedAt: sql`j.started_at`,
  heartbeatAt: sql`j.heartbeat_at`,
  finishedAt: sql`j.finished_at`,
  durationMs: sql`(extract(epoch from (coalesce(j.finished_at, now()) - j.started_at)) * 1000)::float8`,
  error: sql`j.error`,
} as const;
export type JobField = keyof typeof JOB_FIELDS;

/** The columns of `sim_results` a result page may project. */
export const RESULT_FIELDS = {
  jobKey: sql`r.job_key`,
  network: sql`r.network`,
  variant: sql`r.variant`,
  rows: sql`r.rows`,
  cols: sql`r.cols`,
  model: sql`r.model`,
  hardware: sql`r.hardware`,
  dataflow: sql`r.dataflow`,
  inputSize: sql`r.input_size`,
  numClasses: sql`r.num_classes`,
  totalCycles: sql`r.total_cycles::float8`,
  totalMacs: sql`r.total_macs::float8`,
  cyclesByClass: sql`r.cycles_by_class`,
  codeVersion: sql`r.code_version`,
  worker: sql`r.worker`,
} as const;
export type ResultField = keyof typeof RESULT_FIELDS;

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** The simulation context every comparison holds fixed (the paper's: 224×224 ImageNet, output stationary). */
export interface SimContext {
  model: string;
  dataflow: string;
  inputSize: number;
  numClasses: number;
}

export interface CompareQuery extends SimContext {
  networks?: string[];
  variants?: string[];
  /** `auto`: baseline on plain, FuSe variants on fuse (the paper's pairing). */
  hardware: 'auto' | 'plain' | 'fuse';
  campaignId?: string;
}

export interface CompareRow {
  network: string;
  variant: string;
  rows: number;
  cols: number;
  hardware: string;
  totalCycles: number;
  baselineCycles: number | null;
  speedup: number | null;
}

export interface BreakdownQuery extends SimContext {
  network: string;
  variants?: string[];
  arrays?: Array<{ rows: number; cols: number }>;
  /** The array whose layers are listed with their speed-up. */
  array?: { rows: number; cols: number };
  /** The one variant whose utilisation heatmap is wanted (default: every listed variant). */
  heatmap?: string;
  hardware: 'auto' | 'plain' | 'fuse';
  campaignId?: string;
}

export interface TrainingQuery {
  campaignId?: string;
  maxPoints: number;
  limit: number;
}

type Row = Record<string, unknown>;

function rowsOf(result: unknown): Row[] {
  return (result as { rows: Row[] }).rows;
}

const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string | Date).toISOString());
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** `r.job_key` belongs to the campaign (a reused result is listed among its jobs too). */
const inCampaign = (alias: SQL, campaignId?: string) =>
  campaignId ? sql`and exists (select 1 from jobs cj where cj.campaign_id = ${campaignId} and cj.key = ${alias})` : sql``;
const inList = (column: SQL, values?: string[]) =>
  values && values.length
    ? sql`and ${column} in (${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )})`
    : sql``;
/** The simulation context a comparison holds fixed, on `sim_results v`. */
const contextOf = (context: SimContext) =>
  sql`v.model = ${context.model} and v.dataflow = ${context.dataflow} and v.input_size = ${context.inputSize} and v.num_classes = ${context.numClasses}`;
const hardwareOf = (hardware: CompareQuery['hardware'], variant: SQL) =>
  hardware === 'auto' ? sql`(case when ${variant} = 'baseline' then 'plain' else 'fuse' end)` : sql`${hardware}`;

/**
 * The block a layer belongs to: its name's first two parts (`features.3.conv.1.0` → `features.3`).
 * FuSe replaces a block's depthwise layer by two 1-D ones (other names, other counts); the blocks
 * are the same in every variant, so layer-wise speed-up is compared block by block.
 */
const BLOCK_OF = (name: SQL) =>
  sql`(split_part(${name}, '.', 1) || case when split_part(${name}, '.', 2) = '' then '' else '.' || split_part(${name}, '.', 2) end)`;

/** Opaque cursors: the last row's sort key, base64url JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
export function decodeCursor(cursor: string): unknown {
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
}

export class DashboardQueries {
  constructor(readonly db: Db) {}

  private async all(query: SQL): Promise<Row[]> {
    return rowsOf(await this.db.execute(query));
  }

  /**
   * The rows of `query` as one JSON array built by the database. For thousands of rows this is many
   * times faster on PGlite, which decodes each row field by field across the wasm boundary (18,000
   * rows: 250 ms as rows, 30–60 ms as one value); json_agg keeps no order, so callers sort.
   */
  private async json(query: SQL): Promise<Row[]> {
    const [row] = rowsOf(await this.db.execute(sql`select coalesce(json_agg(t), '[]'::json) as rows from (${query}) t`));
    const value = row?.rows;
    return (typeof value === 'string' ? JSON.parse(value) : value) as Row[];
  }

  /** One page of a campaign's jobs in position order; `after` is the previous page's `next`. */
  async jobPage(
    campaignId: string,
    options: { status?: string; kind?: string; limit: number; after?: number; fields: JobField[] },
  ): Promise<Page<Row>> {
    const columns = sql.join(
      options.fields.map((field) => sql`${JOB_FIELDS[field]} as ${sql.identifier(field)}`),
      sql`, `,
    );
    const rows = (
      await this.json(sql`select j.position as "__position", ${columns} from jobs j
      where j.campaign_id = ${campaignId}
      ${options.status ? sql`and j.status = ${options.status}` : sql``}
      ${options.kind ? sql`and j.kind = ${options.kind}` : sql``}
      ${options.after !== undefined ? sql`and j.position > ${options.after}` : sql``}
      order by j.position limit ${options.limit + 1}`)
    ).sort(byKeys('__position'));
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ __position: _p, ...row }) => normaliseDates(row, ['startedAt', 'finishedAt'])),
      next: more && last ? encodeCursor({ p: Number(last.__position) }) : null,
    };
  }

  /** One page of simulation results ordered by job key (keyset), with the same filters as /api/results. */
  async resultPage(
    filters: { campaignId?: string; network?: string; variant?: string; rows?: number; cols?: number; model?: string; hardware?: string },
    options: { limit: number; after?: string; fields: ResultField[] },
  ): Promise<Page<Row>> {
    const columns = sql.join(
      options.fields.map((field) => sql`${RESULT_FIELDS[field]} as ${sql.identifier(field)}`),
      sql`, `,
    );
    const eq = (column: string, value: string | number | undefined) =>
      value === undefined ? sql`` : sql`and ${sql.raw(`r.${column}`)} = ${value}`;
    const rows = await this.all(sql`select r.job_key as "__key", ${columns} from sim_results r
      where true ${eq('network', filters.network)} ${eq('variant', filters.variant)} ${eq('rows', filters.rows)} ${eq('cols', filters.cols)}
      ${eq('model', filters.model)} ${eq('hardware', filters.hardware)} ${inCampaign(sql`r.job_key`, filters.campaignId)}
      ${options.after !== undefined ? sql`and r.job_key > ${options.after}` : sql``}
      order by r.job_key limit ${options.limit + 1}`);
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page.map(({ __key: _k, ...row }) => row), next: more && last ? encodeCursor({ k: String(last.__key) }) : null };
  }

  /**
   * Trainings of a campaign in progress with their latest stored step (metrics are stored with each
   * checkpoint, so this moves every `checkpointEvery` steps): its running training jobs, and the
   * trainings its searches run to measure candidates (and one-shot supernets), which have no job
   * row — those count while a worker holds their claim (training_leases). A search's training
   * carries `search` (the search job's id and group) instead of a job id.
   */
  async trainingProgress(campaignId: string): Promise<Row[]> {
    const rows = await this.all(sql`with running as (
        select j.id, j.key, j.params, j.started_at, null::bigint as search_id, null::text as search_group
          from jobs j where j.campaign_id = ${campaignId} and j.kind = 'train' and j.status = 'running'
        union all
        select null::bigint, st.training_key, st.params, st.created_at, s.id, s."group"
          from jobs s
          join search_trainings st on st.job_key = s.key
          join training_leases l on l.job_key = st.training_key and l.holder is not null
          where s.campaign_id = ${campaignId} and s.kind = 'nas' and s.status = 'running'
            and not exists (select 1 from training_results r where r.job_key = st.training_key))
      select t.*,
        (select max(m.step) from training_metrics m where m.job_key = t.key and m.metric = 'loss' and m.split = 'train') as step,
        (select m.value from training_metrics m where m.job_key = t.key and m.metric = 'loss' and m.split = 'train' and m.step >= 0 order by m.step desc limit 1) as loss,
        (select m.value from training_metrics m where m.job_key = t.key and m.metric = 'images_per_sec' order by m.step desc limit 1) as ips,
        (select m.value from training_metrics m where m.job_key = t.key and m.metric = 'total_steps' limit 1) as total,
        (select max(m.created_at) from training_metrics m where m.job_key = t.key) as updated
      from running t order by t.search_id nulls first, t.id, t.started_at, t.key`);
    return rows.map((row) => {
      const params = row.params as { network: string; variant?: string; operators?: string[]; method: string; seed: number };
      const step = num(row.step);
      return {
        jobId: row.id === null ? null : Number(row.id),
        jobKey: String(row.key),
        ...(row.search_id === null ? {} : { search: { jobId: Number(row.search_id), group: String(row.search_group) } }),
        network: params.network,
        // A one-shot search's supernet has no variant of its own.
        variant: params.variant ?? 'supernet',
        ...(params.operators ? { operators: params.operators } : {}),
        method: params.method,
        seed: params.seed,
        step: step === null ? 0 : step + 1,
        totalSteps: num(row.total),
        loss: num(row.loss),
        imagesPerSec: num(row.ips),
        updatedAt: iso(row.updated) ?? iso(row.started_at),
      };
    });
  }

  /**
   * Every variant's total cycles beside the baseline's on plain hardware at the same array, context
   * and campaign. The newest result per (network, variant, array, hardware) comes from SQL; the
   * speed-up join is done here: PostgreSQL's estimate for the hardware rule is one row, which made
   * it plan the join as a nested loop over thousands of rows (seconds at 100,000 results).
   */
  async compare(query: CompareQuery): Promise<CompareRow[]> {
    const shown = sql`(v.hardware = ${hardwareOf(query.hardware, sql`v.variant`)} ${inList(sql`v.variant`, query.variants)})`;
    const latest = await this.json(sql`select distinct on (v.network, v.variant, v.rows, v.cols, v.hardware)
        v.network, v.variant, v.rows, v.cols, v.hardware, v.total_cycles::float8 as total, ${shown} as shown
      from sim_results v
      where ${contextOf(query)} and (${shown} or (v.variant = 'baseline' and v.hardware = 'plain'))
        ${inList(sql`v.network`, query.networks)} ${inCampaign(sql`v.job_key`, query.campaignId)}
      order by v.network, v.variant, v.rows, v.cols, v.hardware, v.created_at desc`);
    const at = (network: unknown, rows: unknown, cols: unknown) => `${String(network)}\u0000${Number(rows)}x${Number(cols)}`;
    const baselines = new Map(
      latest
        .filter((row) => row.variant === 'baseline' && row.hardware === 'plain')
        .map((row) => [at(row.network, row.rows, row.cols), Number(row.total)]),
    );
    // Baselines on plain hardware come along for the join; `shown` marks the rows asked for.
    return latest
      .filter((row) => row.shown === true)
      .map((row) => {
        const total = Number(row.total);
        const base = baselines.get(at(row.network, row.rows, row.cols)) ?? null;
        return {
          network: String(row.network),
          variant: String(row.variant),
          rows: Number(row.rows),
          cols: Number(row.cols),
          hardware: String(row.hardware),
          totalCycles: total,
          baselineCycles: base,
          speedup: base === null ? null : base / total,
        };
      })
      .sort(byKeys('network', 'variant', 'rows', 'cols'));
  }

  /**
   * Cycles by operator class per variant and array; the layers of one array with the baseline's
   * cycles of the same block (layer-wise speed-up); every layer's utilisation on every array.
   */
  async breakdown(query: BreakdownQuery) {
    const arrays = query.arrays?.length
      ? sql`and (v.rows, v.cols) in (${sql.join(
          query.arrays.map((a) => sql`(${a.rows}, ${a.cols})`),
          sql`, `,
        )})`
      : sql``;
    const scope = sql`v.network = ${query.network} and ${contextOf(query)} and v.hardware = ${hardwareOf(query.hardware, sql`v.variant`)}
      ${inList(sql`v.variant`, query.variants)} ${arrays} ${inCampaign(sql`v.job_key`, query.campaignId)}`;
    // The newest result per (variant, array): older code versions of the same job are ignored.
    const latest = sql`select distinct on (v.variant, v.rows, v.cols) v.* from sim_results v where ${scope} order by v.variant, v.rows, v.cols, v.created_at desc`;
    // The three reads are independent: on PostgreSQL they run side by side on the pool's
    // connections (PGlite, one connection, takes them in turn).
    const [classRows, heatRows, layers] = await Promise.all([
      this.json(sql`select l.variant, l.rows, l.cols, l.total_cycles::float8 as total,
        coalesce((l.cycles_by_class->>'pointwise')::float8, 0) as pointwise,
        coalesce((l.cycles_by_class->>'depthwise')::float8, 0) as depthwise,
        coalesce((l.cycles_by_class->>'fuse-1d')::float8, 0) as fuse1d
      from (${latest}) l`),
      // One row per result with its layers' utilisations in layer order, as the result row keeps
      // them (rows from before migration 0004: aggregated from the layer rows, whose indexes are
      // 0…n-1): 225 rows instead of 18,000, and no per-cell object to build, send and parse — the
      // every-variant answer of a 225-array sweep went from 7.7 MB to 1.9 MB this way.
      this.json(sql`select l.variant, l.rows, l.cols, coalesce(to_json(l.layer_utilization),
        (select json_agg(x.utilization order by x.layer_index) from sim_layer_results x where x.job_key = l.job_key)) as layers
      from (${latest}) l ${query.heatmap ? sql`where l.variant = ${query.heatmap}` : sql``}`),
      query.array
        ? this.json(sql`with l as (${latest}),
        x as (select l.variant, x.layer_index, x.name, x.kind, x.operator_class, x.cycles::float8 as cycles, x.utilization, ${BLOCK_OF(sql`x.name`)} as block
          from l join sim_layer_results x on x.job_key = l.job_key where l.rows = ${query.array.rows} and l.cols = ${query.array.cols}),
        base as (select ${BLOCK_OF(sql`x.name`)} as block, sum(x.cycles)::float8 as cycles from sim_layer_results x
          where x.job_key = (select b.job_key from sim_results b where b.network = ${query.network} and b.variant = 'baseline' and b.hardware = 'plain'
            and b.rows = ${query.array.rows} and b.cols = ${query.array.cols} and b.model = ${query.model} and b.dataflow = ${query.dataflow}
            and b.input_size = ${query.inputSize} and b.num_classes = ${query.numClasses} ${inCampaign(sql`b.job_key`, query.campaignId)}
            order by b.created_at desc limit 1)
          group by 1),
        mine as (select variant, block, sum(cycles) as cycles from x group by variant, block)
        select x.*, mine.cycles as block_cycles, base.cycles as base from x join mine on mine.variant = x.variant and mine.block = x.block left join base on base.block = x.block`)
        : Promise.resolve([] as Row[]),
    ]);
    const byClass = classRows.sort(byKeys('variant', 'rows', 'cols'));
    const heat = heatRows.sort(byKeys('variant', 'rows', 'cols'));
    layers.sort(byKeys('variant', 'layer_index'));
    const layerRows = layers.map((row) => {
      const blockCycles = Number(row.block_cycles);
      const base = num(row.base);
      return {
        variant: String(row.variant),
        rows: query.array!.rows,
        cols: query.array!.cols,
        index: Number(row.layer_index),
        name: String(row.name),
        block: String(row.block),
        kind: String(row.kind),
        operatorClass: String(row.operator_class),
        cycles: Number(row.cycles),
        utilization: Number(row.utilization),
        blockCycles,
        baselineCycles: base,
        speedup: base === null || blockCycles === 0 ? null : base / blockCycles,
      };
    });
    // One entry per block and variant, in depth order: the layer-wise speed-up chart's points.
    const blocks = new Map<
      string,
      { variant: string; index: number; block: string; cycles: number; baselineCycles: number | null; speedup: number | null }
    >();
    for (const layer of layerRows) {
      const id = `${layer.variant}\u0000${layer.block}`;
      if (!blocks.has(id))
        blocks.set(id, {
          variant: layer.variant,
          index: layer.index,
          block: layer.block,
          cycles: layer.blockCycles,
          baselineCycles: layer.baselineCycles,
          speedup: layer.speedup,
        });
    }
    return {
      byClass: byClass.map((row) => {
        const [pointwise, depthwise, fuse1d, total] = [Number(row.pointwise), Number(row.depthwise), Number(row.fuse1d), Number(row.total)];
        return {
          variant: String(row.variant),
          rows: Number(row.rows),
          cols: Number(row.cols),
          pointwise,
          depthwise,
          fuse1d,
          other: total - pointwise - depthwise - fuse1d,
          totalCycles: total,
        };
      }),
      layers: layerRows,
      blocks: [...blocks.values()],
      heatmap: heat.map((row) => ({
        variant: String(row.variant),
        rows: Number(row.rows),
        cols: Number(row.cols),
        utilization: ((row.layers ?? []) as unknown[]).map(Number),
      })),
    };
  }

  /**
   * Training curves per job, downsampled in SQL to at most `maxPoints` points each (the mean of
   * each bucket of consecutive steps, at the bucket's last step), plus the per-epoch summaries.
   */
  async training(query: TrainingQuery) {
    const scope = query.campaignId ? sql`j.campaign_id = ${query.campaignId}` : sql`true`;
    // The campaign's training jobs, and the trainings its searches run to measure their candidates'
    // accuracy (no job rows: search_trainings holds their parameters, from the moment each starts).
    const jobRows = await this.all(sql`select distinct on (key) key, params from (
        select j.key, j.params from jobs j where ${scope} and j.kind = 'train'
        union all
        select t.training_key as key, t.params from jobs j join search_trainings t on t.job_key = j.key where ${scope} and j.kind = 'nas') u
      order by key limit ${query.limit}`);
    if (jobRows.length === 0) return { curves: [], finals: [] };
    const keys = sql.join(
      jobRows.map((row) => sql`${String(row.key)}`),
      sql`, `,
    );
    const points = await this.all(sql`with s as (
        select job_key, step, epoch,
          max(case when metric = 'loss' then value end) as loss,
          max(case when metric = 'batch_accuracy' then value end) as accuracy
        from training_metrics where job_key in (${keys}) and split = 'train' and step >= 0 and metric in ('loss', 'batch_accuracy')
        group by job_key, step, epoch),
      n as (select s.*, row_number() over (partition by job_key order by step) - 1 as i, count(*) over (partition by job_key) as total from s)
      select job_key, max(step) as step, max(epoch) as epoch, avg(loss)::float8 as loss, avg(accuracy)::float8 as accuracy
      from n group by job_key, floor(i * ${query.maxPoints}::float8 / total) order by job_key, max(step)`);
    const epochs = await this.all(sql`select job_key, epoch, split, metric, value from training_metrics
      where job_key in (${keys}) and step = -1 and metric in ('loss', 'accuracy') order by job_key, epoch`);
    const finals = await this
      .all(sql`select job_key, dataset, network, variant, operators, method, width, epochs, seed, test_accuracy, test_loss, train_accuracy, train_images_per_sec
      from training_results where job_key in (${keys}) order by network, variant, method, seed`);
    const byKey = new Map<string, { points: Row[]; epochs: Map<number, Row> }>(
      jobRows.map((row) => [String(row.key), { points: [], epochs: new Map() }]),
    );
    for (const row of points)
      byKey
        .get(String(row.job_key))!
        .points.push({ step: Number(row.step), epoch: Number(row.epoch), loss: num(row.loss), accuracy: num(row.accuracy) });
    for (const row of epochs) {
      const perEpoch = byKey.get(String(row.job_key))!.epochs;
      const epoch = Number(row.epoch);
      const entry = perEpoch.get(epoch) ?? { epoch };
      entry[`${row.split}${String(row.metric).charAt(0).toUpperCase()}${String(row.metric).slice(1)}`] = Number(row.value);
      perEpoch.set(epoch, entry);
    }
    // What sets each run apart besides its seed: the dashboard averages seeds only within one setting.
    const settings = new Map(jobRows.map((row) => [String(row.key), trainingSetting(row.params as TrainJobParams)]));
    return {
      curves: jobRows.map((row) => {
        const params = row.params as TrainJobParams;
        const data = byKey.get(String(row.key))!;
        return {
          jobKey: String(row.key),
          dataset: params.dataset,
          network: params.network,
          variant: params.variant,
          ...(params.operators ? { operators: params.operators } : {}),
          method: params.method,
          seed: params.seed,
          width: params.width,
          setting: settings.get(String(row.key))!,
          points: data.points,
          epochs: [...data.epochs.values()],
        };
      }),
      finals: finals.map((row) => ({
        jobKey: String(row.job_key),
        dataset: String(row.dataset),
        network: String(row.network),
        variant: String(row.variant),
        ...(Array.isArray(row.operators) ? { operators: (row.operators as unknown[]).map(String) } : {}),
        method: String(row.method),
        width: Number(row.width),
        epochs: Number(row.epochs),
        seed: Number(row.seed),
        testAccuracy: num(row.test_accuracy),
        testLoss: num(row.test_loss),
        trainAccuracy: Number(row.train_accuracy),
        trainImagesPerSec: Number(row.train_images_per_sec),
        setting: settings.get(String(row.job_key))!,
      })),
    };
  }

  /**
   * Mean, min and max final test accuracy over seeds, per network, variant, method, dataset and
   * setting (everything else that sets a run apart: `trainingSetting`, as /training groups them).
   * Seeds are pooled only within one setting: a 6-epoch and a 20-epoch run of one variant are two
   * rows, never one mean. `epochs` and `images` (null: the whole training split) let a page pick the
   * longest-trained setting.
   */
  async accuracy(networks: string[], campaignId?: string) {
    const results = await this.all(sql`select t.job_key, t.network, t.variant, t.method, t.dataset, t.epochs, t.test_accuracy,
        coalesce((select j.params from jobs j where j.key = t.job_key and j.kind = 'train' limit 1),
          (select s.params from search_trainings s where s.training_key = t.job_key limit 1)) as params
      from training_results t where t.test_accuracy is not null ${inList(sql`t.network`, networks)} ${inCampaign(sql`t.job_key`, campaignId)}
      order by t.network, t.variant, t.method, t.dataset, t.job_key`);
    const groups = new Map<
      string,
      {
        network: string;
        variant: string;
        method: string;
        dataset: string;
        setting: Record<string, string>;
        epochs: number;
        images: number | null;
        values: number[];
      }
    >();
    for (const row of results) {
      const method = String(row.method);
      const params = (row.params ?? { method }) as TrainJobParams;
      const setting = trainingSetting(params);
      const key = JSON.stringify([row.network, row.variant, method, row.dataset, Object.entries(setting)]);
      const group = groups.get(key) ?? {
        network: String(row.network),
        variant: String(row.variant),
        method,
        dataset: String(row.dataset),
        setting,
        epochs: Number(row.epochs),
        images: params.limit ?? null,
        values: [],
      };
      group.values.push(Number(row.test_accuracy));
      groups.set(key, group);
    }
    return [...groups.values()].map(({ values, ...group }) => ({
      ...group,
      seeds: values.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      max: Math.max(...values),
    }));
  }

  /** The search jobs of a campaign (finished or not), in spec order. */
  async searches(campaignId: string): Promise<Row[]> {
    const rows = await this
      .all(sql`select j.key, j."group" as name, j.status, j.params, r.strategy, r.evaluations, r.generations, r.confirmed
      from jobs j left join search_results r on r.job_key = j.key where j.campaign_id = ${campaignId} and j.kind = 'nas' order by j.position`);
    return rows.map((row) => {
      const params = row.params as { network: string; objectives: string[]; strategy: string };
      return {
        jobKey: String(row.key),
        name: String(row.name),
        status: String(row.status),
        network: params.network,
        objectives: params.objectives,
        negated: params.objectives.filter((o) => (NEGATED_OBJECTIVES as readonly string[]).includes(o)),
        strategy: params.strategy,
        evaluations: num(row.evaluations),
        generations: num(row.generations),
        // A finished search with `confirm`: its front over more seeds (searches.ts ConfirmedSearchFront).
        confirmed: (row.confirmed ?? null) as ConfirmedSearchFront | null,
      };
    });
  }

  /** Every evaluated candidate of a search job (bounded by `limit`) and its front after each generation. */
  async searchDetail(jobKey: string, limit: number) {
    const candidates = await this.all(sql`select candidate_index, candidate_key, generation, operators, "array", objectives, fidelity,
      seed_trainings from search_candidates where job_key = ${jobKey} order by candidate_index limit ${limit}`);
    const fronts = await this.all(
      sql`select generation, evaluations, front from search_fronts where job_key = ${jobKey} order by generation`,
    );
    return {
      candidates: candidates.map((row) => ({
        index: Number(row.candidate_index),
        key: String(row.candidate_key),
        generation: Number(row.generation),
        operators: row.operators as string[],
        array: row.array as { rows: number; cols: number; hardware: string } | null,
        objectives: row.objectives as Record<string, number>,
        // Below a full evaluation (halving's early rungs), only when so.
        ...(row.fidelity === null || row.fidelity === undefined ? {} : { fidelity: Number(row.fidelity) }),
        // Training `seeds`: each seed's test accuracy (the accuracy objective is their negated mean), only when so.
        ...(row.seed_trainings
          ? { seedAccuracies: (row.seed_trainings as SeedTraining[]).map(({ seed, testAccuracy }) => ({ seed, testAccuracy })) }
          : {}),
      })),
      fronts: fronts.map((row) => ({
        generation: Number(row.generation),
        evaluations: Number(row.evaluations),
        front: row.front as Array<{ key: string; objectives: Record<string, number> }>,
      })),
    };
  }
}

/** A comparator over the named fields (strings by code unit, numbers numerically), in that order. */
function byKeys<T extends Record<string, unknown>>(...keys: Array<keyof T & string>): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const [x, y] = [a[key], b[key]];
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  };
}

function normaliseDates(row: Row, fields: string[]): Row {
  for (const field of fields) if (field in row) row[field] = iso(row[field]);
  return row;
}
