import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildNetwork, modelStats } from '@fuselab/fuseconv';
import { writeImageFolder } from '../helpers/image-folder.js';
import { runCli, runJson } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'fuselab-score-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An image folder of three classes (4 train, 2 test images each, 8×8 px, one grey level per image). */
function threeClassFolder(): string {
  return writeImageFolder(join(root, 'folder'), {
    classes: ['dark', 'mid', 'light'],
    train: 4,
    test: 2,
    level: (c, i) => 20 + 100 * c + i,
  });
}

interface ScoreJson {
  network: string;
  operators: string[];
  scores: Record<string, number>;
}

const SMALL = ['--network', 'mobilenet_v3_small', '--batch', '4'];

describe('fuselab score', () => {
  test('the contract shape; params and macs equal fuseconv counts of the same spec; proxies finite', () => {
    const out = runJson<ScoreJson>([
      'score',
      ...SMALL,
      '--variant',
      'fuse_half',
      '--proxies',
      'params,macs,naswot,zen',
      '--dataset',
      'synthetic',
    ]);
    expect(Object.keys(out)).toEqual(['network', 'operators', 'scores']);
    expect(Object.keys(out.scores)).toEqual(['params', 'macs', 'naswot', 'zen']);
    // The CLI's default stem for 32 px inputs is cifar (fuseconv's defaultStem).
    const stats = modelStats(
      buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 10, stem: 'cifar' }),
    );
    expect(out.scores.params).toBe(stats.params);
    expect(out.scores.macs).toBe(stats.macs);
    expect(out.operators).toHaveLength(11);
    expect(out.operators.every((op) => op === 'fuse_half')).toBe(true);
    expect(Number.isFinite(out.scores.naswot)).toBe(true);
    expect(Number.isFinite(out.scores.zen)).toBe(true);
  }, 180_000);

  test('per-block operators on Fashion-MNIST (padded to 32×32): labelled proxies, reproducible from the seed', () => {
    const operators = ['dw', 'fuse_full', 'dw', 'fuse_half', 'dw', 'dw', 'fuse_full', 'dw', 'dw', 'fuse_half', 'dw'];
    const args = [
      'score',
      ...SMALL,
      '--operators',
      operators.join(','),
      '--proxies',
      'snip,grad_norm,jacob_cov',
      '--dataset',
      'fashion-mnist',
      '--seed',
      '3',
      '--json',
    ];
    const a = runCli(args);
    expect(a.status).toBe(0);
    expect(runCli(args).stdout).toBe(a.stdout);
    const out = JSON.parse(a.stdout) as ScoreJson;
    expect(out.operators).toEqual(operators);
    for (const name of ['snip', 'grad_norm', 'jacob_cov']) expect(Number.isFinite(out.scores[name]), name).toBe(true);
    expect(out.scores.snip).toBeGreaterThan(0);
  }, 300_000);

  test('--data names the files (the contract’s flag): the default Fashion-MNIST directory gives the same scores as no flag', () => {
    const args = ['score', ...SMALL, '--variant', 'fuse_full', '--proxies', 'params,snip', '--dataset', 'fashion-mnist', '--json'];
    const implicit = runCli(args);
    expect(implicit.status).toBe(0);
    const explicit = runCli([...args, '--data', '/usr/share/datasets/fashion-mnist']);
    expect(explicit.stdout).toBe(implicit.stdout);
  }, 180_000);

  test('an image folder: its images resized to --input, the network’s head as wide as its classes', () => {
    const out = runJson<ScoreJson>([
      'score',
      ...SMALL,
      '--variant',
      'fuse_half',
      '--proxies',
      'params,snip',
      '--dataset',
      'folder',
      '--data',
      threeClassFolder(),
    ]);
    const stats = modelStats(
      buildNetwork({ network: 'mobilenet_v3_small', variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 3, stem: 'cifar' }),
    );
    expect(out.scores.params).toBe(stats.params);
    expect(out.scores.snip).toBeGreaterThan(0);
  }, 180_000);

  test.each([
    [['--variant', 'fuse_half', '--proxies', 'snip,entropy', '--dataset', 'synthetic'], /^fuselab: --proxies: unknown proxy "entropy"/],
    [
      ['--variant', 'fuse_half', '--proxies', 'naswot,snip', '--dataset', 'noise'],
      /^fuselab: --proxies: snip needs labels .* this data set has none/,
    ],
    [['--proxies', 'params', '--dataset', 'synthetic'], /^fuselab: --variant: give either --variant or --operators/],
    [
      ['--variant', 'fuse_half', '--operators', 'dw', '--proxies', 'params', '--dataset', 'synthetic'],
      /^fuselab: --variant: give either --variant or --operators/,
    ],
    [
      ['--operators', 'dw,fuse_full', '--proxies', 'params', '--dataset', 'synthetic'],
      /^fuselab: --operators: .*11 searchable blocks, got 2/,
    ],
    [['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'cifar100'], /^fuselab: --dataset: unknown data set "cifar100"/],
    [
      ['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'fashion-mnist', '--input', '16'],
      /^fuselab: --input: fashion-mnist images are 28×28, larger than 16×16/,
    ],
    [
      ['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'synthetic', '--data', '/tmp'],
      /^fuselab: --data: not used with --dataset synthetic/,
    ],
    [['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'folder'], /^fuselab: --data: needed with --dataset folder/],
    [
      ['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'cifar10', '--data', '/nonexistent/cifar'],
      /^fuselab: --data: .*\/nonexistent\/cifar/,
    ],
    [
      ['--variant', 'fuse_half', '--proxies', 'params', '--dataset', 'fashion-mnist', '--data', '/a', '--data-dir', '/b'],
      /^fuselab: --data: give --data or --data-dir, not both/,
    ],
  ])('bad input %j → one line naming the flag, exit 2', (args, message) => {
    const run = runCli(['score', ...SMALL, ...args, '--json']);
    expect(run.stderr).toMatch(message);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
