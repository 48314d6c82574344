/**
 * What ghost batch norm costs in PyTorch: the same CIFAR-style network and recipe trained with
 * BatchNorm over the whole batch and over `--shares` shares of it (torch_parity.py's
 * `ghostShares`, what fuselab's `replicas` and DistributedDataParallel without SyncBatchNorm do),
 * paired over the seeds: the peer for what fuselab's `--replicas 2` costs in accuracy (libs/nos
 * README, "What ghost batch norm costs" — over 16 seeds, nothing measurable on either side).
 *
 *   node --import tsx bench/ghost-bn.ts --cache FILE [--network mobilenet_v2] [--variant baseline]
 *        [--width 0.25] [--seeds 1-4] [--limit 4000] [--epochs 4] [--batch 64] [--shares 2]
 *        [--threads 0] [--python /usr/bin/python3]
 *
 * FILE is the decode cache fuselab writes for an image-folder data set (`.fuselab/cache/
 * image-folder-*-32.bin` after e.g. `fuselab train --dataset folder --data cifar10-jpeg.tar.gz
 * --limit 64 --epochs 1`): the first `--limit` training and test images of it, as `--limit` takes
 * them.
 */
import { parseArgs } from 'node:util';

import { buildNetwork, type NetworkName, type VariantName } from '@fuselab/fuseconv';

import { DEFAULT_INIT } from '../src/index.js';
import { parseSeeds, runTorch, summarise, type ParityOptions } from './parity.js';

const { values: a } = parseArgs({
  options: {
    cache: { type: 'string' },
    network: { type: 'string', default: 'mobilenet_v2' },
    variant: { type: 'string', default: 'baseline' },
    width: { type: 'string', default: '0.25' },
    seeds: { type: 'string', default: '1-4' },
    limit: { type: 'string', default: '4000' },
    epochs: { type: 'string', default: '4' },
    batch: { type: 'string', default: '64' },
    shares: { type: 'string', default: '2' },
    threads: { type: 'string', default: '0' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
if (!a.cache) throw new Error('--cache: the image-folder cache file to train on is required');
const variant = a.variant as VariantName;
const o: ParityOptions = {
  network: a.network as NetworkName,
  width: Number(a.width),
  variants: [variant],
  seeds: parseSeeds(a.seeds!),
  limit: Number(a.limit),
  epochs: Number(a.epochs),
  batch: Number(a.batch),
  dataDir: '',
  python: a.python!,
  threads: Number(a.threads),
  init: DEFAULT_INIT,
};
const shares = Number(a.shares);
const spec = buildNetwork({ network: o.network, variant, width: o.width, inputSize: 32, numClasses: 10, stem: 'cifar' });
const whole = await runTorch(spec, o, { imageFolderCache: a.cache, ghostShares: 1 });
const ghost = await runTorch(spec, o, { imageFolderCache: a.cache, ghostShares: shares });

const pct = (v: number) => (100 * v).toFixed(2);
const accuracies = (runs: typeof whole.runs) => runs.map((r) => r.testAccuracy);
const w = summarise(accuracies(whole.runs));
const g = summarise(accuracies(ghost.runs));
const paired = summarise(whole.runs.map((r, i) => r.testAccuracy - ghost.runs[i]!.testAccuracy));
console.log(
  `ghost batch norm in PyTorch ${whole.torch} (${whole.threads} threads): ${o.network} ${variant} w${o.width} cifar stem, ` +
    `${o.limit} images, ${o.epochs} epochs, batch ${o.batch}, seeds ${o.seeds.join(',')}`,
);
console.log('| BatchNorm over | test accuracy per seed (%) | mean | sd |');
console.log('|---|---|---:|---:|');
console.log(`| the batch (${o.batch}) | ${accuracies(whole.runs).map(pct).join(' / ')} | ${pct(w.mean)} | ${pct(w.sd)} |`);
console.log(
  `| ${shares} shares (${Math.floor(o.batch / shares)}) | ${accuracies(ghost.runs).map(pct).join(' / ')} | ${pct(g.mean)} | ${pct(g.sd)} |`,
);
console.log(
  `cost of ghost batch norm: ${pct(paired.mean)} points, paired over the seeds ± ${pct(paired.sd / Math.sqrt(paired.n))} (standard error)`,
);
