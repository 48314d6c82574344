/**
 * `fuselab train`: one training run in this process (no Temporal), with a progress bar on stderr;
 * the checkpoint is written under --out and the summary printed (one JSON document with --json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { TRAIN_DATASETS, TRAIN_METHODS } from '../../choices.js';
import { oneOf, parseNetwork, parsePositiveInt, parsePositiveNumber, parseVariant } from '../options.js';
import { printJson, printText } from '../output.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

function parseSeed(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new UsageError('--seed', `expected a non-negative integer, got "${value}"`);
  return Number(value);
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a network variant in this process (scratch, KD or NOS) and write its checkpoint')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .requiredOption('--variant <name>', VARIANTS.join(' | '))
    .requiredOption('--dataset <name>', TRAIN_DATASETS.join(' | '))
    .option('--data-dir <dir>', 'data set directory (fashion-mnist default /usr/share/datasets/fashion-mnist; cifar10: the binary batches)')
    .option('--width <multiplier>', 'width multiplier', '0.25')
    .option('--epochs <n>', 'epochs', '1')
    .option('--limit <images>', 'use the first N training images (and at most N test images)')
    .option('--method <method>', TRAIN_METHODS.join(' | '), 'scratch')
    .option('--teacher <ckpt>', 'teacher checkpoint (a trained baseline) for kd and nos')
    .option('--batch <n>', 'batch size', '64')
    .option('--seed <n>', 'seed', '0')
    .option('--out <dir>', 'where the checkpoint is written', '.fuselab/checkpoints')
    .option('--json', 'print one JSON document: {"network","variant","method","backend","epochs","testAccuracy","trainImagesPerSec","checkpoint"}')
    .action(async (options: { network: string; variant: string; dataset: string; dataDir?: string; width: string; epochs: string; limit?: string; method: string; teacher?: string; batch: string; seed: string; out: string; json?: boolean }) => {
      // Every flag is checked before anything loads.
      const network = parseNetwork(options.network);
      const variant = parseVariant(options.variant);
      const dataset = oneOf('--dataset', options.dataset, TRAIN_DATASETS, 'dataset');
      const method = oneOf('--method', options.method, TRAIN_METHODS, 'training method');
      const width = parsePositiveNumber('--width', options.width);
      if (width > 4) throw new UsageError('--width', `expected at most 4, got "${options.width}"`);
      const epochs = parsePositiveInt('--epochs', options.epochs);
      const batch = parsePositiveInt('--batch', options.batch);
      const limit = options.limit !== undefined ? parsePositiveInt('--limit', options.limit) : undefined;
      const seed = parseSeed(options.seed);
      if (method !== 'scratch' && !options.teacher) throw new UsageError('--teacher', `method ${method} needs a teacher checkpoint (a trained baseline, e.g. from fuselab train --variant baseline)`);
      if (method === 'scratch' && options.teacher) throw new UsageError('--teacher', 'only used with --method kd or nos');
      if (dataset === 'cifar10' && !options.dataDir) throw new UsageError('--data-dir', 'cifar10 needs the directory of its binary batches (data_batch_1.bin … test_batch.bin)');

      // A missing or corrupt data file or teacher is an input error (errors/input-errors.ts): exit 2.
      const training = await import('../../train/training.js');
      const teacher = options.teacher ? { checkpoint: training.readCheckpointFile(options.teacher), source: options.teacher } : undefined;
      const data = await training.loadTrainingData({ dataset, ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(limit !== undefined ? { limit } : {}), seed });
      if (data.train.count < batch) throw new UsageError('--batch', `${batch} is more than the ${data.train.count} training images`);

      const backend = await training.ensureBackend();
      const bar = progressBar('[{bar}] {percentage}% step {value}/{total} · epoch {epoch}/{epochs} · loss {loss} · acc {acc} · {speed} img/s');
      bar.log(`fuselab train: backend ${backend.name} (${backend.reason})`);
      bar.log(`fuselab train: ${network} ${variant} width ${width}, ${method}, ${dataset} ${data.train.count} train / ${data.test.count} test images ${data.inputSize}×${data.inputSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batch}, seed ${seed}`);
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once('SIGINT', interrupt);
      let result;
      try {
        result = await training
          .runTraining(
            { dataset, network, variant, width, method, epochs, batch, seed, data, ...(limit !== undefined ? { limit } : {}), ...(teacher ? { teacher } : {}) },
            {
              signal: controller.signal,
              onProgress: (event) => {
                if (event.type === 'step') bar.update(event.globalStep + 1, event.totalSteps, { epoch: event.epoch + 1, epochs, loss: event.loss.toFixed(4), acc: event.batchAccuracy.toFixed(3), speed: event.imagesPerSec.toFixed(0) });
                else if (event.type === 'epoch') bar.log(`epoch ${event.epoch + 1}/${epochs}: train loss ${event.trainLoss.toFixed(4)} acc ${event.trainAccuracy.toFixed(4)}${event.testAccuracy === undefined ? '' : ` · test acc ${event.testAccuracy.toFixed(4)}`} · ${event.imagesPerSec.toFixed(0)} img/s`);
              },
            },
          );
      } finally {
        bar.stop();
        process.removeListener('SIGINT', interrupt);
      }
      const dir = resolve(options.out);
      mkdirSync(dir, { recursive: true });
      const checkpoint = join(dir, training.checkpointFileName({ network, variant, method, width, seed, dataset }));
      writeFileSync(checkpoint, training.encodeCheckpoint(result.checkpoint));
      const summary = {
        network,
        variant,
        method,
        backend: result.backend,
        epochs: result.epochs,
        testAccuracy: result.testAccuracy,
        trainImagesPerSec: Number(result.trainImagesPerSec.toFixed(2)),
        checkpoint,
        dataset,
        width,
        seed,
        trainImages: data.train.count,
        testImages: data.test.count,
        testLoss: result.testLoss,
        seconds: Number(result.seconds.toFixed(2)),
      };
      if (options.json) printJson(summary);
      else printText(`${network} ${variant} (${method}) on ${dataset}: test accuracy ${result.testAccuracy === null ? '—' : (result.testAccuracy * 100).toFixed(2) + '%'} after ${result.epochs} epoch${result.epochs === 1 ? '' : 's'}, ${summary.trainImagesPerSec} train images/s on ${result.backend}\ncheckpoint ${checkpoint}`);
    });
}
