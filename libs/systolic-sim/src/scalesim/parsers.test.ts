import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseScaleSimConfig } from './config.js';
import { parseScaleSimTopologyCsv } from './topology-csv.js';

const fixture = (path: string): string => readFileSync(new URL(`../../fixtures/scalesim/${path}`, import.meta.url), 'utf8');

/** The InputError a call throws (fails the test if it throws nothing or something else). */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const CFG = `[general]
run_name = t

[architecture_presets]
ArrayHeight:    8
ArrayWidth:     4
IfmapSramSzkB:    2
FilterSramSzkB:   3
OfmapSramSzkB:    1
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Dataflow : ws
Bandwidth : 6
MemoryBanks: 1

[run_presets]
InterfaceBandwidth: CALC
`;

describe('parseScaleSimConfig', () => {
  it('reads SCALE-Sim’s own configs', () => {
    const scale = parseScaleSimConfig(fixture('configs/scale.cfg'));
    expect(scale).toMatchObject({
      runName: 'scale_example_run_32x32_os',
      rows: 32,
      cols: 32,
      dataflow: 'os',
      ifmapSramKB: 64,
      filterSramKB: 64,
      ofmapSramKB: 64,
      ifmapOffset: 0,
      filterOffset: 10000000,
      ofmapOffset: 20000000,
      interfaceBandwidth: 'CALC',
      wordBytes: 1,
    });
    const google = parseScaleSimConfig(fixture('configs/google.cfg'));
    expect(google).toMatchObject({
      runName: 'GoogleTPU_v1_ws',
      rows: 256,
      cols: 256,
      dataflow: 'ws',
      ifmapSramKB: 6144,
      ofmapSramKB: 2048,
    });
    const eyeriss = parseScaleSimConfig(fixture('configs/eyeriss.cfg'));
    expect(eyeriss).toMatchObject({ rows: 12, cols: 14, dataflow: 'ws', ifmapSramKB: 36 });
  });

  it('reads USER bandwidth (the first of a list), case-insensitive keys, = or :, comments', () => {
    const text = CFG.replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: USER')
      .replace('Bandwidth : 6', 'bandwidth = 7, 9')
      .replace('[general]', '# a comment\n; another\n[general]')
      .replace('ArrayHeight:', 'ARRAYHEIGHT =');
    expect(parseScaleSimConfig(text)).toMatchObject({ interfaceBandwidth: 'USER', bandwidth: 7, bandwidths: [7, 9], rows: 8, cols: 4 });
  });

  it('names the key and the problem', () => {
    expect(inputError(() => parseScaleSimConfig(CFG.replace('ArrayHeight:    8\n', ''))).field).toBe('[architecture_presets] ArrayHeight');
    const nonInt = inputError(() => parseScaleSimConfig(CFG.replace('ArrayWidth:     4', 'ArrayWidth: 4.5')));
    expect(nonInt.field).toBe('[architecture_presets] ArrayWidth (line 6)');
    expect(nonInt.message).toMatch(/expected an integer, got "4.5"/);
    expect(inputError(() => parseScaleSimConfig(CFG.replace('OfmapSramSzkB:    1', 'OfmapSramSzkB: 0'))).message).toMatch(/positive/);
    expect(inputError(() => parseScaleSimConfig(CFG.replace('Dataflow : ws', 'Dataflow : rs'))).message).toMatch(
      /expected os, ws or is, got "rs"/,
    );
    expect(inputError(() => parseScaleSimConfig(CFG.replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: FAST'))).field).toMatch(
      /InterfaceBandwidth/,
    );
    const userNoBw = CFG.replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: USER').replace('Bandwidth : 6\n', '');
    expect(inputError(() => parseScaleSimConfig(userNoBw)).field).toBe('[architecture_presets] Bandwidth');
    const userBadBw = CFG.replace('InterfaceBandwidth: CALC', 'InterfaceBandwidth: USER').replace('Bandwidth : 6', 'Bandwidth : fast');
    expect(inputError(() => parseScaleSimConfig(userBadBw)).message).toMatch(/positive integers/);
    expect(inputError(() => parseScaleSimConfig(CFG.replace(/\[run_presets\][^]*$/, ''))).field).toBe('[run_presets]');
    expect(inputError(() => parseScaleSimConfig(`ArrayHeight: 8\n${CFG}`)).field).toBe('line 1');
    expect(inputError(() => parseScaleSimConfig(CFG.replace('MemoryBanks: 1', 'MemoryBanks: 1\nArrayWidth: 5'))).message).toMatch(/twice/);
    expect(inputError(() => parseScaleSimConfig(CFG.replace('MemoryBanks: 1', 'MemoryBanks 1'))).message).toMatch(/key = value/);
  });
});

const HEADER = 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n';

describe('parseScaleSimTopologyCsv', () => {
  it('imports SCALE-Sim’s mobilenet.csv as it is', () => {
    const layers = parseScaleSimTopologyCsv(fixture('topologies/mobilenet.csv'), 'mobilenet.csv');
    expect(layers).toHaveLength(27);
    expect(layers[0]).toEqual({
      name: 'Conv1',
      kind: 'conv',
      ifmapH: 224,
      ifmapW: 224,
      kernelH: 3,
      kernelW: 3,
      channels: 3,
      filters: 32,
      strideH: 2,
      strideW: 2,
      padH: 0,
      padW: 0,
    });
    expect(layers[2]).toMatchObject({ name: 'Conv3', kind: 'pointwise', channels: 32, filters: 64 });
  });

  it('takes a ninth column as the column stride, tabs/spaces around cells, no trailing newline', () => {
    const layers = parseScaleSimTopologyCsv(`${HEADER}A ,16 , 19,3,3,3, 8, 1, 2,\n\n  \nB,5,5,1,1,2,3,1,`);
    expect(layers.map((l) => (l.kind === 'gemm' ? [] : [l.name, l.strideH, l.strideW]))).toEqual([
      ['A', 1, 2],
      ['B', 1, 1],
    ]);
  });

  it('expands DP rows into one single-channel layer per channel, as SCALE-Sim does', () => {
    const layers = parseScaleSimTopologyCsv(`${HEADER}DPConv, 10, 10, 3, 3, 3, 1, 1,\n`);
    expect(layers.map((l) => l.name)).toEqual(['DPConvChannel_0', 'DPConvChannel_1', 'DPConvChannel_2']);
    expect(layers.every((l) => l.kind === 'conv' && l.channels === 1 && l.filters === 1)).toBe(true);
  });

  it('reads the GEMM (M, N, K) format, detected from its header or forced', () => {
    expect(parseScaleSimTopologyCsv(fixture('topologies/test_mnk_input.csv'))).toEqual([
      { name: 'Test 1', kind: 'gemm', m: 128, k: 256, n: 64 },
    ]);
    expect(parseScaleSimTopologyCsv('whatever\nG, 2, 3, 4,\n', 'g.csv', { format: 'gemm' })).toEqual([
      { name: 'G', kind: 'gemm', m: 2, k: 4, n: 3 },
    ]);
  });

  it('names the line and the column of a bad cell', () => {
    const missing = inputError(() => parseScaleSimTopologyCsv(`${HEADER}Conv1, 224, 224, 3, 3, 3, 32,\n`, 'net.csv'));
    expect(missing.field).toBe('net.csv line 2, column "Strides"');
    expect(missing.message).toMatch(/missing/);

    const text = inputError(() =>
      parseScaleSimTopologyCsv(`${HEADER}Conv1, 224, 224, 3, 3, 3, 32, 1,\nConv2, 112, x12, 3, 3, 3, 32, 1,\n`, 'net.csv'),
    );
    expect(text.field).toBe('net.csv line 3, column "IFMAP Width"');
    expect(text.message).toMatch(/expected an integer, got "x12"/);

    expect(inputError(() => parseScaleSimTopologyCsv(`${HEADER}C, 8, 8, 3, 3, 0, 4, 1,\n`)).field).toMatch(/column "Channels"/);
    expect(inputError(() => parseScaleSimTopologyCsv(`${HEADER}C, 8, 8, 3, 3, 2, 4, 0,\n`)).message).toMatch(/positive/);
    expect(inputError(() => parseScaleSimTopologyCsv(`${HEADER}C, 8, 8, 3, 3, 2, 4, 1, -1,\n`)).field).toMatch(/Stride width/);

    const tooBig = inputError(() => parseScaleSimTopologyCsv(`${HEADER}C, 8, 4, 3, 5, 2, 4, 1,\n`));
    expect(tooBig.field).toMatch(/column "Filter Width"/);
    expect(tooBig.message).toMatch(/filter width 5 is larger than the IFMAP width 4/);

    expect(inputError(() => parseScaleSimTopologyCsv(HEADER, 'empty.csv')).message).toMatch(/no layers/);
    expect(inputError(() => parseScaleSimTopologyCsv('Layer, M, N, K,\nG, 2, 3,\n')).field).toMatch(/column "K"/);
    expect(inputError(() => parseScaleSimTopologyCsv(`${HEADER} , 8, 8, 3, 3, 2, 4, 1,\n`)).field).toMatch(/Layer name/);
  });
});
