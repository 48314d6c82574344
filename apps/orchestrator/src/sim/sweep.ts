/**
 * A sweep of networks × variants × arrays under one timing model. Each variant's topology is built
 * once and timed on every array, so the whole paper sweep (150 totals) is a few milliseconds.
 */
import { buildNetwork, toTopology, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import { makeArray, totalCycles, type Dataflow, type Hardware, type TimingModel } from '@fuselab/systolic-sim';
import { defaultHardware } from './variant-simulation.js';

export interface SweepRequest {
  networks: NetworkName[];
  variants: VariantName[];
  arrays: Array<{ rows: number; cols: number }>;
  model: TimingModel;
  /** Forces one hardware for every variant; by default baseline → plain, FuSe → fuse. */
  hardware?: Hardware;
  dataflow?: Dataflow;
}

export interface SweepRow {
  network: NetworkName;
  variant: VariantName;
  rows: number;
  cols: number;
  model: TimingModel;
  hardware: Hardware;
  totalCycles: number;
}

export function runSweep(request: SweepRequest): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const network of request.networks) {
    for (const variant of request.variants) {
      const topology = toTopology(buildNetwork({ network, variant }));
      const hardware = request.hardware ?? defaultHardware(variant);
      for (const { rows: r, cols: c } of request.arrays) {
        const array = makeArray(r, c, { hardware, ...(request.dataflow ? { dataflow: request.dataflow } : {}) });
        rows.push({
          network,
          variant,
          rows: r,
          cols: c,
          model: request.model,
          hardware,
          totalCycles: totalCycles(topology, array, request.model),
        });
      }
    }
  }
  return rows;
}
