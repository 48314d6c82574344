/** Simulation results (sim_results) and their per-layer rows (sim_layer_results), keyed by job key. */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { NetworkResult } from '@fuselab/systolic-sim';
import type { Db } from './db.js';
import { simLayerResults, simResults } from './schema.js';
import { completeJobs, ofCampaign } from './jobs.js';
import { chunks } from './rows.js';
import type { SimJobParams } from '../campaigns/expand.js';

export interface SimResultInput {
  key: string;
  params: SimJobParams;
  result: NetworkResult;
}

export interface ResultFilters {
  campaignId?: string;
  network?: string;
  variant?: string;
  rows?: number;
  cols?: number;
  model?: string;
  hardware?: string;
  limit?: number;
  offset?: number;
}

export interface SimLayerRow {
  layerIndex: number;
  name: string;
  kind: string;
  operatorClass: string;
  cycles: number;
  macs: number;
  utilization: number;
  breakdown: unknown;
}

export interface SimResultRow {
  jobKey: string;
  network: string;
  variant: string;
  rows: number;
  cols: number;
  model: string;
  hardware: string;
  dataflow: string;
  inputSize: number;
  numClasses: number;
  totalCycles: number;
  totalMacs: number;
  cyclesByClass: Record<string, number>;
  codeVersion: string;
  worker: string | null;
  layers?: SimLayerRow[];
}

/**
 * Stores many simulation results in one transaction: each result and its layers once (ON
 * CONFLICT), then completes the jobs. With `replace` the earlier results of these keys go first
 * (--force); the simulator is deterministic, so replacing one twice stores the same row once.
 */
export async function saveSimResults(
  db: Db,
  campaignId: string,
  items: SimResultInput[],
  codeVersion: string,
  worker: string,
  replace = false,
): Promise<void> {
  if (items.length === 0) return;
  const keys = items.map((item) => item.key);
  await db.transaction(async (tx) => {
    if (replace) await tx.delete(simResults).where(inArray(simResults.jobKey, keys));
    const inserted = await tx
      .insert(simResults)
      .values(
        items.map(({ key, params, result }) => ({
          jobKey: key,
          network: params.network,
          variant: params.variant,
          rows: result.rows,
          cols: result.cols,
          model: result.model,
          hardware: result.hardware,
          dataflow: result.dataflow,
          inputSize: params.inputSize,
          numClasses: params.numClasses,
          totalCycles: result.totalCycles,
          totalMacs: result.totalMacs,
          cyclesByClass: result.cyclesByClass,
          layerUtilization: result.layers.map((layer) => layer.utilization),
          codeVersion,
          worker,
        })),
      )
      .onConflictDoNothing({ target: simResults.jobKey })
      .returning({ key: simResults.jobKey });
    const fresh = new Set(inserted.map((row) => row.key));
    const layers = items
      .filter((item) => fresh.has(item.key))
      .flatMap(({ key, result }) =>
        result.layers.map((layer, layerIndex) => ({
          job_key: key,
          layer_index: layerIndex,
          name: layer.name,
          kind: layer.kind,
          operator_class: layer.operatorClass,
          cycles: layer.cycles,
          macs: layer.macs,
          utilization: layer.utilization,
          breakdown: layer.breakdown ?? null,
        })),
      );
    // Thousands of layer rows go in as one JSON parameter: binding them one value at a time
    // costs far more than the insert itself.
    for (const part of chunks(layers, 5000)) {
      await tx.execute(sql`insert into sim_layer_results (job_key, layer_index, name, kind, operator_class, cycles, macs, utilization, breakdown)
        select job_key, layer_index, name, kind, operator_class, cycles, macs, utilization, breakdown
        from jsonb_to_recordset(${JSON.stringify(part)}::jsonb) as x(job_key text, layer_index integer, name text, kind text, operator_class text, cycles bigint, macs bigint, utilization double precision, breakdown jsonb)
        on conflict do nothing`);
    }
    await completeJobs(tx, campaignId, keys, worker);
  });
}

/** Stores one simulation result (the per-job activity of v1 campaigns): see {@link saveSimResults}. */
export async function saveSimResult(
  db: Db,
  campaignId: string,
  key: string,
  params: SimJobParams,
  result: NetworkResult,
  codeVersion: string,
  worker: string,
): Promise<void> {
  await saveSimResults(db, campaignId, [{ key, params, result }], codeVersion, worker);
}

/** With --force a result is recomputed: the old one goes first so the new one lands. */
export async function dropSimResult(db: Db, key: string): Promise<void> {
  await db.delete(simResults).where(eq(simResults.jobKey, key));
}

export async function simResultRows(db: Db, filters: ResultFilters = {}, withLayers = false): Promise<SimResultRow[]> {
  const conditions: Array<SQL | undefined> = [ofCampaign(db, simResults.jobKey, filters.campaignId)];
  if (filters.network) conditions.push(eq(simResults.network, filters.network));
  if (filters.variant) conditions.push(eq(simResults.variant, filters.variant));
  if (filters.rows !== undefined) conditions.push(eq(simResults.rows, filters.rows));
  if (filters.cols !== undefined) conditions.push(eq(simResults.cols, filters.cols));
  if (filters.model) conditions.push(eq(simResults.model, filters.model));
  if (filters.hardware) conditions.push(eq(simResults.hardware, filters.hardware));
  const rows = await db
    .select()
    .from(simResults)
    .where(and(...conditions))
    .orderBy(
      asc(simResults.network),
      asc(simResults.variant),
      asc(simResults.model),
      asc(simResults.hardware),
      asc(simResults.rows),
      asc(simResults.cols),
      asc(simResults.jobKey),
    )
    .limit(filters.limit ?? 100_000)
    .offset(filters.offset ?? 0);
  // layer_utilization is an index for the dashboard, not part of a result (`layers` holds it).
  const results: SimResultRow[] = rows.map(({ createdAt: _c, layerUtilization: _u, ...row }) => ({
    ...row,
    cyclesByClass: row.cyclesByClass as Record<string, number>,
  }));
  if (withLayers && results.length > 0) {
    const byKey = new Map(results.map((row) => [row.jobKey, row]));
    for (const row of results) row.layers = [];
    for (const part of chunks(results.map((row) => row.jobKey))) {
      const layers = await db
        .select()
        .from(simLayerResults)
        .where(inArray(simLayerResults.jobKey, part))
        .orderBy(asc(simLayerResults.jobKey), asc(simLayerResults.layerIndex));
      for (const { jobKey, ...layer } of layers) byKey.get(jobKey)!.layers!.push(layer);
    }
  }
  return results;
}
