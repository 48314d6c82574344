/**
 * `fuselab sim topology` on SCALE-Sim's own input files against SCALE-Sim v2's own reports
 * (libs/systolic-sim/fixtures/scalesim: see its README for how they were produced).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScaleSimReports } from '../../libs/systolic-sim/bench/scalesim-reports.js';
import { repoRoot, runCli, runJson } from './run-cli.js';

const fixtures = join(repoRoot, 'libs/systolic-sim/fixtures/scalesim');

describe('fuselab sim topology', () => {
  it('reproduces SCALE-Sim’s compute and access reports for mobilenet.csv on scale.cfg', () => {
    const { layers } = runJson<{ layers: Array<Record<string, number | string>> }>([
      'sim',
      'topology',
      '--topology',
      join(fixtures, 'topologies/mobilenet.csv'),
      '--config',
      join(fixtures, 'configs/scale.cfg'),
    ]);
    const expected = readScaleSimReports(join(fixtures, 'expected/scale/mobilenet'));
    expect(expected.length).toBeGreaterThan(20);
    expect(layers).toHaveLength(expected.length);
    layers.forEach((layer, i) => expect(layer, `layer ${i}`).toEqual({ name: expect.any(String), ...expected[i] }));
  });

  it('rejects a topology with a missing column or a non-numeric cell, naming it (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuselab-topo-'));
    const header = 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,';
    const cases: Array<[string, RegExp]> = [
      [`${header}\nc1, 10, 10, 3, x, 4, 8, 1,\n`, /line 2, column "Filter Width".*"x"/],
      ['Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,\nc1, 10, 10, 3, 3, 4, 8,\n', /Strides/],
      [`${header}\nc1, 4, 4, 5, 3, 4, 8, 1,\n`, /filter|kernel/i],
    ];
    cases.forEach(([text, message], index) => {
      const file = join(dir, `bad${index}.csv`);
      writeFileSync(file, text);
      const run = runCli(['sim', 'topology', '--topology', file, '--config', join(fixtures, 'configs/scale.cfg'), '--json']);
      expect(run.status, text).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  });

  it('names an unreadable file', () => {
    const run = runCli([
      'sim',
      'topology',
      '--topology',
      '/nonexistent/topo.csv',
      '--config',
      join(fixtures, 'configs/scale.cfg'),
      '--json',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--topology: cannot read "\/nonexistent\/topo.csv"/);
  });
});
