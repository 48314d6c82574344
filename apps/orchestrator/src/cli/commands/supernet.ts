/**
 * `fuselab supernet`: one-shot evaluation in this process (no Temporal). Trains a weight-sharing
 * supernet over per-block operators (libs/nas `@fuselab/nas/supernet`: NOS-initialised FuSe
 * branches, single-path uniform sampling) with the recipe of `fuselab train` (SGD-momentum, cosine,
 * the same defaults and data), then scores paths — listed in a file or drawn uniformly — by their
 * test accuracy with inherited weights after BatchNorm recalibration.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { BLOCK_OPERATORS, NETWORKS, type BlockOperator, type NetworkName } from '@fuselab/fuseconv';
import { canonicalAugment, DEFAULT_RECALIBRATE_BATCHES } from '../../campaigns/expand.js';
import { describeHyperparameters, hyperparametersOf, MAX_LEARNING_RATE } from '../../campaigns/recipe.js';
import { TRAIN_DATASETS } from '../../choices.js';
import { oneOf, parseList, parseNetwork, parseOperators, parsePositiveInt, parsePositiveNumber, parseStem, STEM_HELP } from '../options.js';
import { printJson, printText } from '../output.js';
import { writeWhole } from '../write-whole.js';
import { parseRecipe } from '../recipe-options.js';
import { progressBar } from '../progress.js';
import { loadTrainingDataWithBar, trainingDataRequest } from '../training-data.js';
import { UsageError } from '../usage-error.js';

interface SupernetFlags {
  network: string;
  dataset: string;
  dataDir?: string;
  data?: string;
  imageSize?: string;
  width: string;
  stem?: string;
  choices: string;
  epochs?: string;
  limit?: string;
  crop?: string;
  flip?: boolean;
  batch: string;
  lr?: string;
  momentum?: string;
  weightDecay?: string;
  seed: string;
  teacher?: string;
  paths?: string;
  sample?: string;
  recalibrate: string;
  zeroCostPt?: boolean;
  save?: string;
  load?: string;
  json?: boolean;
}

/**
 * `--paths FILE`: a JSON array of operator lists, each an array of operator names or one comma
 * string (as `--operators` takes them), e.g. `[["dw","fuse_half",…], "dw,dw,fuse_full,…"]`.
 */
