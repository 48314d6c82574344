/**
 * Experiment (not a CI test): Fashion-MNIST, baseline vs FuSe-half from scratch, with KD and with
 * NOS. Prints a markdown table of test accuracy and wall time (and writes it to --out).
 *
 *   node --import tsx libs/nos/experiments/fashion-mnist-nos.ts [--network mobilenet_v2]
 *     [--width 0.35] [--input 28] [--epochs 3] [--limit 6000] [--test-limit 2000] [--batch 64]
 *     [--lr 0.01] [--seed 1] [--backend auto|wasm|cpu] [--data-dir /usr/share/datasets/fashion-mnist]
 *     [--out FILE.md]
 *
 * The baseline is trained first and is the teacher of KD and NOS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { buildNetwork, modelStats, type NetworkName } from '@fuselab/fuseconv';
import type * as tfl from '@tensorflow/tfjs-layers';

import {
  type ImageDataset,
  MNIST_FILES,
  type TrainOptions,
  type TrainResult,
  initializeFromTeacher,
  loadIdxDataset,
  modelFromSpec,
  selectBackend,
  takeFirst,
  train,
  type BackendPreference,
} from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    network: { type: 'string', default: 'mobilenet_v2' },
    width: { type: 'string', default: '0.35' },
    input: { type: 'string', default: '28' },
    epochs: { type: 'string', default: '3' },
    limit: { type: 'string', default: '6000' },
    'test-limit': { type: 'string', default: '2000' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'auto' },
    'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    out: { type: 'string' },
  },
});

const network = args.network as NetworkName;
const width = Number(args.width);
const inputSize = Number(args.input);
const epochs = Number(args.epochs);
const batchSize = Number(args.batch);
const seed = Number(args.seed);
const lr = Number(args.lr);
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

async function load(split: 'train' | 'test', limit: number): Promise<ImageDataset> {
  const dir = args['data-dir']!;
  const read = (f: string) => ({ file: join(dir, f), bytes: new Uint8Array(readFileSync(join(dir, f))) });
  const files = MNIST_FILES[split];
  const ds = await loadIdxDataset({ images: read(files.images), labels: read(files.labels), name: `fashion-mnist/${split}` });
  return padTo(takeFirst(ds, limit), inputSize);
}

/** Zero-pads 28×28 images to `size` (centred) when the network input is larger. */
function padTo(ds: ImageDataset, size: number): ImageDataset {
  if (size === ds.height) return ds;
  if (size < ds.height) throw new Error(`--input ${size} is smaller than the images (${ds.height})`);
  const off = Math.floor((size - ds.height) / 2);
  const images = new Uint8Array(ds.count * size * size);
  for (let i = 0; i < ds.count; i++) {
    for (let y = 0; y < ds.height; y++) {
      images.set(
        ds.images.subarray((i * ds.height + y) * ds.width, (i * ds.height + y + 1) * ds.width),
        i * size * size + (y + off) * size + off,
      );
    }
  }
  return { ...ds, height: size, width: size, images };
}

const backend = await selectBackend(args.backend as BackendPreference);
log(`backend: ${backend.name} (${backend.reason})`);
const trainSet = await load('train', Number(args.limit));
const testSet = await load('test', Number(args['test-limit']));
log(`data: ${trainSet.count} train, ${testSet.count} test images, ${inputSize}×${inputSize}`);

const spec = (variant: 'baseline' | 'fuse_half') => buildNetwork({ network, variant, width, inputSize, numClasses: 10 });
const common = (model: tfl.LayersModel): TrainOptions => ({
  model,
  train: trainSet,
  test: testSet,
  evalEvery: 'end',
  epochs,
  batchSize,
  seed,
  optimizer: { kind: 'adam' },
  learningRate: lr,
  schedule: { kind: 'cosine' },
  weightDecay: 5e-5,
  augment: { cropPadding: 2 },
});

interface Row {
  name: string;
  params: number;
  result: TrainResult;
}
const rows: Row[] = [];
async function run(name: string, variant: 'baseline' | 'fuse_half', options: TrainOptions): Promise<TrainResult> {
  log(`\n== ${name}`);
  const t0 = Date.now();
  let lastLog = 0;
  const result = await train(options, {
    onProgress: (e) => {
      if (e.type === 'step' && Date.now() - lastLog > 15000) {
        lastLog = Date.now();
        const extra = e.scaffoldWeight !== undefined ? ` op ${e.operatorLoss?.toFixed(4)} λ ${e.scaffoldWeight.toFixed(3)}` : '';
        log(`  step ${e.globalStep + 1}/${e.totalSteps} loss ${e.loss.toFixed(4)}${extra} ${e.imagesPerSec.toFixed(0)} img/s`);
      }
      if (e.type === 'epoch')
        log(
          `  epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(4)}${e.testAccuracy === undefined ? '' : ` test acc ${e.testAccuracy.toFixed(4)}`}`,
        );
    },
  });
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s: test accuracy ${result.testAccuracy?.toFixed(4)}`);
  rows.push({ name, params: modelStats(spec(variant)).params, result });
  return result;
}

const teacher = modelFromSpec(spec('baseline'), { seed, taps: 'operator' });
await run('baseline (depthwise separable)', 'baseline', common(teacher.model));

const scratch = modelFromSpec(spec('fuse_half'), { seed });
await run('FuSe-half, scratch', 'fuse_half', common(scratch.model));
scratch.model.dispose();

const kdStudent = modelFromSpec(spec('fuse_half'), { seed });
await run('FuSe-half, KD', 'fuse_half', { ...common(kdStudent.model), distill: { teacher: teacher.model, alpha: 0.5, temperature: 4 } });
kdStudent.model.dispose();

const nosStudent = modelFromSpec(spec('fuse_half'), { seed, taps: 'operator' });
const transfer = initializeFromTeacher(teacher.model, nosStudent.model);
log(`NOS init: ${transfer.copied.length} layers copied from the teacher, ${transfer.skipped.length} kept`);
await run('FuSe-half, NOS', 'fuse_half', {
  ...common(nosStudent.model),
  nos: { teacher: teacher.model, alpha: 0.5, temperature: 4, lambdaOp: 1, anneal: { kind: 'cosine', fraction: 0.5 } },
});

const header = [
  `Fashion-MNIST, ${network} width ${width}, input ${inputSize}, ${trainSet.count} train / ${testSet.count} test images, ` +
    `${epochs} epochs, batch ${batchSize}, Adam lr ${lr} cosine, seed ${seed}, backend ${backend.name}${backend.threads === undefined ? '' : ` (${backend.threads} threads)`}`,
  '',
  '| model | params | test accuracy | train loss (last epoch) | wall time (s) | train images/s |',
  '|---|---:|---:|---:|---:|---:|',
];
const table = header
  .concat(
    rows.map(
      (r) =>
        `| ${r.name} | ${r.params} | ${((r.result.testAccuracy ?? 0) * 100).toFixed(2)} % | ${r.result.trainLoss.toFixed(4)} | ${r.result.seconds.toFixed(0)} | ${r.result.trainImagesPerSec.toFixed(0)} |`,
    ),
  )
  .join('\n');
process.stdout.write(`${table}\n`);
if (args.out !== undefined) writeFileSync(args.out, `${table}\n`);
