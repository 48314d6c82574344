/**
 * Accuracy parity with PyTorch: the same network (one fuseconv NetworkSpec, handed to the PyTorch
 * peer as JSON, so both sides build the same layers by construction; parameter counts checked
 * equal), the same recipe (`fuselab train`'s defaults) and the same images, over several seeds.
 * Prints, per variant, each side's mean ± sd of the test accuracy, the difference of means and its
 * standard error.
 *
 *   node --import tsx bench/parity.ts [--network mobilenet_v2] [--width 0.25] [--variants baseline,fuse_half,fuse_full]
 *        [--seeds 1-6] [--limit 4000] [--epochs 1] [--batch 64] [--init pytorch|reference] [--stem imagenet|cifar]
 *        [--backend auto] [--threads 0]
 *        [--side both|fuselab|torch] [--data-dir /usr/share/datasets/fashion-mnist] [--python /usr/bin/python3] [--json]
 *
 * As `fuselab train --limit N` does, the first N training images and the first N test images are used.
 * `--threads 0` leaves PyTorch at its default thread count. `--init` (default nos' DEFAULT_INIT) picks
 * the PyTorch initialisation both sides reproduce: `pytorch` (nn.Conv2d / nn.Linear defaults) or
 * `reference` (the FuSeConv reference's Kaiming-normal fan-out).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { buildNetwork, isStemName, STEMS, type NetworkName, type NetworkSpec, type StemName, type VariantName } from '@fuselab/fuseconv';
import { countTrainableParams } from '@fuselab/fuseconv/tfjs';

import {
  DEFAULT_INIT,
  type InitScheme,
  type BackendPreference,
  type ImageDataset,
  MNIST_FILES,
  loadIdxDataset,
  modelFromSpec,
  selectBackend,
  takeFirst,
  train,
} from '../src/index.js';

import { CLI_RECIPE } from './cli-recipe.js';

export { CLI_RECIPE };

const here = path.dirname(fileURLToPath(import.meta.url));

export interface SeedResult {
  seed: number;
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  seconds: number;
  imagesPerSec: number;
}

export interface ParityOptions {
  network: NetworkName;
  width: number;
  variants: VariantName[];
  seeds: number[];
  limit: number;
  epochs: number;
  batch: number;
  dataDir: string;
  python: string;
  threads: number;
  /** The PyTorch initialisation both sides use. */
  init: InitScheme;
  /** The network's stem (default `imagenet`, the network; `fuselab train` picks `cifar` at 28 px). */
  stem?: StemName;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const fail = (msg: string): never => {
  log(msg);
  process.exit(2);
};

async function loadSplit(dir: string, split: 'train' | 'test', limit: number): Promise<ImageDataset> {
  const read = (f: string) => ({ file: path.join(dir, f), bytes: new Uint8Array(readFileSync(path.join(dir, f))) });
  const files = MNIST_FILES[split];
  const ds = await loadIdxDataset({ images: read(files.images), labels: read(files.labels), name: `fashion-mnist/${split}` });
  return takeFirst(ds, Math.min(limit, ds.count));
}

export function specFor(o: Pick<ParityOptions, 'network' | 'width' | 'stem'>, variant: VariantName): NetworkSpec {
  return buildNetwork({ network: o.network, variant, width: o.width, inputSize: 28, numClasses: 10, stem: o.stem ?? 'imagenet' });
}

/** Trains the spec with fuselab (the current tfjs backend) once per seed. */
export async function runFuselab(
  spec: NetworkSpec,
  o: ParityOptions,
  data: { train: ImageDataset; test: ImageDataset },
): Promise<{ params: number; runs: SeedResult[] }> {
  const probe = modelFromSpec(spec, { seed: 1, init: o.init });
  const params = countTrainableParams(probe.model);
  probe.model.dispose();
  const runs: SeedResult[] = [];
  for (const seed of o.seeds) {
    const r = await train({
      model: { spec, init: o.init },
      train: data.train,
      test: data.test,
      epochs: o.epochs,
      batchSize: o.batch,
      seed,
      optimizer: { kind: 'sgd', momentum: CLI_RECIPE.momentum },
      learningRate: CLI_RECIPE.learningRate,
      schedule: { kind: 'cosine' },
      weightDecay: CLI_RECIPE.weightDecay,
    });
    runs.push({
      seed,
      testAccuracy: r.testAccuracy ?? Number.NaN,
      testLoss: r.testLoss ?? Number.NaN,
      trainLoss: r.trainLoss,
      seconds: r.seconds,
      imagesPerSec: r.trainImagesPerSec,
    });
    log(
      `  fuselab ${spec.variant} seed ${seed}: test accuracy ${r.testAccuracy?.toFixed(4)} (${r.seconds.toFixed(1)} s, ${r.trainImagesPerSec.toFixed(0)} images/s)`,
    );
  }
  return { params, runs };
}

