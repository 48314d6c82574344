/**
 * `fuselab supernet` as a user runs it: the output's contract, determinism of a seeded run, the
 * paths file, starting from a trained baseline, and bad input (one line naming the flag, exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli, runJson } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'fuselab-supernet-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface SupernetJson {
  network: string;
  choices: string[];
  epochs: number;
  trainImages: number;
  testImages: number;
  training: { steps: number; seconds: number; epochs: { trainLoss: number }[]; operatorCounts: Record<string, number> };
  subnets: { operators: string[]; accuracy: number; loss: number }[];
  scoreSeconds: number;
}

const TINY = ['supernet', '--network', 'mobilenet_v2', '--dataset', 'synthetic', '--limit', '128', '--batch', '32', '--recalibrate', '2'];
const PATHS_FILE = join(root, 'paths.json');
const DW = Array(17).fill('dw');
writeFileSync(PATHS_FILE, JSON.stringify([DW, DW.map((op, i) => (i % 2 ? 'fuse_half' : op)).join(',')]));

const badPaths = (name: string, content: string): string => {
  const file = join(root, name);
  writeFileSync(file, content);
  return file;
};

describe('fuselab supernet', () => {
  test('the contract shape; a seeded run repeats exactly', () => {
    const run = () => runJson<SupernetJson>([...TINY, '--epochs', '2', '--sample', '3', '--seed', '4']);
    const a = run();
    expect(Object.keys(a)).toEqual([
      'network',
      'choices',
      'width',
      'stem',
      'epochs',
      'trainImages',
      'testImages',
      'backend',
      'training',
      'subnets',
      'scoreSeconds',
    ]);
    expect(a.choices).toEqual(['dw', 'fuse_full', 'fuse_half']);
    expect(a.training.steps).toBe(8);
    expect(Object.values(a.training.operatorCounts).reduce((s, n) => s + n, 0)).toBe(8 * 17);
    expect(a.subnets).toHaveLength(3);
    for (const s of a.subnets) {
      expect(s.operators).toHaveLength(17);
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.accuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(s.loss)).toBe(true);
    }
    const b = run();
    expect(b.subnets).toEqual(a.subnets);
    expect(b.training.epochs).toEqual(a.training.epochs);
  }, 180_000);

  test('--lr, --momentum, --weight-decay train the supernet with that recipe (reported), not the default', () => {
    const run = (extra: string[]) => runJson<SupernetJson>([...TINY, '--epochs', '1', '--sample', '2', '--seed', '4', ...extra]);
    const byDefault = run([]);
    expect(byDefault.training).toMatchObject({
      hyperparameters: { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-5 },
    });
    const changed = run(['--lr', '0.2', '--momentum', '0.5', '--weight-decay', '0']);
    expect(changed.training).toMatchObject({ hyperparameters: { learningRate: 0.2, momentum: 0.5, weightDecay: 0 } });
    expect(changed.training.epochs).not.toEqual(byDefault.training.epochs);
    // The defaults spelled out are the default run.
    expect(run(['--lr', '0.05']).training.epochs).toEqual(byDefault.training.epochs);
  }, 180_000);

  test('--paths scores the listed networks in order (arrays or comma strings); --choices narrows the branches', () => {
    const out = runJson<SupernetJson>([...TINY, '--choices', 'dw,fuse_half', '--paths', PATHS_FILE]);
    expect(out.choices).toEqual(['dw', 'fuse_half']);
    expect(out.subnets.map((s) => s.operators)).toEqual([DW, DW.map((op, i) => (i % 2 ? 'fuse_half' : op))]);
    expect(out.training.operatorCounts.fuse_full).toBeUndefined();
  }, 120_000);

  test('--teacher starts the depthwise path from a trained baseline; a teacher of another width is refused', () => {
    const trained = runJson<{ checkpoint: string }>([
      'train',
      '--network',
      'mobilenet_v2',
      '--variant',
      'baseline',
      '--dataset',
      'synthetic',
      '--limit',
      '64',
      '--out',
      join(root, 'ckpt'),
    ]);
    const out = runJson<SupernetJson>([...TINY, '--paths', PATHS_FILE, '--teacher', trained.checkpoint]);
    expect(out.subnets).toHaveLength(2);
    const wrong = runCli([...TINY, '--width', '0.5', '--paths', PATHS_FILE, '--teacher', trained.checkpoint, '--json']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^fuselab: --teacher: .*checkpoint shape \[3, 3, 3, 8\] .* differs from the model's \[3, 3, 3, 16\]/);
    expect(wrong.stdout).toBe('');
  }, 180_000);

  test('--zero-cost-pt picks one operator per block, untrained (--epochs 0) or after training (then with its accuracy)', () => {
    const untrained = runJson<SupernetJson & { zeroCostPt: { path: string[]; evaluations: number; accuracy?: number } }>([
      ...TINY,
      '--epochs',
      '0',
      '--zero-cost-pt',
    ]);
    expect(untrained.training.steps).toBe(0);
    expect(untrained.subnets).toEqual([]);
    expect(untrained.zeroCostPt.path).toHaveLength(17);
    expect(untrained.zeroCostPt.evaluations).toBe(51);
    expect(untrained.zeroCostPt.accuracy).toBeUndefined();
    const trained = runJson<SupernetJson & { zeroCostPt: { path: string[]; accuracy?: number } }>([
      ...TINY,
      '--choices',
      'dw,fuse_half',
      '--zero-cost-pt',
    ]);
    expect(trained.zeroCostPt.path.every((op) => op === 'dw' || op === 'fuse_half')).toBe(true);
    expect(trained.zeroCostPt.accuracy).toBeGreaterThanOrEqual(0);
  }, 240_000);

  test('--save writes the trained supernet; --load scores with it exactly as the run that trained it', () => {
    const file = join(root, 'saved', 'supernet.bin.gz');
    const trained = runJson<SupernetJson>([...TINY, '--epochs', '2', '--sample', '2', '--seed', '3', '--save', file]);
    const loaded = runJson<SupernetJson>([...TINY, '--load', file, '--sample', '2', '--seed', '3']);
    expect(loaded.training.steps).toBe(0);
    expect(loaded.subnets).toEqual(trained.subnets);
    const other = runCli([...TINY, '--load', file, '--width', '0.5', '--sample', '1', '--json']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(
      /^fuselab: --load: .*supernet\.bin\.gz holds a supernet of .*"width":0\.25.*, this command asks for .*"width":0\.5/,
    );
    const epochs = runCli([...TINY, '--load', file, '--epochs', '2', '--sample', '1', '--json']);
    expect(epochs.stderr).toMatch(/^fuselab: --epochs: not used with --load/);
    const lr = runCli([...TINY, '--load', file, '--lr', '0.1', '--sample', '1', '--json']);
    expect(lr.stderr).toMatch(/^fuselab: --lr: not used with --load/);
    const garbage = runCli([...TINY, '--load', badPaths('garbage.bin', 'not a supernet'), '--sample', '1', '--json']);
    expect(garbage.stderr).toMatch(/^fuselab: --load: .*garbage\.bin: is not a supernet checkpoint/);
    expect(garbage.status).toBe(2);
  }, 240_000);

  test.each([
    [['--choices', 'fuse_half,fuse_full', '--sample', '2'], /^fuselab: --choices: must include dw/],
    [['--sample', '2', '--paths', PATHS_FILE], /^fuselab: --paths: give either --paths FILE or --sample N, not both/],
    [[], /^fuselab: --paths: give --paths FILE or --sample N \(the networks to score\), or --zero-cost-pt/],
    [['--epochs', '0', '--sample', '2'], /^fuselab: --epochs: scoring networks by inherited accuracy needs a trained supernet/],
    [['--epochs', '-1', '--zero-cost-pt'], /^fuselab: --epochs: expected a non-negative integer, got "-1"/],
    [['--paths', join(root, 'missing.json')], /^fuselab: --paths: cannot read .*missing\.json \(ENOENT\)/],
    [['--paths', badPaths('notjson.json', '[dw')], /^fuselab: --paths: .*notjson\.json is not JSON/],
    [['--paths', badPaths('empty.json', '[]')], /^fuselab: --paths: .*must hold a non-empty JSON array/],
    [['--paths', badPaths('short.json', '[["dw","dw"]]')], /^fuselab: --paths: .*short\.json item 1: .*17 searchable blocks, got 2/],
    [
      ['--choices', 'dw,fuse_half', '--paths', badPaths('outside.json', JSON.stringify([DW.map((op, i) => (i === 3 ? 'fuse_full' : op))]))],
      /^fuselab: --paths: .*outside\.json item 1: block 3 is fuse_full, not one of --choices dw,fuse_half/,
    ],
    [['--sample', '2', '--recalibrate', '5'], /^fuselab: --recalibrate: 5 batches of 32 need 160 images, there are 128/],
    [['--sample', '0'], /^fuselab: --sample: /],
    [['--sample', '1', '--lr', '0'], /^fuselab: --lr: expected a learning rate above 0 and at most 10, got 0/],
    [['--sample', '1', '--momentum', 'x'], /^fuselab: --momentum: expected a number, got "x"/],
    [['--load', join(root, 'missing.bin'), '--sample', '1'], /^fuselab: --load: cannot read .*missing\.bin \(ENOENT\)/],
  ])('bad input %j → one line naming the flag, exit 2', (args, message) => {
    const run = runCli([...TINY, ...args, '--json']);
    expect(run.stderr).toMatch(message);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
