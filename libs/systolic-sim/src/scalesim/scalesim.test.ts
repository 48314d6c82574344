/**
 * The scalesim model against SCALE-Sim v2's own reports (fixtures/scalesim, produced by running
 * SCALE-Sim; see its README). Every layer and every field must match exactly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readScaleSimReports, type ScaleSimReportRow } from '../../bench/scalesim-reports.js';
import type { ConvLayer, GemmLayer } from '../topology.js';
import { parseScaleSimConfig, parseScaleSimTopologyCsv, simulateScaleSimLayer, simulateScaleSimTopology } from './index.js';

const root = new URL('../../fixtures/scalesim/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface Run {
  config: string;
  topology: string;
  kind: 'conv' | 'gemm';
}

const runs: Run[] = read('runs.txt')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [config = '', topology = '', kind = ''] = line.trim().split(/\s+/);
    return { config, topology, kind: kind as Run['kind'] };
  });

/** SCALE-Sim's COMPUTE_REPORT.csv and DETAILED_ACCESS_REPORT.csv rows, as numbers. */
function expectedRows(run: Run): ScaleSimReportRow[] {
  const dir = `expected/${run.config.replace(/\.cfg$/, '')}/${run.topology.replace(/\.csv$/, '')}/`;
  return readScaleSimReports(fileURLToPath(new URL(dir, root)));
}

describe('scalesim model = SCALE-Sim v2 on its fixtures', () => {
  it('covers os, ws and is on SCALE-Sim’s configs and topologies, CALC and USER bandwidth', () => {
    expect(runs.length).toBeGreaterThanOrEqual(50);
    const configs = runs.map((run) => parseScaleSimConfig(read(`configs/${run.config}`)));
    expect(new Set(configs.map((c) => c.dataflow))).toEqual(new Set(['os', 'ws', 'is']));
    expect(new Set(configs.map((c) => c.interfaceBandwidth))).toEqual(new Set(['CALC', 'USER']));
    expect(runs.filter((run) => run.topology === 'mobilenet.csv')).toHaveLength(3);
  });

  for (const run of runs) {
    it(`${run.config} × ${run.topology}`, () => {
      const config = parseScaleSimConfig(read(`configs/${run.config}`));
      const topology = parseScaleSimTopologyCsv(read(`topologies/${run.topology}`), run.topology, { format: run.kind });
      const expected = expectedRows(run);
      const actual = simulateScaleSimTopology(topology, config).layers.map(({ name: _name, ...numbers }) => numbers);
      expect(actual).toHaveLength(expected.length);
      expect(actual).toEqual(expected);
    });
  }

  it('exercises stalls, partial folds and read buffers too small for their operand', () => {
    let stalls = 0;
    let partial = 0;
    let filterRereads = 0;
    for (const run of runs) {
      const topology = parseScaleSimTopologyCsv(read(`topologies/${run.topology}`), run.topology, { format: run.kind });
      expectedRows(run).forEach((row, i) => {
        const layer = topology[i]!;
        const filterWords = layer.kind === 'gemm' ? layer.k * layer.n : layer.kernelH * layer.kernelW * layer.channels * layer.filters;
        if (row.stallCycles > 0) stalls++;
        if (row.mappingEfficiency < 100) partial++;
        if (row.dramFilterReads > filterWords && row.dramFilterReads <= row.sramFilterReads) filterRereads++;
      });
    }
    expect(stalls).toBeGreaterThan(10);
    expect(partial).toBeGreaterThan(50);
    expect(filterRereads).toBeGreaterThan(10);
  });
});

describe('scalesim model on layer kinds SCALE-Sim has no row for', () => {
  const array = parseScaleSimConfig(read('configs/scale.cfg'));
  const conv = (over: Partial<ConvLayer>): ConvLayer => ({
    name: 'l',
    kind: 'conv',
    ifmapH: 14,
    ifmapW: 14,
    kernelH: 3,
    kernelW: 3,
    channels: 16,
    filters: 16,
    strideH: 1,
    strideW: 1,
    padH: 0,
    padW: 0,
    ...over,
  });

  it('runs a depthwise layer as one single-channel layer per channel (SCALE-Sim’s DP rows), summed', () => {
    const dw = simulateScaleSimLayer(conv({ kind: 'depthwise', padH: 1, padW: 1 }), array);
    const csv =
      'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nDPdw, 16, 16, 3, 3, 16, 1, 1,\n';
    const perChannel = simulateScaleSimTopology(parseScaleSimTopologyCsv(csv), array).layers;
    expect(perChannel).toHaveLength(16);
    const sum = (field: keyof ScaleSimReportRow): number => perChannel.reduce((acc, layer) => acc + layer[field], 0);
    expect(dw.totalCycles).toBe(sum('totalCycles'));
    expect(dw.sramIfmapReads).toBe(sum('sramIfmapReads'));
    expect(dw.dramOfmapWrites).toBe(sum('dramOfmapWrites'));
    expect(dw.overallUtil).toBe(perChannel[0]!.overallUtil);
    expect(dw.mappingEfficiency).toBe(perChannel[0]!.mappingEfficiency);
  });

  it('runs a GEMM as SCALE-Sim’s mnk import does, and padding as a larger ifmap', () => {
    const gemm: GemmLayer = { name: 'g', kind: 'gemm', m: 37, k: 45, n: 20 };
    const csv = 'Layer, M, N, K,\nG1, 37, 20, 45,\n';
    const imported = simulateScaleSimTopology(parseScaleSimTopologyCsv(csv), array).layers[0]!;
    expect({ ...simulateScaleSimLayer(gemm, array), name: 'G1' }).toEqual(imported);

    const padded = simulateScaleSimLayer(conv({ padH: 1, padW: 1 }), array);
    const unpadded = simulateScaleSimLayer(conv({ ifmapH: 16, ifmapW: 16 }), array);
    expect(padded).toEqual(unpadded);
  });

  it('rejects batches and a USER bandwidth that is not a positive integer', () => {
    expect(() => simulateScaleSimLayer(conv({ batch: 2 }), array)).toThrow(/batch 1 only/);
    expect(() => simulateScaleSimLayer(conv({}), { ...array, interfaceBandwidth: 'USER', bandwidth: 0 })).toThrow(/bandwidth/);
  });

  it('honours an AbortSignal and reports progress', () => {
    const seen: number[] = [];
    const layers = [conv({ name: 'a' }), conv({ name: 'b' })];
    simulateScaleSimTopology(layers, array, { onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2]);
    const controller = new AbortController();
    controller.abort();
    expect(() => simulateScaleSimTopology(layers, array, { signal: controller.signal })).toThrow();
  });
});