/** Runs the PyTorch peer (torch_parity.py) on the same spec, as a subprocess. */
export async function runTorch(
  spec: NetworkSpec,
  o: ParityOptions,
  /** More keys of torch_parity.py's config (imageFolderCache, ghostShares). */
  extra: Record<string, unknown> = {},
): Promise<{ params: number; threads: number; torch: string; runs: SeedResult[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fuselab-parity-'));
  const cfgFile = path.join(dir, 'config.json');
  writeFileSync(
    cfgFile,
    JSON.stringify({
      spec,
      seeds: o.seeds,
      dataDir: o.dataDir,
      trainLimit: o.limit,
      testLimit: o.limit,
      epochs: o.epochs,
      batch: o.batch,
      learningRate: CLI_RECIPE.learningRate,
      momentum: CLI_RECIPE.momentum,
      weightDecay: CLI_RECIPE.weightDecay,
      evalBatch: 256,
      threads: o.threads,
      init: o.init,
      ...extra,
    }),
  );
  try {
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(o.python, [path.join(here, 'torch_parity.py'), cfgFile], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          lines.push(line);
          const r = JSON.parse(line) as Partial<SeedResult>;
          if (r.seed !== undefined)
            log(
              `  pytorch ${spec.variant} seed ${r.seed}: test accuracy ${r.testAccuracy?.toFixed(4)} (${r.seconds?.toFixed(1)} s, ${r.imagesPerSec?.toFixed(0)} images/s)`,
            );
        }
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${o.python} torch_parity.py exited with ${code}`))));
    });
    const [head, ...rest] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    return {
      params: head!['params'] as number,
      threads: head!['threads'] as number,
      torch: head!['torch'] as string,
      runs: rest as unknown as SeedResult[],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Summary {
  n: number;
  mean: number;
  sd: number;
}

export function summarise(values: number[]): Summary {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd };
}

/** Standard error of the difference of two independent means. */
export function diffStandardError(a: Summary, b: Summary): number {
  return Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n);
}

export function parseSeeds(s: string): number[] {
  return s.split(',').flatMap((part) => {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
    return [Number(part)];
  });
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      network: { type: 'string', default: 'mobilenet_v2' },
      width: { type: 'string', default: '0.25' },
      variants: { type: 'string', default: 'baseline,fuse_half,fuse_full' },
      seeds: { type: 'string', default: '1-6' },
      limit: { type: 'string', default: '4000' },
      epochs: { type: 'string', default: '1' },
      batch: { type: 'string', default: '64' },
      backend: { type: 'string', default: 'auto' },
      threads: { type: 'string', default: '0' },
      init: { type: 'string', default: DEFAULT_INIT },
      stem: { type: 'string', default: 'imagenet' },
      side: { type: 'string', default: 'both' },
      'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
      python: { type: 'string', default: '/usr/bin/python3' },
      json: { type: 'boolean', default: false },
    },
  });
  const o: ParityOptions = {
    network: a.network as NetworkName,
    width: Number(a.width),
    variants: a.variants!.split(',') as VariantName[],
    seeds: parseSeeds(a.seeds!),
    limit: Number(a.limit),
    epochs: Number(a.epochs),
    batch: Number(a.batch),
    dataDir: a['data-dir']!,
    python: a.python!,
    threads: Number(a.threads),
    init: a.init as InitScheme,
    stem: isStemName(a.stem) ? a.stem : fail(`--stem: expected one of ${STEMS.join(', ')}, got "${a.stem}"`),
  };
  const side = a.side!;
  const selection = await selectBackend(a.backend as BackendPreference);
  log(`backend: ${selection.name} (${selection.reason})`);
  const data = { train: await loadSplit(o.dataDir, 'train', o.limit), test: await loadSplit(o.dataDir, 'test', o.limit) };
  const rows = [];
  for (const variant of o.variants) {
    const spec = specFor(o, variant);
    const ours = side === 'torch' ? undefined : await runFuselab(spec, o, data);
    const peer = side === 'fuselab' ? undefined : await runTorch(spec, o);
    if (ours && peer && ours.params !== peer.params)
      throw new Error(`${variant}: parameter counts differ (fuselab ${ours.params}, PyTorch ${peer.params})`);
    const f = ours && summarise(ours.runs.map((r) => r.testAccuracy));
    const t = peer && summarise(peer.runs.map((r) => r.testAccuracy));
    rows.push({
      variant,
      params: ours?.params ?? peer?.params,
      fuselab: f,
      pytorch: t,
      difference: f && t ? f.mean - t.mean : undefined,
      standardError: f && t ? diffStandardError(f, t) : undefined,
      torchThreads: peer?.threads,
      runs: { fuselab: ours?.runs, pytorch: peer?.runs },
    });
  }
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ options: o, backend: selection.name, rows })}\n`);
    return;
  }
  const pct = (s: Summary | undefined) => (s === undefined ? '—' : `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}`);
  console.log(
    `${o.network} width ${o.width}, ${o.stem} stem, Fashion-MNIST 28×28, first ${o.limit} train / ${o.limit} test images, ${o.epochs} epoch(s), batch ${o.batch}, SGD ${CLI_RECIPE.learningRate} momentum ${CLI_RECIPE.momentum} cosine, wd ${CLI_RECIPE.weightDecay}; init ${o.init}; seeds ${o.seeds.join(',')}; fuselab on ${selection.name}`,
  );
  console.log('');
  console.log('| variant | params | fuselab acc % (mean ± sd) | PyTorch acc % (mean ± sd) | difference (pts) | s.e. of difference |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const d = r.difference === undefined ? '—' : `${r.difference >= 0 ? '+' : ''}${(100 * r.difference).toFixed(1)}`;
    const se = r.standardError === undefined ? '—' : (100 * r.standardError).toFixed(1);
    console.log(`| ${r.variant} | ${r.params} | ${pct(r.fuselab)} | ${pct(r.pytorch)} | ${d} | ${se} |`);
  }
}

// Run as a script (ghost-bn.ts imports its peer runner).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
