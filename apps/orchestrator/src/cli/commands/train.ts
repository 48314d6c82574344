/**
 * `fuselab train`: one training run in this process (no Temporal), with a progress bar on stderr;
 * the checkpoint is written under --out and the summary printed (one JSON document with --json).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BLOCK_OPERATORS, defaultStem, NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { canonicalAugment, replicasProblem } from '../../campaigns/expand.js';
import {
  ANNEAL_KINDS,
  canonicalDistill,
  describeDistill,
  distillValues,
  DISTILL_FLAGS,
  distillProblem,
  FUSE_INITS,
  MAX_LAMBDA_OP,
  MAX_TEMPERATURE,
  type DistillSettings,
} from '../../campaigns/distill.js';
import { describeHyperparameters, hyperparametersOf, MAX_LEARNING_RATE } from '../../campaigns/recipe.js';
import { TRAIN_DATASETS, TRAIN_METHODS, TRAIN_OPTIMIZERS } from '../../choices.js';
import {
  oneOf,
  parseNetwork,
  parseNumber,
  parseOperators,
  parsePositiveInt,
  parsePositiveNumber,
  parseStem,
  parseVariant,
  STEM_HELP,
} from '../options.js';
import { printJson, printText } from '../output.js';
import { parseRecipe } from '../recipe-options.js';
import { progressBar } from '../progress.js';
import { loadTrainingDataWithBar, trainingDataRequest } from '../training-data.js';
import { UsageError } from '../usage-error.js';
import { writeWhole } from '../write-whole.js';

/** --alpha, --temperature, --lambda-op, --anneal, --anneal-fraction, --fuse-init as canonical settings (undefined: the defaults). */
function parseDistill(
  options: { alpha?: string; temperature?: string; lambdaOp?: string; anneal?: string; annealFraction?: string; fuseInit?: string },
  method: (typeof TRAIN_METHODS)[number],
): DistillSettings | undefined {
  const settings: DistillSettings = {};
  const alpha = parseNumber('--alpha', options.alpha);
  const temperature = parseNumber('--temperature', options.temperature);
  const lambdaOp = parseNumber('--lambda-op', options.lambdaOp);
  const annealFraction = parseNumber('--anneal-fraction', options.annealFraction);
  if (alpha !== undefined) settings.alpha = alpha;
  if (temperature !== undefined) settings.temperature = temperature;
  if (lambdaOp !== undefined) settings.lambdaOp = lambdaOp;
  if (options.anneal !== undefined) settings.anneal = oneOf('--anneal', options.anneal, ANNEAL_KINDS, 'anneal');
  if (annealFraction !== undefined) settings.annealFraction = annealFraction;
  if (options.fuseInit !== undefined) settings.fuseInit = oneOf('--fuse-init', options.fuseInit, FUSE_INITS, 'FuSe initialisation');
  const wrong = distillProblem(settings, method);
  if (wrong) throw new UsageError(DISTILL_FLAGS[wrong.field], wrong.problem);
  return canonicalDistill(settings);
}

