/**
 * The FuSe networks through systolic-sim's `scalesim` model against SCALE-Sim v2 itself.
 *
 * The topology CSVs were written from the FuSeConv authors' layer list (fixtures/reference-models.json,
 * by tools/reference/fuse_scalesim_topologies.py, not from this package's code) and SCALE-Sim ran
 * them (../systolic-sim/fixtures/scalesim/README.md). Here our own network specs go through
 * `toTopology` and the scalesim model, so what is checked is our conversion: padding folded into
 * the ifmap, a depthwise layer as one single-channel layer per channel with the copies' counts
 * summed, and the 12 report fields of every 1-D depthwise shape the FuSe networks have.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScaleSimConfig, simulateScaleSimLayer, simulateScaleSimTopology, type ScaleSimLayerResult } from '@fuselab/systolic-sim';
import { describe, expect, it } from 'vitest';
// The reader of SCALE-Sim's report files lives beside the fixtures it reads, in systolic-sim's bench/.
import { readScaleSimReports, type ScaleSimReportRow } from '../../systolic-sim/bench/scalesim-reports.js';
import { buildNetwork } from './build.js';
import { NETWORKS } from './networks/index.js';
import { toTopology, type NetworkConvLayer, type NetworkLayer } from './topology-export.js';
import { VARIANTS } from './variants.js';

const fixtures = new URL('../../systolic-sim/fixtures/scalesim/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtures), 'utf8');
const config = (name: string) => parseScaleSimConfig(read(`configs/${name}.cfg`));
const reports = (config: string, topology: string) =>
  readScaleSimReports(fileURLToPath(new URL(`expected/${config}/${topology}/`, fixtures)));

/** The CSV's data rows as [name, padded H, padded W, kernel H, kernel W, channels, filters, stride]. */
function csvRows(topology: string): string[][] {
  return read(`topologies/${topology}.csv`)
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map((cell) => cell.trim()));
}

const COUNTS = [
  'totalCycles',
  'stallCycles',
  'sramIfmapReads',
  'sramFilterReads',
  'sramOfmapWrites',
  'dramIfmapReads',
  'dramFilterReads',
  'dramOfmapWrites',
] as const;

/** `copies` identical single-channel rows as one layer: counts summed, percentages as they are. */
function summed(rows: ScaleSimReportRow[]): ScaleSimReportRow {
  for (const row of rows) expect(row).toEqual(rows[0]);
  const one = rows[0]!;
  return { ...one, ...Object.fromEntries(COUNTS.map((field) => [field, one[field] * rows.length])) };
}

const numbers = ({ name: _name, ...rest }: ScaleSimLayerResult): ScaleSimReportRow => rest;

const shapeKey = (h: number, w: number, kh: number, kw: number, stride: number) => `${h}x${w} k${kh}x${kw} s${stride}`;

describe('MobileNetV2 FuSe-half, first 8 layers at 224, on SCALE-Sim’s 32×32 os array', () => {
  it('equals SCALE-Sim layer by layer, with its per-channel DP rows summed', () => {
    const rows = csvRows('fuse_mv2_half_head');
    const expectedRows = reports('scale', 'fuse_mv2_half_head');
    const expected: ScaleSimReportRow[] = [];
    let at = 0;
    for (const row of rows) {
      const copies = row[0]!.includes('DP') ? Number(row[5]) : 1;
      expected.push(summed(expectedRows.slice(at, at + copies)));
      at += copies;
    }
    expect(at).toBe(expectedRows.length);

    const ours = toTopology(buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half' })).slice(0, rows.length);
    expect(ours.map((layer) => layer.kind)).toEqual([
      'conv',
      'depthwise1d',
      'depthwise1d',
      'pointwise',
      'pointwise',
      'depthwise1d',
      'depthwise1d',
      'pointwise',
    ]);
    expect(simulateScaleSimTopology(ours, config('scale')).layers.map(numbers)).toEqual(expected);
  });
});

const fuseLayers = NETWORKS.flatMap((network) =>
  VARIANTS.filter((variant) => variant !== 'baseline').flatMap((variant) =>
    toTopology(buildNetwork({ network, variant }))
      .filter((layer: NetworkLayer): layer is NetworkConvLayer => layer.kind === 'depthwise1d')
      .map((layer) => ({ network, variant, layer })),
  ),
);

describe.each(['scale', 'scale_ws', 'scale_is', 'eyeriss_os'])('every 1-D depthwise layer of the FuSe networks on %s', (configName) => {
  it('equals SCALE-Sim’s single-channel run of its shape times its channels', () => {
    const rows = csvRows('fuse_1d_layers');
    const expectedRows = reports(configName, 'fuse_1d_layers');
    expect(expectedRows).toHaveLength(rows.length * 2);
    const byShape = new Map(
      rows.map((row, i) => [
        shapeKey(...(row.slice(1, 5).map(Number) as [number, number, number, number]), Number(row[7])),
        summed(expectedRows.slice(2 * i, 2 * i + 2)),
      ]),
    );

    expect(fuseLayers.length).toBeGreaterThan(400);
    const seen = new Set<string>();
    for (const { network, variant, layer } of fuseLayers) {
      const key = shapeKey(layer.ifmapH + 2 * layer.padH, layer.ifmapW + 2 * layer.padW, layer.kernelH, layer.kernelW, layer.strideH);
      const twoChannels = byShape.get(key);
      // A shape the authors' networks do not have means our padding or sizes differ from theirs.
      expect(twoChannels, `${network}/${variant} ${layer.name}: ${key}`).toBeDefined();
      seen.add(key);
      const perChannel: ScaleSimReportRow = {
        ...twoChannels!,
        ...Object.fromEntries(COUNTS.map((field) => [field, twoChannels![field] / 2])),
      };
      const expected = { ...perChannel, ...Object.fromEntries(COUNTS.map((field) => [field, perChannel[field] * layer.channels])) };
      expect(numbers(simulateScaleSimLayer(layer, config(configName))), `${network}/${variant} ${layer.name}`).toEqual(expected);
    }
    expect(seen.size).toBe(rows.length);
  });
});
