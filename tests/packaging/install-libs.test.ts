/**
 * The libraries are publishable packages: packed with `npm pack` and installed into an unrelated
 * project (offline, from the tarballs alone), they work through their public entry points.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'fuselab-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('@fuselab/systolic-sim and @fuselab/fuseconv as installed packages', () => {
  it('install from their tarballs into an unrelated project and simulate a network', () => {
    npm(['pack', '-w', '@fuselab/systolic-sim', '-w', '@fuselab/fuseconv', '--pack-destination', work], repoRoot);
    const tarballs = readdirSync(work)
      .filter((file) => file.endsWith('.tgz'))
      .sort();
    expect(tarballs).toEqual(['fuselab-fuseconv-0.1.0.tgz', 'fuselab-systolic-sim-0.1.0.tgz']);

    const project = join(work, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    // --legacy-peer-deps: the tfjs peers are only needed for @fuselab/fuseconv/tfjs.
    npm(['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', ...tarballs.map((file) => join(work, file))], project);
    const packed = execFileSync('tar', ['tzf', join(work, 'fuselab-fuseconv-0.1.0.tgz')], { encoding: 'utf8' });
    expect(packed).not.toMatch(/tsbuildinfo|\.test\./);

    writeFileSync(
      join(project, 'use.mjs'),
      `import { buildNetwork, modelStats, toTopology } from '@fuselab/fuseconv';
import { makeArray, simulateNetwork } from '@fuselab/systolic-sim';
const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half' });
const result = simulateNetwork(toTopology(spec), makeArray(64, 64, { hardware: 'fuse' }), { model: 'reference' });
console.log(JSON.stringify({ params: modelStats(spec).params, totalCycles: result.totalCycles }));
`,
    );
    const output = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' })) as {
      params: number;
      totalCycles: number;
    };
    // The reference PyTorch model's parameter count and the authors' analytical total.
    const models = JSON.parse(readFileSync(join(repoRoot, 'libs/fuseconv/fixtures/reference-models.json'), 'utf8'));
    const latency = JSON.parse(readFileSync(join(repoRoot, 'libs/systolic-sim/fixtures/reference-latency.json'), 'utf8'));
    expect(output).toEqual({
      params: models.networks.mobilenet_v2.fuse_half.torchParams,
      totalCycles: latency.networks.mobilenet_v2.fuse_half.fuse['64x64'].total,
    });
  }, 120_000);
});