function parseSeed(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new UsageError('--seed', `expected a non-negative integer, got "${value}"`);
  return Number(value);
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a network variant (or per-block operators) in this process (scratch, KD or NOS) and write its checkpoint')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .option('--variant <name>', VARIANTS.join(' | '))
    .option(
      '--operators <list>',
      `instead of --variant: one operator per searchable block, comma list of ${BLOCK_OPERATORS.join(', ')} (as fuselab score and search name them)`,
    )
    .requiredOption('--dataset <name>', TRAIN_DATASETS.join(' | '))
    .option(
      '--data-dir <dir>',
      'data set directory (fashion-mnist default /usr/share/datasets/fashion-mnist; cifar10: the binary batches; folder: the decode cache, default .fuselab/cache)',
    )
    .option(
      '--data <path>',
      'folder: a directory or .tar/.tar.gz archive of train/<class>/* and test/<class>/* (JPEG, PNG; classes sorted by name)',
    )
    .option(
      '--image-size <px>',
      'folder: resize every image to this square size (bilinear); without it all images must share one square size',
    )
    .option('--width <multiplier>', 'width multiplier', '0.25')
    .option('--stem <name>', STEM_HELP)
    .option('--epochs <n>', 'epochs', '1')
    .option('--limit <images>', 'use the first N training images (and at most N test images)')
    .option(
      '--crop <px>',
      'augment: zero-pad the training images by this many pixels per side, then crop back at a random offset (CIFAR: 4)',
    )
    .option('--flip', 'augment: mirror training images left–right with probability ½')
    .option('--method <method>', TRAIN_METHODS.join(' | '), 'scratch')
    .option('--teacher <ckpt>', 'teacher checkpoint (a trained baseline) for kd and nos')
    .option('--batch <n>', 'batch size', '64')
    .option(
      '--replicas <n>',
      'data-parallel threads per step (scratch only; up to the cores): each computes the gradients of batch/n images. BatchNorm then normalises each share on its own, so results differ from 1 (2 points lower in a short CIFAR-10 run: libs/nos README)',
      '1',
    )
    .option('--optimizer <name>', `${TRAIN_OPTIMIZERS.join(' | ')} (default sgd: momentum 0.9, weight decay 5e-5, cosine decay per step)`)
    .option('--lr <rate>', `base learning rate, above 0 and at most ${MAX_LEARNING_RATE} (default 0.05 with sgd, 0.005 with adam)`)
    .option('--momentum <m>', 'sgd momentum, from 0 up to 1 (default 0.9)')
    .option('--weight-decay <wd>', 'L2 weight decay on kernels, from 0 up to 1 (default 5e-5)')
    .option('--alpha <a>', 'kd, nos: weight of the logit-distillation term, from 0 to 1 (default 0.5)')
    .option('--temperature <t>', `kd, nos: softmax temperature, above 0 and at most ${MAX_TEMPERATURE} (default 4)`)
    .option('--lambda-op <w>', `nos: the scaffold (operator-loss) weight at the start, 0 to ${MAX_LAMBDA_OP} (default 1)`)
    .option('--anneal <kind>', `nos: how the scaffold weight falls to 0: ${ANNEAL_KINDS.join(' | ')} (default cosine)`)
    .option('--anneal-fraction <f>', 'nos: the fraction of the steps it falls over, above 0 and at most 1 (default 0.5)')
    .option(
      '--fuse-init <from>',
      `nos: where the student's FuSe kernels start: ${FUSE_INITS.join(' | ')} (default depthwise: the teacher's depthwise kernels' centre row and column; seeded: their own initialisation)`,
    )
    .option('--seed <n>', 'seed', '0')
    .option(
      '--out <dir>',
      'where the checkpoint is written, as NETWORK-VARIANT-METHOD-wWIDTH-DATASET-sSEED-HASH.ckpt.json.gz (HASH: 8 hex digits of the other settings, so runs differing in epochs, limit, stem, replicas, learning rate … keep their own file)',
      '.fuselab/checkpoints',
    )
    .option(
      '--json',
      'print one JSON document: {"network","variant","operators" (custom only),"method","backend","epochs","testAccuracy","trainImagesPerSec","checkpoint"}',
    )
    .action(
      async (options: {
        network: string;
        variant?: string;
        operators?: string;
        dataset: string;
        dataDir?: string;
        data?: string;
        imageSize?: string;
        width: string;
        stem?: string;
        epochs: string;
        limit?: string;
        crop?: string;
        flip?: boolean;
        method: string;
        teacher?: string;
        batch: string;
        replicas: string;
        optimizer?: string;
        lr?: string;
        momentum?: string;
        weightDecay?: string;
        alpha?: string;
        temperature?: string;
        lambdaOp?: string;
        anneal?: string;
        annealFraction?: string;
        fuseInit?: string;
        seed: string;
        out: string;
        json?: boolean;
      }) => {
        // Every flag is checked before anything loads.
        const network = parseNetwork(options.network);
        if ((options.variant === undefined) === (options.operators === undefined))
          throw new UsageError('--variant', 'give either --variant or --operators (one of them)');
        const variant = options.variant !== undefined ? parseVariant(options.variant) : 'custom';
        const operators = options.operators !== undefined ? parseOperators(options.operators, network) : undefined;
        const label = operators ? `custom [${operators.join(',')}]` : variant;
        const dataset = oneOf('--dataset', options.dataset, TRAIN_DATASETS, 'dataset');
        const method = oneOf('--method', options.method, TRAIN_METHODS, 'training method');
        const width = parsePositiveNumber('--width', options.width);
        if (width > 4) throw new UsageError('--width', `expected at most 4, got "${options.width}"`);
        const epochs = parsePositiveInt('--epochs', options.epochs);
        const batch = parsePositiveInt('--batch', options.batch);
        const replicas = parsePositiveInt('--replicas', options.replicas);
        if (replicas > batch)
          throw new UsageError('--replicas', `${replicas} is more than the batch of ${batch} (each replica needs one image)`);
        const crop = options.crop !== undefined ? parsePositiveInt('--crop', options.crop) : undefined;
        if (crop !== undefined && crop > 64) throw new UsageError('--crop', `expected at most 64 pixels, got "${options.crop}"`);
        const augment = canonicalAugment({ crop, flip: options.flip });
        const seed = parseSeed(options.seed);
        const stem = options.stem !== undefined ? parseStem(options.stem) : undefined;
        if (method !== 'scratch' && !options.teacher)
          throw new UsageError(
            '--teacher',
            `method ${method} needs a teacher checkpoint (a trained baseline, e.g. from fuselab train --variant baseline)`,
          );
        if (method === 'scratch' && options.teacher) throw new UsageError('--teacher', 'only used with --method kd or nos');
        const replicasWrong = replicasProblem(replicas, method);
        if (replicasWrong) throw new UsageError('--replicas', replicasWrong);
        const recipe = parseRecipe(options, method);
        const hyperparameters = hyperparametersOf(recipe);
        const distill = parseDistill(options, method);
        const dataRequest = trainingDataRequest(dataset, options, seed);

        // A missing or corrupt data file or teacher is an input error (errors/input-errors.ts): exit 2.
        const training = await import('../../train/training.js');
        const teacher = options.teacher ? { checkpoint: training.readCheckpointFile(options.teacher), source: options.teacher } : undefined;
        const data = await loadTrainingDataWithBar(dataRequest);
        if (data.train.count < batch) throw new UsageError('--batch', `${batch} is more than the ${data.train.count} training images`);

        const backend = await training.ensureBackend();
        const bar = progressBar(
          '[{bar}] {percentage}% step {value}/{total} · epoch {epoch}/{epochs} · loss {loss} · acc {acc} · {speed} img/s',
        );
        bar.log(`fuselab train: backend ${backend.name} (${backend.reason})`);
        const stemUsed = stem ?? defaultStem(data.inputSize);
        bar.log(
          `fuselab train: ${network} ${label} width ${width}, ${stemUsed} stem, ${method}${augment ? `, augment ${JSON.stringify(augment)}` : ''}, ${dataset} ${data.train.count} train / ${data.test.count} test images ${data.inputSize}×${data.inputSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batch}${replicas > 1 ? ` over ${replicas} replicas` : ''}, ${describeHyperparameters(hyperparameters)}${method === 'scratch' ? '' : `, ${describeDistill(method, distill)}`}, seed ${seed}`,
        );
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        let result;
        try {
          result = await training.runTraining(
            {
              dataset,
              network,
              variant,
              ...(operators ? { operators } : {}),
              width,
              stem: stemUsed,
              method,
              epochs,
              batch,
              seed,
              data,
              ...(dataRequest.limit !== undefined ? { limit: dataRequest.limit } : {}),
              ...(augment ? { augment } : {}),
              ...(replicas > 1 ? { replicas } : {}),
              hyperparameters,
              ...(distill ? { distill } : {}),
              ...(teacher ? { teacher } : {}),
            },
            {
              signal: controller.signal,
              onProgress: (event) => {
                if (event.type === 'step')
                  bar.update(event.globalStep + 1, event.totalSteps, {
                    epoch: event.epoch + 1,
                    epochs,
                    loss: event.loss.toFixed(4),
                    acc: event.batchAccuracy.toFixed(3),
                    speed: event.imagesPerSec.toFixed(0),
                  });
                else if (event.type === 'epoch')
                  bar.log(
                    `epoch ${event.epoch + 1}/${epochs}: train loss ${event.trainLoss.toFixed(4)} acc ${event.trainAccuracy.toFixed(4)}${event.testAccuracy === undefined ? '' : ` · test acc ${event.testAccuracy.toFixed(4)}`} · ${event.imagesPerSec.toFixed(0)} img/s`,
                  );
              },
            },
          );
        } finally {
          bar.stop();
          process.removeListener('SIGINT', interrupt);
        }
        const dir = resolve(options.out);
        mkdirSync(dir, { recursive: true });
        const checkpoint = join(
          dir,
          training.checkpointFileName(
            { network, variant, ...(operators ? { operators } : {}), method, width, seed, dataset },
            {
              stem: stemUsed,
              epochs,
              batch,
              limit: dataRequest.limit,
              augment,
              replicas,
              // Only a changed recipe enters the hash: default runs keep the file names they had.
              ...(recipe ? { recipe } : {}),
              ...(distill ? { distill } : {}),
              inputSize: data.inputSize,
              data: options.data !== undefined ? resolve(options.data) : undefined,
              dataDir: options.dataDir !== undefined ? resolve(options.dataDir) : undefined,
              teacher: options.teacher !== undefined ? resolve(options.teacher) : undefined,
            },
          ),
        );
        // Whole or not at all: a truncated checkpoint would fail later, as somebody's --teacher.
        writeWhole(checkpoint, training.encodeCheckpoint(result.checkpoint));
        const summary = {
          network,
          variant,
          ...(operators ? { operators } : {}),
          method,
          backend: result.backend,
          epochs: result.epochs,
          testAccuracy: result.testAccuracy,
          trainImagesPerSec: Number(result.trainImagesPerSec.toFixed(2)),
          checkpoint,
          dataset,
          ...(options.data ? { data: options.data, inputSize: data.inputSize, numClasses: data.numClasses } : {}),
          width,
          stem: stemUsed,
          seed,
          ...(augment ? { augment } : {}),
          ...(replicas > 1 ? { replicas } : {}),
          hyperparameters,
          ...(method === 'scratch' ? {} : { distill: distillValues(distill) }),
          trainImages: data.train.count,
          testImages: data.test.count,
          testLoss: result.testLoss,
          seconds: Number(result.seconds.toFixed(2)),
        };
        if (options.json) printJson(summary);
        else
          printText(
            `${network} ${label} (${method}) on ${dataset}: test accuracy ${result.testAccuracy === null ? '—' : (result.testAccuracy * 100).toFixed(2) + '%'} after ${result.epochs} epoch${result.epochs === 1 ? '' : 's'}, ${summary.trainImagesPerSec} train images/s on ${result.backend}\ncheckpoint ${checkpoint}`,
          );
      },
    );
}