export function readPaths(file: string, network: NetworkName, choices: readonly BlockOperator[]): BlockOperator[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError('--paths', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError('--paths', `${file} is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new UsageError('--paths', `${file} must hold a non-empty JSON array of operator lists`);
  return parsed.map((item: unknown, i) => {
    const list = Array.isArray(item) && item.every((op) => typeof op === 'string') ? item.join(',') : item;
    if (typeof list !== 'string')
      throw new UsageError('--paths', `${file} item ${i + 1}: expected an array of operator names or a comma string`);
    let ops: BlockOperator[];
    try {
      ops = parseOperators(list, network);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError('--paths', `${file} item ${i + 1}: ${error.problem}`);
      throw error;
    }
    const outside = ops.findIndex((op) => !choices.includes(op));
    if (outside >= 0)
      throw new UsageError(
        '--paths',
        `${file} item ${i + 1}: block ${outside} is ${ops[outside]}, not one of --choices ${choices.join(',')}`,
      );
    return ops;
  });
}

/** The bytes of a `--save` file (gzip or not). */
function readSupernetFile(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError('--load', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : new Uint8Array(bytes);
  } catch (error) {
    throw new UsageError('--load', `${file} is a damaged gzip file (${(error as Error).message})`);
  }
}

export function registerSupernetCommand(program: Command): void {
  program
    .command('supernet')
    .description(
      'train a weight-sharing supernet over per-block operators (NOS-initialised, single-path) and score paths by inherited test accuracy',
    )
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .requiredOption('--dataset <name>', TRAIN_DATASETS.join(' | '))
    .option('--data-dir <dir>', 'as fuselab train: the data set directory (cifar10: the binary batches; folder: the decode cache)')
    .option('--data <path>', 'folder: a directory or .tar/.tar.gz archive of train/<class>/* and test/<class>/*')
    .option('--image-size <px>', 'folder: resize every image to this square size')
    .option('--width <multiplier>', 'width multiplier', '0.25')
    .option('--stem <name>', STEM_HELP)
    .option('--choices <list>', `operators every block chooses from, comma list (must include dw): ${BLOCK_OPERATORS.join(', ')}`, 'all')
    .option('--epochs <n>', 'supernet training epochs (each step trains one path drawn uniformly; default 1); 0 with --zero-cost-pt alone')
    .option('--limit <images>', 'use the first N training images (and at most N test images)')
    .option('--crop <px>', 'augment: zero-pad by this many pixels per side, then crop back at a random offset')
    .option('--flip', 'augment: mirror training images left–right with probability ½')
    .option('--batch <n>', 'batch size', '64')
    .option('--lr <rate>', `SGD learning rate, above 0 and at most ${MAX_LEARNING_RATE} (default 0.05; cosine decay per step)`)
    .option('--momentum <m>', 'SGD momentum, from 0 up to 1 (default 0.9)')
    .option('--weight-decay <wd>', 'L2 weight decay on kernels, from 0 up to 1 (default 5e-5)')
    .option('--seed <n>', 'seed of the weights, the data order and the paths drawn', '0')
    .option('--teacher <ckpt>', 'start the depthwise path from this trained baseline checkpoint (fuselab train --variant baseline)')
    .option('--paths <file>', 'JSON array of operator lists to score (arrays of names or comma strings)')
    .option('--sample <n>', 'score this many paths drawn uniformly (seeded), instead of --paths')
    .option(
      '--recalibrate <batches>',
      'training batches whose BatchNorm statistics each scored path gets',
      String(DEFAULT_RECALIBRATE_BATCHES),
    )
    .option(
      '--zero-cost-pt',
      'also choose one operator per block by Zero-Cost-PT (NASWOT perturbation of the supernet mixture on the first --batch training images)',
    )
    .option('--save <file>', 'write the trained supernet here (gzip), to score more paths later with --load')
    .option('--load <file>', 'score with a supernet written by --save instead of training one (same network, data shape and --choices)')
    .option(
      '--json',
      'print one JSON document: {"network","choices","width","stem","epochs","trainImages","testImages","backend","training","subnets":[{"operators","accuracy","loss"}],"scoreSeconds"} (+ "zeroCostPt":{"path","evaluations","seconds","accuracy"})',
    )
    .action(async (flags: SupernetFlags) => {
      // Every flag is checked before anything loads.
      const network = parseNetwork(flags.network);
      const dataset = oneOf('--dataset', flags.dataset, TRAIN_DATASETS, 'dataset');
      const choices = parseList('--choices', flags.choices, BLOCK_OPERATORS, 'operator');
      if (!choices.includes('dw'))
        throw new UsageError('--choices', 'must include dw: the shared layers and the FuSe branches’ initialisation come from it');
      const width = parsePositiveNumber('--width', flags.width);
      if (width > 4) throw new UsageError('--width', `expected at most 4, got "${flags.width}"`);
      if (flags.load !== undefined && flags.epochs !== undefined)
        throw new UsageError('--epochs', 'not used with --load (that supernet is trained already)');
      if (flags.load !== undefined && flags.teacher !== undefined) throw new UsageError('--teacher', 'not used with --load');
      for (const [flag, value] of [
        ['--lr', flags.lr],
        ['--momentum', flags.momentum],
        ['--weight-decay', flags.weightDecay],
      ] as const)
        if (flags.load !== undefined && value !== undefined)
          throw new UsageError(flag, 'not used with --load (that supernet is trained already)');
      const hyperparameters = hyperparametersOf(parseRecipe(flags, 'supernet'));
      const epochsText = flags.epochs ?? '1';
      if (!/^\s*\d+\s*$/.test(epochsText)) throw new UsageError('--epochs', `expected a non-negative integer, got "${epochsText}"`);
      // A loaded supernet counts as trained (it scores paths), but trains no further here.
      const epochs = flags.load !== undefined ? 0 : Number(epochsText);
      const trained = flags.load !== undefined || epochs > 0;
      const batch = parsePositiveInt('--batch', flags.batch);
      const recalibrate = parsePositiveInt('--recalibrate', flags.recalibrate);
      const crop = flags.crop !== undefined ? parsePositiveInt('--crop', flags.crop) : undefined;
      const augment = canonicalAugment({ crop, flip: flags.flip });
      if (!/^\s*\d+\s*$/.test(flags.seed)) throw new UsageError('--seed', `expected a non-negative integer, got "${flags.seed}"`);
      const seed = Number(flags.seed);
      const stem = flags.stem !== undefined ? parseStem(flags.stem) : undefined;
      if (flags.paths !== undefined && flags.sample !== undefined)
        throw new UsageError('--paths', 'give either --paths FILE or --sample N, not both');
      if (flags.paths === undefined && flags.sample === undefined && !flags.zeroCostPt)
        throw new UsageError('--paths', 'give --paths FILE or --sample N (the networks to score), or --zero-cost-pt');
      if (!trained && (flags.paths !== undefined || flags.sample !== undefined))
        throw new UsageError('--epochs', 'scoring networks by inherited accuracy needs a trained supernet (at least 1 epoch)');
      if (epochs === 0 && flags.teacher !== undefined)
        throw new UsageError('--teacher', 'with --epochs 0 there is no training to start from it');
      const paths = flags.paths !== undefined ? readPaths(flags.paths, network, choices) : undefined;
      const sample = flags.sample !== undefined ? parsePositiveInt('--sample', flags.sample) : undefined;
      const dataRequest = trainingDataRequest(dataset, flags, seed);

      const loaded = flags.load !== undefined ? readSupernetFile(flags.load) : undefined;
      const training = await import('../../train/training.js');
      const teacherCheckpoint = flags.teacher ? training.readCheckpointFile(flags.teacher) : undefined;
      const data = await loadTrainingDataWithBar(dataRequest);
      if (data.train.count < batch) throw new UsageError('--batch', `${batch} is more than the ${data.train.count} training images`);
      if (trained && recalibrate * batch > data.train.count)
        throw new UsageError(
          '--recalibrate',
          `${recalibrate} batches of ${batch} need ${recalibrate * batch} images, there are ${data.train.count}`,
        );
      const backend = await training.ensureBackend();
      const { samplePath } = await import('@fuselab/nas/supernet');
      const run = await import('../../train/supernet-run.js');
      const request = { network, width, ...(stem ? { stem } : {}), choices, seed };
      const shape = run.supernetShape(request, data);
      const stemUsed = shape.stem;
      let supernet;
      if (loaded) {
        try {
          supernet = await run.decodeStoredSupernet(loaded, flags.load!);
        } catch (error) {
          throw new UsageError('--load', (error as Error & { problem?: string }).problem ?? (error as Error).message);
        }
        const want = JSON.stringify({ ...shape, choices });
        const have = JSON.stringify({ ...supernet.shape, choices: supernet.operators });
        if (want !== have) {
          supernet.dispose();
          throw new UsageError('--load', `${flags.load} holds a supernet of ${have}, this command asks for ${want}`);
        }
      } else {
        try {
          supernet = await run.createSupernet(
            request,
            data,
            teacherCheckpoint ? { checkpoint: teacherCheckpoint, source: flags.teacher! } : undefined,
          );
        } catch (error) {
          if (error instanceof training.TrainingInputError) throw new UsageError('--teacher', `${flags.teacher}: ${error.problem}`);
          throw error;
        }
      }
      try {
        const toScore =
          paths ??
          (sample !== undefined ? Array.from({ length: sample }, (_, i) => samplePath(choices, supernet.blocks, seed + 1, i)) : []);
        const stepsPerEpoch = Math.floor(data.train.count / batch);
        const bar = progressBar('[{bar}] {percentage}% {value}/{total} supernet steps · loss {loss}');
        bar.log(
          `fuselab supernet: ${network} width ${width}, ${stemUsed} stem, choices ${choices.join(',')}${teacherCheckpoint ? ', from teacher' : ''}, ${dataset} ${data.train.count} train / ${data.test.count} test images, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batch}${epochs > 0 ? `, ${describeHyperparameters(hyperparameters)}` : ''}, seed ${seed}, backend ${backend.name}`,
        );
        const result =
          epochs === 0
            ? undefined
            : await run.trainSupernetWithRecipe(
                supernet,
                data,
                { epochs, batch, ...(augment ? { augment } : {}), seed, hyperparameters },
                {
                  onProgress: (e) => {
                    if (e.type === 'step') bar.update(e.step + 1, epochs * stepsPerEpoch, { loss: e.loss.toFixed(3) });
                  },
                },
              );
        bar.stop();
        if (flags.save !== undefined) {
          mkdirSync(dirname(flags.save), { recursive: true });
          writeWhole(flags.save, await run.encodeStoredSupernet(supernet));
        }
        const scoreStart = performance.now();
        const scoring = progressBar('[{bar}] {percentage}% {value}/{total} paths scored');
        const subnets = await run.scoreSupernetPaths(
          supernet,
          toScore,
          data,
          { recalibrate, batch, seed },
          { onPath: (done, total) => scoring.update(done, total, {}) },
        );
        scoring.stop();
        let zeroCostPt;
        if (flags.zeroCostPt) {
          const chosen = await run.selectPathByZeroCostPt(supernet, data, { batch, seed });
          let accuracy: number | undefined;
          if (trained)
            accuracy = (await run.scoreSupernetPaths(supernet, [chosen.operators], data, { recalibrate, batch, seed }))[0]!.accuracy;
          zeroCostPt = {
            path: chosen.operators,
            evaluations: chosen.evaluations,
            seconds: chosen.seconds,
            ...(accuracy !== undefined ? { accuracy } : {}),
          };
        }
        const summary = {
          network,
          choices,
          width,
          stem: stemUsed,
          epochs,
          trainImages: data.train.count,
          testImages: data.test.count,
          backend: backend.name,
          training: result
            ? {
                steps: result.steps,
                seconds: result.seconds,
                epochs: result.epochs,
                operatorCounts: result.operatorCounts,
                hyperparameters,
              }
            : { steps: 0, seconds: 0, epochs: [], operatorCounts: {} },
          subnets,
          scoreSeconds: (performance.now() - scoreStart) / 1000,
          ...(zeroCostPt ? { zeroCostPt } : {}),
        };
        if (flags.json) printJson(summary);
        else
          printText(
            [
              `supernet trained: ${summary.training.steps} steps in ${summary.training.seconds.toFixed(1)} s; ${subnets.length} paths scored in ${summary.scoreSeconds.toFixed(1)} s`,
              ...subnets.map((s) => `  ${(100 * s.accuracy).toFixed(2).padStart(6)} %  ${s.operators.join(',')}`),
              ...(zeroCostPt
                ? [
                    `Zero-Cost-PT (${zeroCostPt.evaluations} mixtures scored in ${zeroCostPt.seconds.toFixed(1)} s): ${zeroCostPt.path.join(',')}${zeroCostPt.accuracy !== undefined ? ` — ${(100 * zeroCostPt.accuracy).toFixed(2)} %` : ''}`,
                  ]
                : []),
            ].join('\n'),
          );
      } finally {
        supernet.dispose();
      }
    });
}
