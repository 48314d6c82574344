/**
 * The paper-style table for one network: params, MACs, cycles and speed-up of the baseline and the
 * four FuSe variants, computed from first principles, beside the published figures.
 */
import { VARIANTS, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import type { Hardware, TimingModel } from '@fuselab/systolic-sim';
import Table from 'cli-table3';
import { variantStats, variantTotalCycles } from '../sim/variant-simulation.js';
import { PUBLISHED_ARRAY, publishedFigures, type PublishedFigures } from './published.js';

export interface PaperTableRow {
  variant: VariantName;
  params: number;
  macs: number;
  hardware: Hardware;
  cycles: number;
  speedup: number;
  /** The paper's figures; speed-ups were published for a 64×64 array only. */
  published: PublishedFigures | null;
}

export interface PaperTable {
  network: NetworkName;
  rows: number;
  cols: number;
  model: TimingModel;
  /** Whether the published speed-ups apply to this array size. */
  publishedArray: boolean;
  variants: PaperTableRow[];
}

export function paperTable(network: NetworkName, rows: number, cols: number, model: TimingModel): PaperTable {
  const computed = VARIANTS.map((variant) => {
    const stats = variantStats(network, variant);
    const { hardware, totalCycles } = variantTotalCycles({ network, variant, rows, cols, model });
    return { variant, params: stats.params, macs: stats.macs, hardware, cycles: totalCycles };
  });
  const baselineCycles = computed.find((row) => row.variant === 'baseline')?.cycles ?? Number.NaN;
  return {
    network,
    rows,
    cols,
    model,
    publishedArray: rows === PUBLISHED_ARRAY.rows && cols === PUBLISHED_ARRAY.cols,
    variants: computed.map((row) => ({
      ...row,
      speedup: baselineCycles / row.cycles,
      published: publishedFigures(network, row.variant) ?? null,
    })),
  };
}

const millions = (value: number, digits = 2) => (value / 1e6).toFixed(digits);

export function renderPaperTable(table: PaperTable): string {
  const grid = new Table({
    head: ['variant', 'params (M)', 'paper', 'MACs (M)', 'paper FLOPs', 'hardware', 'cycles', 'speed-up', 'paper', 'paper acc. (%)'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  for (const row of table.variants) {
    const paper = row.published;
    grid.push([
      row.variant,
      millions(row.params, 3),
      paper ? paper.paramsM.toFixed(2) : '–',
      millions(row.macs),
      paper ? String(paper.flopsM) : '–',
      row.hardware,
      row.cycles.toLocaleString('en-US'),
      `${row.speedup.toFixed(2)}x`,
      paper && table.publishedArray ? `${paper.speedup}x` : '–',
      paper ? paper.accuracy.toFixed(2) : '–',
    ]);
  }
  const title = `${table.network} on a ${table.rows}x${table.cols} array, timing model "${table.model}" (baseline on plain hardware, FuSe variants on the ST-OS array)`;
  const note = table.publishedArray
    ? 'paper: DATE 2021 FuSeConv paper (params truncated to 2 decimals; FLOPs as the authors counted them, with some element-wise work; speed-ups on 64x64).'
    : 'paper: DATE 2021 FuSeConv paper (params truncated to 2 decimals); its speed-ups are for a 64x64 array, so they are not shown here.';
  return `${title}\n${grid.toString()}\n${note}\n`;
}
