/**
 * `fuselab train --dataset folder` on the built CLI: a tiny PNG folder trains (and its second run
 * reads the decode cache), and bad folders or flags give one line naming the file or flag, exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImageFolder } from '../helpers/image-folder.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'fuselab-train-folder-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Two classes (dark, light), 8 train and 4 test images each, 8×8 px. */
function folder(extra: Record<string, Buffer | string> = {}): string {
  return writeImageFolder(mkdtempSync(join(root, 'data-')), {
    classes: ['dark', 'light'],
    train: 8,
    test: 4,
    level: (c, i) => (c === 0 ? 10 + i : 240 - i),
    extra,
  });
}

const train = (...args: string[]) => [
  'train',
  '--network',
  'mobilenet_v3_small',
  '--variant',
  'fuse_half',
  '--width',
  '0.25',
  '--batch',
  '4',
  '--out',
  join(root, 'ckpt'),
  ...args,
];

describe('fuselab train --dataset folder', () => {
  it('trains on a folder (cifar stem at 8 px), then reads the decode cache on a second run', () => {
    const data = folder();
    const cache = join(root, 'cache');
    const args = train('--dataset', 'folder', '--data', data, '--data-dir', cache, '--json');
    const first = runCli(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/decoding \[#+\] 100% 24\/24 images/);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ dataset: 'folder', data, inputSize: 8, numClasses: 2, stem: 'cifar', trainImages: 16, testImages: 8 });
    const second = runCli(args);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/decoding/);
  }, 300_000);

  const cases: Array<[string, string[], RegExp]> = [
    ['folder without --data', train('--dataset', 'folder'), /^fuselab: --data: the folder dataset needs/],
    ['--data on another data set', train('--dataset', 'synthetic', '--data', '/x'), /--data: only used with --dataset folder/],
    [
      '--image-size not a positive integer',
      train('--dataset', 'folder', '--data', '/x', '--image-size', '0'),
      /--image-size: expected a positive integer/,
    ],
    [
      'a missing path',
      train('--dataset', 'folder', '--data', '/no/such/data.tar.gz'),
      /\/no\/such\/data\.tar\.gz: no such file or directory/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`${what} → one line, exit 2`, () => {
      const run = runCli(args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  }

  it('a file that is not an image → one line naming it, exit 2', () => {
    const data = folder({ 'train/light/notes.txt': 'not a picture' });
    const run = runCli(train('--dataset', 'folder', '--data', data, '--data-dir', join(root, 'cache2')));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${join(data, 'train', 'light', 'notes.txt')}: not an image`);
  });
});
