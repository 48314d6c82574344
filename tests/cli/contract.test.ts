/**
 * The CLI contract of docs/ARCHITECTURE.md, checked on the built CLI against the reference fixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from './run-cli.js';

const models = JSON.parse(readFileSync(new URL('../../libs/fuseconv/fixtures/reference-models.json', import.meta.url), 'utf8')) as {
  networks: Record<string, Record<string, { torchParams: number; macs: number }>>;
};
const latency = JSON.parse(readFileSync(new URL('../../libs/systolic-sim/fixtures/reference-latency.json', import.meta.url), 'utf8')) as {
  networks: Record<string, Record<string, Record<string, Record<string, { total: number }>>>>;
};

describe('fuselab model stats', () => {
  it('prints params and MACs equal to the reference PyTorch model', () => {
    const stats = runJson<Record<string, unknown>>(['model', 'stats', '--network', 'mobilenet_v2', '--variant', 'fuse_half']);
    expect(stats).toMatchObject({
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      params: models.networks.mobilenet_v2!.fuse_half!.torchParams,
      macs: models.networks.mobilenet_v2!.fuse_half!.macs,
    });
  });

  it('honours --classes', () => {
    const ten = runJson<{ params: number }>(['model', 'stats', '--network', 'mobilenet_v2', '--variant', 'baseline', '--classes', '10']);
    const thousand = runJson<{ params: number }>(['model', 'stats', '--network', 'mobilenet_v2', '--variant', 'baseline']);
    // Only the classifier changes: 1280 × (1000 − 10) weights and 990 biases fewer.
    expect(thousand.params - ten.params).toBe(1281 * 990);
  });
});

describe('fuselab sim network', () => {
  it('prints the contract fields with per-layer cycles summing to the total', () => {
    const result = runJson<{
      network: string;
      variant: string;
      rows: number;
      cols: number;
      model: string;
      hardware: string;
      totalCycles: number;
      layers: Array<{ name: string; kind: string; cycles: number }>;
    }>(['sim', 'network', '--network', 'mnasnet_b1', '--variant', 'fuse_full', '--array', '32x32']);
    expect(result).toMatchObject({ network: 'mnasnet_b1', variant: 'fuse_full', rows: 32, cols: 32, model: 'reference', hardware: 'fuse' });
    expect(result.totalCycles).toBe(latency.networks.mnasnet_b1!.fuse_full!.fuse!['32x32']!.total);
    expect(result.layers.reduce((sum, layer) => sum + layer.cycles, 0)).toBe(result.totalCycles);
    expect(result.layers[0]).toEqual(expect.objectContaining({ name: expect.any(String), kind: 'conv', cycles: expect.any(Number) }));
  });

  it('runs a FuSe variant on plain hardware when asked', () => {
    const result = runJson<{ hardware: string; totalCycles: number }>([
      'sim',
      'network',
      '--network',
      'mobilenet_v1',
      '--variant',
      'fuse_half',
      '--array',
      '16x64',
      '--hardware',
      'plain',
    ]);
    expect(result.hardware).toBe('plain');
    expect(result.totalCycles).toBe(latency.networks.mobilenet_v1!.fuse_half!.plain!['16x64']!.total);
  });

  it('times with the stos model and reports its breakdown', () => {
    const result = runJson<{
      model: string;
      totalCycles: number;
      layers: Array<{ cycles: number; breakdown: { load: number; compute: number; psum: number; flush: number } }>;
    }>(['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'fuse_half', '--array', '64x64', '--model', 'stos']);
    expect(result.model).toBe('stos');
    for (const layer of result.layers) {
      const { load, compute, psum, flush } = layer.breakdown;
      expect(load + compute + psum + flush).toBe(layer.cycles);
    }
  });

  it('times with the scalesim model and carries SCALE-Sim’s per-layer report', () => {
    const result = runJson<{ model: string; totalCycles: number; layers: Array<{ cycles: number; scalesim: Record<string, number> }> }>([
      'sim',
      'network',
      '--network',
      'mobilenet_v3_small',
      '--variant',
      'baseline',
      '--array',
      '32x32',
      '--model',
      'scalesim',
    ]);
    expect(result.model).toBe('scalesim');
    expect(result.layers.reduce((sum, layer) => sum + layer.cycles, 0)).toBe(result.totalCycles);
    for (const layer of result.layers) {
      expect(Object.keys(layer.scalesim).sort()).toEqual([
        'computeUtil',
        'dramFilterReads',
        'dramIfmapReads',
        'dramOfmapWrites',
        'mappingEfficiency',
        'overallUtil',
        'sramFilterReads',
        'sramIfmapReads',
        'sramOfmapWrites',
        'stallCycles',
      ]);
      expect(layer.scalesim.overallUtil).toBeLessThanOrEqual(100);
    }
  });
});

describe('fuselab sim sweep', () => {
  it('sweeps all networks × variants × arrays with the reference totals', () => {
    const rows = runJson<Array<{ network: string; variant: string; rows: number; cols: number; totalCycles: number }>>([
      'sim',
      'sweep',
      '--networks',
      'all',
      '--variants',
      'all',
      '--arrays',
      '8,16,32,64,128,256',
    ]);
    expect(rows).toHaveLength(5 * 5 * 6);
    for (const row of rows) {
      const expected =
        latency.networks[row.network]![row.variant]![row.variant === 'baseline' ? 'plain' : 'fuse']![`${row.rows}x${row.cols}`]!.total;
      expect(row.totalCycles, `${row.network} ${row.variant} ${row.rows}`).toBe(expected);
    }
  });

  it('accepts lists and non-square arrays', () => {
    const rows = runJson<Array<{ network: string; rows: number; cols: number }>>([
      'sim',
      'sweep',
      '--networks',
      'mobilenet_v2,mnasnet_b1',
      '--variants',
      'baseline',
      '--arrays',
      '16x64,64x16',
    ]);
    expect(rows.map((row) => [row.network, row.rows, row.cols])).toEqual([
      ['mobilenet_v2', 16, 64],
      ['mobilenet_v2', 64, 16],
      ['mnasnet_b1', 16, 64],
      ['mnasnet_b1', 64, 16],
    ]);
  });
});

describe('fuselab table', () => {
  it('rebuilds the paper table with speed-ups from the reference model and the published figures beside them', () => {
    const table = runJson<{
      variants: Array<{ variant: string; params: number; speedup: number; published: { paramsM: number; speedup: number } }>;
    }>(['table', '--network', 'mobilenet_v2', '--array', '64x64']);
    expect(table.variants.map((row) => row.variant)).toEqual(['baseline', 'fuse_full', 'fuse_half', 'fuse_full_50', 'fuse_half_50']);
    const base = latency.networks.mobilenet_v2!.baseline!.plain!['64x64']!.total;
    for (const row of table.variants) {
      const fuse = latency.networks.mobilenet_v2![row.variant]![row.variant === 'baseline' ? 'plain' : 'fuse']!['64x64']!.total;
      expect(row.speedup).toBeCloseTo(base / fuse, 12);
      // The paper truncates params to two decimals.
      expect(Math.floor(row.params / 1e4) / 100).toBe(row.published.paramsM);
    }
  });

  it('prints a human table by default', () => {
    const run = runCli(['table', '--network', 'mobilenet_v3_small', '--array', '64x64']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/fuse_half_50/);
    expect(run.stdout).toMatch(/4\.16x/); // the published speed-up of fuse_half beside ours
  });
});

describe('bad input: one line naming the problem, exit 2, nothing on stdout', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown network', ['model', 'stats', '--network', 'resnet', '--variant', 'baseline'], /--network: unknown network "resnet"/],
    [
      'unknown variant',
      ['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'fuse_quarter', '--array', '8x8'],
      /--variant: unknown variant "fuse_quarter"/,
    ],
    ['malformed RxC', ['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'baseline', '--array', '64by64'], /--array: .*RxC/],
    ['non-positive array', ['sim', 'sweep', '--arrays', '0,8'], /--arrays: .*positive/],
    [
      'non-positive input size',
      ['model', 'stats', '--network', 'mobilenet_v2', '--variant', 'baseline', '--input', '0'],
      /--input: expected a positive integer/,
    ],
    [
      'non-positive classes',
      ['model', 'stats', '--network', 'mobilenet_v2', '--variant', 'baseline', '--classes', '-3'],
      /--classes: expected a positive integer/,
    ],
    [
      'unknown model',
      ['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'baseline', '--array', '8x8', '--model', 'magic'],
      /--model: unknown timing model "magic"/,
    ],
    [
      'unknown option',
      ['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'baseline', '--array', '8x8', '--colour'],
      /unknown option '--colour'/,
    ],
    ['missing option', ['table'], /required option '--network/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const run = runCli([...args, '--json']);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  }
});
