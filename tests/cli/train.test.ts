/**
 * `fuselab train` on the built CLI: the synthetic set at a tiny width (seconds), real Fashion-MNIST
 * from Debian's dataset-fashion-mnist with a small --limit, KD/NOS from a teacher checkpoint, and
 * bad flags / bad files → one line, exit 2.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const out = mkdtempSync(join(tmpdir(), 'fuselab-train-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface TrainSummary {
  network: string;
  variant: string;
  operators?: string[];
  method: string;
  backend: string;
  epochs: number;
  testAccuracy: number;
  trainImagesPerSec: number;
  checkpoint: string;
  trainImages: number;
  testImages: number;
}

const tiny = [
  '--network',
  'mobilenet_v2',
  '--width',
  '0.25',
  '--dataset',
  'synthetic',
  '--epochs',
  '1',
  '--limit',
  '256',
  '--batch',
  '32',
  '--seed',
  '3',
];

function train(args: string[]): { summary: TrainSummary; stderr: string } {
  const run = runCli(['train', ...args, '--json']);
  if (run.status !== 0) throw new Error(`fuselab train exited ${run.status}: ${run.stderr}`);
  return { summary: JSON.parse(run.stdout) as TrainSummary, stderr: run.stderr };
}

const readCheckpoint = (path: string) =>
  JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    format: string;
    globalStep: number;
    weights: Array<{ data: string }>;
    meta: Record<string, unknown>;
  };

let baselineCheckpoint = '';

describe('fuselab train (synthetic, tiny width)', () => {
  it('trains in-process, logs the backend, writes the checkpoint under --out and prints the contract JSON', () => {
    const dir = join(out, 'a');
    const { summary, stderr } = train([...tiny, '--variant', 'baseline', '--out', dir]);
    expect(Object.keys(summary).slice(0, 8)).toEqual([
      'network',
      'variant',
      'method',
      'backend',
      'epochs',
      'testAccuracy',
      'trainImagesPerSec',
      'checkpoint',
    ]);
    expect(summary).toMatchObject({
      network: 'mobilenet_v2',
      variant: 'baseline',
      method: 'scratch',
      epochs: 1,
      trainImages: 256,
      testImages: 128,
    });
    expect(['tfjs-node', 'wasm', 'cpu']).toContain(summary.backend);
    expect(stderr).toContain(`backend ${summary.backend}`);
    expect(stderr).toMatch(/step 8\/8/); // 256 images / batch 32, progress on stderr
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.testAccuracy).toBeLessThanOrEqual(1);
    expect(summary.trainImagesPerSec).toBeGreaterThan(0);
    expect(summary.checkpoint.startsWith(dir)).toBe(true);
    const checkpoint = readCheckpoint(summary.checkpoint);
    expect(checkpoint).toMatchObject({
      format: 'fuselab-nos-checkpoint',
      globalStep: 8,
      meta: { network: 'mobilenet_v2', variant: 'baseline', width: 0.25, inputSize: 16, numClasses: 4, dataset: 'synthetic' },
    });
    baselineCheckpoint = summary.checkpoint;

    // Same seed → the same weights.
    const again = train([...tiny, '--variant', 'baseline', '--out', join(out, 'b')]).summary;
    expect(again.testAccuracy).toBe(summary.testAccuracy);
    expect(readCheckpoint(again.checkpoint).weights).toEqual(checkpoint.weights);
  }, 120_000);

  it('trains data-parallel with --replicas 2: reported, deterministic, and not the one-thread result', () => {
    const first = train([...tiny, '--variant', 'baseline', '--replicas', '2', '--out', join(out, 'r1')]);
    expect(first.summary).toMatchObject({ replicas: 2, trainImages: 256 });
    expect(first.stderr).toContain('batch 32 over 2 replicas');
    const again = train([...tiny, '--variant', 'baseline', '--replicas', '2', '--out', join(out, 'r2')]).summary;
    const weights = readCheckpoint(first.summary.checkpoint).weights;
    expect(readCheckpoint(again.checkpoint).weights).toEqual(weights);
    expect(weights).not.toEqual(readCheckpoint(baselineCheckpoint).weights);
    // The same run names its file the same; a run differing only in --replicas gets its own name,
    // so written into one directory neither overwrites the other (it used to).
    expect(basename(again.checkpoint)).toBe(basename(first.summary.checkpoint));
    expect(basename(first.summary.checkpoint)).not.toBe(basename(baselineCheckpoint));
  }, 120_000);

  it('keeps one checkpoint per distinct run in one --out directory', () => {
    const dir = join(out, 'shared');
    const runs = [[], ['--epochs', '2'], ['--limit', '128'], ['--batch', '16']].map(
      (extra) => train([...tiny, '--variant', 'baseline', ...extra, '--out', dir]).summary,
    );
    const names = runs.map((run) => basename(run.checkpoint));
    expect(new Set(names).size).toBe(runs.length);
    for (const name of names) expect(name).toMatch(/^mobilenet_v2-baseline-scratch-w0\.25-synthetic-s3-[0-9a-f]{8}\.ckpt\.json\.gz$/);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    // Each file still holds its own run: the 2-epoch run stepped twice as often.
    expect(readCheckpoint(runs[0]!.checkpoint).globalStep).toBe(8);
    expect(readCheckpoint(runs[1]!.checkpoint).globalStep).toBe(16);
  }, 240_000);

  it('trains with another recipe (--lr, --momentum, --weight-decay, --optimizer), reported and named apart', () => {
    const dir = join(out, 'recipe');
    const base = train([...tiny, '--variant', 'baseline', '--out', dir]).summary;
    expect(base).toMatchObject({
      hyperparameters: { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-5, schedule: 'cosine' },
    });
    // The defaults spelled out are the default run: same file, same weights.
    const spelled = train([...tiny, '--variant', 'baseline', '--optimizer', 'sgd', '--lr', '0.05', '--momentum', '0.9', '--out', dir]);
    expect(basename(spelled.summary.checkpoint)).toBe(basename(base.checkpoint));
    expect(readCheckpoint(spelled.summary.checkpoint).weights).toEqual(readCheckpoint(base.checkpoint).weights);
    const changed = train([...tiny, '--variant', 'baseline', '--lr', '0.2', '--momentum', '0.5', '--weight-decay', '0', '--out', dir]);
    expect(changed.summary).toMatchObject({
      hyperparameters: { optimizer: 'sgd', learningRate: 0.2, momentum: 0.5, weightDecay: 0 },
    });
    expect(changed.stderr).toContain('SGD lr 0.2, momentum 0.5, weight decay 0, cosine');
    const adam = train([...tiny, '--variant', 'baseline', '--optimizer', 'adam', '--out', dir]).summary;
    expect(adam).toMatchObject({ hyperparameters: { optimizer: 'adam', learningRate: 0.005, beta1: 0.9, beta2: 0.999 } });
    // Each recipe trained its own weights and kept its own file beside the others.
    const files = [base, changed.summary, adam].map((s) => basename(s.checkpoint));
    expect(new Set(files).size).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([...files].sort());
    expect(readCheckpoint(changed.summary.checkpoint).weights).not.toEqual(readCheckpoint(base.checkpoint).weights);
    expect(readCheckpoint(adam.checkpoint).weights).not.toEqual(readCheckpoint(base.checkpoint).weights);
  }, 240_000);

  it('changes the distillation knobs (--alpha, --temperature, --lambda-op, --anneal, --anneal-fraction, --fuse-init) of kd and nos', () => {
    const dir = join(out, 'knobs');
    const student = (method: string, knobs: string[]) =>
      train([...tiny, '--variant', 'fuse_half', '--method', method, '--teacher', baselineCheckpoint, ...knobs, '--out', dir]);
    const nos = student('nos', []);
    expect(nos.summary).toMatchObject({
      distill: { alpha: 0.5, temperature: 4, lambdaOp: 1, anneal: 'cosine', annealFraction: 0.5, fuseInit: 'depthwise' },
    });
    expect(nos.stderr).toContain('NOS α 0.5, T 4, λ_op 1, cosine anneal over 0.5 of the steps, seed');
    const unscaffolded = student('nos', ['--lambda-op', '0']);
    expect(unscaffolded.summary).toMatchObject({ distill: { lambdaOp: 0 } });
    const held = student('nos', ['--anneal', 'none', '--temperature', '2']);
    expect(held.stderr).toContain('NOS α 0.5, T 2, λ_op 1, no anneal');
    const seeded = student('nos', ['--fuse-init', 'seeded']);
    expect(seeded.summary).toMatchObject({ distill: { fuseInit: 'seeded' } });
    expect(seeded.stderr).toContain('cosine anneal over 0.5 of the steps, FuSe kernels seeded, seed');
    // The default spelled out is the default: same file, same weights.
    const fromDepthwise = student('nos', ['--fuse-init', 'depthwise']);
    expect(fromDepthwise.summary.checkpoint).toBe(nos.summary.checkpoint);
    const weights = [nos, unscaffolded, held, seeded, fromDepthwise].map((run) => readCheckpoint(run.summary.checkpoint).weights);
    expect(weights[1]).not.toEqual(weights[0]);
    expect(weights[2]).not.toEqual(weights[0]);
    expect(weights[3]).not.toEqual(weights[0]);
    expect(weights[4]).toEqual(weights[0]);
    // α 0 leaves only the task loss: KD trains exactly the network scratch trains (same seed, same init).
    const kd = student('kd', ['--alpha', '0']);
    expect(kd.stderr).toContain('KD α 0, T 4');
    const scratch = train([...tiny, '--variant', 'fuse_half', '--out', dir]);
    expect(readCheckpoint(kd.summary.checkpoint).weights).toEqual(readCheckpoint(scratch.summary.checkpoint).weights);
    expect(new Set(readdirSync(dir)).size).toBe(6);
  }, 300_000);

  it('trains a FuSe-half student with NOS and with KD from the baseline checkpoint', () => {
    for (const method of ['nos', 'kd']) {
      const { summary } = train([
        ...tiny,
        '--variant',
        'fuse_half',
        '--method',
        method,
        '--teacher',
        baselineCheckpoint,
        '--out',
        join(out, method),
      ]);
      expect(summary).toMatchObject({ variant: 'fuse_half', method, epochs: 1 });
      expect(readCheckpoint(summary.checkpoint).meta).toMatchObject({ variant: 'fuse_half', method });
    }
  }, 120_000);
});

// One operator per searchable block of mobilenet_v2 (17), mixed as a search's candidate would be.
const MIXED = 'dw,fuse_half,fuse_full,dw,fuse_half,dw,dw,fuse_full,fuse_half,dw,dw,fuse_half,fuse_full,dw,dw,fuse_half,dw';

describe('fuselab train --operators (a network given per block)', () => {
  it('trains it as variant custom, keeps its operators in the checkpoint, and it can be a teacher', () => {
    const { summary } = train([...tiny, '--operators', MIXED, '--out', join(out, 'custom')]);
    expect(summary).toMatchObject({ network: 'mobilenet_v2', variant: 'custom', operators: MIXED.split(','), method: 'scratch' });
    // The file name carries a hash of the operators, so two custom networks do not overwrite each other.
    expect(summary.checkpoint).toMatch(/mobilenet_v2-custom-[0-9a-f]{8}-scratch-/);
    const checkpoint = readCheckpoint(summary.checkpoint);
    expect(checkpoint.meta).toMatchObject({ variant: 'custom', operators: MIXED.split(',') });
    // The mixed network has FuSe kernels where the operators say (more weights than the baseline's dw).
    expect(checkpoint.weights.length).toBeGreaterThan(readCheckpoint(baselineCheckpoint).weights.length);
    // Its checkpoint rebuilds the same network when it teaches (meta.operators, not a named variant).
    const student = train([...tiny, '--variant', 'fuse_half', '--method', 'kd', '--teacher', summary.checkpoint, '--out', join(out, 'ck')]);
    expect(student.summary).toMatchObject({ variant: 'fuse_half', method: 'kd' });
  }, 120_000);

  it('can be a NOS student of the baseline', () => {
    const { summary } = train([
      ...tiny,
      '--operators',
      MIXED,
      '--method',
      'nos',
      '--teacher',
      baselineCheckpoint,
      '--out',
      join(out, 'cn'),
    ]);
    expect(summary).toMatchObject({ variant: 'custom', method: 'nos', epochs: 1 });
  }, 120_000);
});

describe('fuselab train (Fashion-MNIST from /usr/share/datasets/fashion-mnist)', () => {
  it('trains on the first 256 real images', () => {
    const { summary } = train([
      '--network',
      'mobilenet_v2',
      '--variant',
      'fuse_half',
      '--width',
      '0.25',
      '--dataset',
      'fashion-mnist',
      '--epochs',
      '1',
      '--limit',
      '256',
      '--out',
      join(out, 'fm'),
    ]);
    expect(summary).toMatchObject({ variant: 'fuse_half', method: 'scratch', trainImages: 256, testImages: 256 });
    expect(readCheckpoint(summary.checkpoint).meta).toMatchObject({ inputSize: 28, numClasses: 10, dataset: 'fashion-mnist' });
  }, 120_000);
});

describe('fuselab train: bad input → one line, exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'unknown dataset',
      ['--variant', 'baseline', '--network', 'mobilenet_v2', '--dataset', 'imagenet'],
      /--dataset: unknown dataset "imagenet"/,
    ],
    ['unknown method', [...tiny, '--variant', 'baseline', '--method', 'dart'], /--method: unknown training method "dart"/],
    ['zero epochs', [...tiny, '--variant', 'baseline', '--epochs', '0'], /--epochs: expected a positive integer/],
    ['negative width', [...tiny, '--variant', 'baseline', '--width', '-1'], /--width: expected a positive number/],
    ['kd without a teacher', [...tiny, '--variant', 'fuse_half', '--method', 'kd'], /--teacher: method kd needs a teacher checkpoint/],
    ['zero replicas', [...tiny, '--variant', 'baseline', '--replicas', '0'], /--replicas: expected a positive integer, got "0"/],
    [
      'more replicas than images per batch',
      [...tiny, '--variant', 'baseline', '--replicas', '33'],
      /--replicas: 33 is more than the batch of 32/,
    ],
    [
      'replicas with kd',
      [...tiny, '--variant', 'fuse_half', '--method', 'kd', '--teacher', 't.ckpt', '--replicas', '2'],
      /--replicas: data-parallel replicas train from scratch only \(method kd needs its teacher in every replica\)/,
    ],
    ['zero learning rate', [...tiny, '--variant', 'baseline', '--lr', '0'], /--lr: expected a learning rate above 0 and at most 10, got 0/],
    ['a learning rate that is not a number', [...tiny, '--variant', 'baseline', '--lr', 'fast'], /--lr: expected a number, got "fast"/],
    [
      'momentum of 1',
      [...tiny, '--variant', 'baseline', '--momentum', '1'],
      /--momentum: expected a momentum from 0 up to \(not including\) 1, got 1/,
    ],
    [
      'negative weight decay',
      [...tiny, '--variant', 'baseline', '--weight-decay', '-1e-4'],
      /--weight-decay: expected a weight decay from 0/,
    ],
    ['unknown optimizer', [...tiny, '--variant', 'baseline', '--optimizer', 'rmsprop'], /--optimizer: unknown optimizer "rmsprop"/],
    [
      'momentum with adam',
      [...tiny, '--variant', 'baseline', '--optimizer', 'adam', '--momentum', '0.5'],
      /--momentum: only used with optimizer sgd/,
    ],
    [
      'a distillation knob on a scratch run',
      [...tiny, '--variant', 'baseline', '--alpha', '0.3'],
      /--alpha: only used with method kd or nos \(this training is scratch\)/,
    ],
    [
      'a scaffold knob on a kd run',
      [...tiny, '--variant', 'fuse_half', '--method', 'kd', '--teacher', 't.ckpt', '--lambda-op', '0.1'],
      /--lambda-op: only used with method nos \(kd has no scaffold\)/,
    ],
    [
      'alpha above 1',
      [...tiny, '--variant', 'fuse_half', '--method', 'nos', '--teacher', 't.ckpt', '--alpha', '1.5'],
      /--alpha: expected a weight from 0 to 1, got 1\.5/,
    ],
    [
      'unknown anneal',
      [...tiny, '--variant', 'fuse_half', '--method', 'nos', '--teacher', 't.ckpt', '--anneal', 'step'],
      /--anneal: unknown anneal "step"/,
    ],
    [
      'a FuSe initialisation on a kd run',
      [...tiny, '--variant', 'fuse_half', '--method', 'kd', '--teacher', 't.ckpt', '--fuse-init', 'seeded'],
      /--fuse-init: only used with method nos \(kd has no scaffold\)/,
    ],
    [
      'unknown FuSe initialisation',
      [...tiny, '--variant', 'fuse_half', '--method', 'nos', '--teacher', 't.ckpt', '--fuse-init', 'centre'],
      /--fuse-init: unknown FuSe initialisation "centre", expected one of seeded, depthwise/,
    ],
    [
      'an anneal fraction without an anneal',
      [...tiny, '--variant', 'fuse_half', '--method', 'nos', '--teacher', 't.ckpt', '--anneal', 'none', '--anneal-fraction', '0.3'],
      /--anneal-fraction: anneal none keeps the scaffold weight throughout/,
    ],
    ['neither --variant nor --operators', [...tiny], /--variant: give either --variant or --operators \(one of them\)/],
    [
      'both --variant and --operators',
      [...tiny, '--variant', 'baseline', '--operators', MIXED],
      /--variant: give either --variant or --operators/,
    ],
    [
      'an unknown block operator',
      [...tiny, '--operators', MIXED.replace('fuse_full', 'conv3')],
      /--operators: item 3: unknown block operator "conv3"/,
    ],
    [
      'too few operators for the network',
      [...tiny, '--operators', 'dw,fuse_half'],
      /--operators: mobilenet_v2 has 17 searchable blocks, got 2 operators/,
    ],
    [
      'missing teacher file',
      [...tiny, '--variant', 'fuse_half', '--method', 'nos', '--teacher', '/nonexistent/t.ckpt'],
      /\/nonexistent\/t\.ckpt: cannot read the checkpoint/,
    ],
    [
      'missing data set files',
      ['--network', 'mobilenet_v2', '--variant', 'baseline', '--dataset', 'fashion-mnist', '--data-dir', '/nonexistent-dir'],
      /\/nonexistent-dir\/train-images-idx3-ubyte\.gz: cannot read the data set file/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const run = runCli(['train', ...args, '--json']);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  }

  it('a corrupt data set file → one line naming the file', () => {
    const dir = join(out, 'corrupt');
    mkdirSync(dir, { recursive: true });
    const real = '/usr/share/datasets/fashion-mnist';
    for (const file of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
      writeFileSync(join(dir, file), readFileSync(join(real, file)));
    // A truncated gzip stream.
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), readFileSync(join(real, 'train-images-idx3-ubyte.gz')).subarray(0, 5000));
    const run = runCli([
      'train',
      '--network',
      'mobilenet_v2',
      '--variant',
      'baseline',
      '--dataset',
      'fashion-mnist',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('train-images-idx3-ubyte.gz');
  });
});
