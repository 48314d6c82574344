/**
 * The paper table fed from stored simulation results (cycles from SQL; params and MACs are
 * counted from the network specs, which is instant), rendered by reports/paper-table.ts.
 */
import { VARIANTS, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import type { Hardware, TimingModel } from '@fuselab/systolic-sim';
import { PUBLISHED_ARRAY, publishedFigures } from '../reports/published.js';
import type { PaperTable } from '../reports/paper-table.js';
import { variantStats, defaultHardware } from '../sim/variant-simulation.js';
import type { SimResultRow } from '../store/store.js';

/** One table per network that has the baseline and at least one FuSe variant on this array. */
export function paperTablesFromResults(
  results: SimResultRow[],
  rows: number,
  cols: number,
  model: TimingModel = 'reference',
): PaperTable[] {
  const tables: PaperTable[] = [];
  const networks = [...new Set(results.map((r) => r.network))];
  for (const network of networks) {
    const pick = (variant: VariantName) =>
      results.find(
        (r) =>
          r.network === network &&
          r.variant === variant &&
          r.rows === rows &&
          r.cols === cols &&
          r.model === model &&
          r.hardware === defaultHardware(variant) &&
          r.dataflow === 'os' &&
          r.inputSize === 224 &&
          r.numClasses === 1000,
      );
    const baseline = pick('baseline');
    if (!baseline) continue;
    const variants = VARIANTS.flatMap((variant) => {
      const row = pick(variant);
      if (!row) return [];
      const stats = variantStats(network as NetworkName, variant);
      return [
        {
          variant,
          params: stats.params,
          macs: stats.macs,
          hardware: row.hardware as Hardware,
          cycles: row.totalCycles,
          speedup: baseline.totalCycles / row.totalCycles,
          published: publishedFigures(network as NetworkName, variant) ?? null,
        },
      ];
    });
    tables.push({
      network: network as NetworkName,
      rows,
      cols,
      model,
      publishedArray: rows === PUBLISHED_ARRAY.rows && cols === PUBLISHED_ARRAY.cols,
      variants,
    });
  }
  return tables;
}
