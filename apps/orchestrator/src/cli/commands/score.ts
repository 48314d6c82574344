/**
 * `fuselab score`: zero-cost proxies of one network on one minibatch (libs/nas `scoreSpec`). This
 * file does the I/O: it reads the data set (Fashion-MNIST, CIFAR-10 or an image folder from its
 * files, as `fuselab train` does; the synthetic and noise sets are generated) and turns `--batch`
 * images into the minibatch the library scores.
 */
import type { Command } from 'commander';
import { BLOCK_OPERATORS, buildNetwork, defaultStem, InvalidSpecError, NETWORKS, VARIANTS, type NetworkSpec } from '@fuselab/fuseconv';
import { NasInputError } from '@fuselab/nas';
import { printJson, printText } from '../output.js';
import {
  oneOf,
  parseList,
  parseNetwork,
  parseOperators,
  parsePositiveInt,
  parsePositiveNumber,
  parseStem,
  parseVariant,
  STEM_HELP,
} from '../options.js';
import { UsageError } from '../usage-error.js';

/** `noise` is Gaussian N(0, 1) images without labels (what Zen-NAS scores on). */
const SCORE_DATASETS = ['fashion-mnist', 'cifar10', 'folder', 'synthetic', 'noise'] as const;
type ScoreDataset = (typeof SCORE_DATASETS)[number];
/** The data sets read from files, and so the ones `--data` is for. */
const FILE_DATASETS: readonly ScoreDataset[] = ['fashion-mnist', 'cifar10', 'folder'];
/** Classes of the generated sets (the file sets say their own). */
const NUM_CLASSES = 10;

interface ScoreFlags {
  network: string;
  stem?: string;
  variant?: string;
  operators?: string;
  proxies: string;
  dataset: string;
  data?: string;
  dataDir?: string;
  input: string;
  width: string;
  batch: string;
  seed: string;
  json?: boolean;
}

/** The library's `field: message` as the CLI's `--flag: message`. */
function asUsage(error: unknown): never {
  if (error instanceof NasInputError) throw new UsageError(`--${error.field === 'batch' ? 'input' : 'proxies'}`, error.problem);
  throw error;
}

/** Zero-pads NHWC images (centred) from `from`×`from` to `to`×`to`. */
function padImages(x: Float32Array, n: number, from: number, to: number, channels: number): Float32Array {
  if (from === to) return x;
  const out = new Float32Array(n * to * to * channels);
  const offset = Math.floor((to - from) / 2);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < from; y++) {
      const src = (i * from + y) * from * channels;
      const dst = ((i * to + y + offset) * to + offset) * channels;
      out.set(x.subarray(src, src + from * channels), dst);
    }
  }
  return out;
}

/** `path`: where the files are (`flag` names the option it came from, for errors). */
async function loadBatch(
  dataset: ScoreDataset,
  options: { path?: { value: string; flag: string }; input: number; batch: number; seed: number },
) {
  const nos = await import('@fuselab/nos');
  const { input, batch: n, seed } = options;
  const shape = { n, height: input, width: input, channels: 3 };
  if (dataset === 'noise') {
    const rng = nos.Rng.fromSeed(seed);
    const x = Float32Array.from({ length: n * input * input * 3 }, () => rng.normal());
    return { ...shape, x, numClasses: NUM_CLASSES };
  }
  let images;
  let numClasses = NUM_CLASSES;
  if (dataset === 'synthetic')
    images = nos.syntheticDataset({ count: n, size: input, channels: 3, numClasses: NUM_CLASSES, seed, name: 'synthetic' });
  else {
    const training = await import('../../train/training.js');
    const path = options.path?.value;
    const data = await training
      .loadTrainingData({
        dataset,
        // fashion-mnist and cifar10: the directory of their files; folder: the folder or archive
        // (decoded images are cached where `fuselab train` caches them), resized to --input.
        ...(path === undefined ? {} : dataset === 'folder' ? { dataPath: path, imageSize: input } : { dataDir: path }),
        limit: n,
        seed,
      })
      .catch((error: unknown) => {
        if (error instanceof training.DatasetFileError || error instanceof nos.DatasetError)
          throw new UsageError(options.path?.flag ?? '--data', `${error.message}`);
        throw error;
      });
    images = data.train;
    numClasses = data.numClasses;
    if (images.count < n) throw new UsageError('--batch', `${n} is more than the ${images.count} images of ${dataset}`);
    if (images.height > input)
      throw new UsageError('--input', `${dataset} images are ${images.height}×${images.width}, larger than ${input}×${input}`);
  }
  const made = nos.makeBatch(
    images,
    Array.from({ length: n }, (_, i) => i),
    { channels: 3 },
  );
  return { ...shape, x: padImages(made.x, n, images.height, input, 3), labels: made.y, numClasses };
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'zero-cost proxies of a network on one minibatch (synflow, grad_norm, snip, grasp, fisher, jacob_cov, naswot, zen, params, macs)',
    )
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .option('--variant <name>', VARIANTS.join(' | '))
    .option('--operators <list>', `one operator per searchable block: comma list of ${BLOCK_OPERATORS.join(', ')}`)
    .requiredOption('--proxies <list>', 'comma list of proxies')
    .requiredOption('--dataset <name>', `${SCORE_DATASETS.join(' | ')} (noise: Gaussian images, no labels)`)
    .option(
      '--data <path>',
      'fashion-mnist, cifar10: the directory of its files (fashion-mnist default /usr/share/datasets/fashion-mnist); folder: a directory or .tar/.tar.gz of train/<class>/* and test/<class>/*',
    )
    .option('--data-dir <dir>', 'fashion-mnist, cifar10: the same as --data (the name fuselab train uses)')
    .option('--input <size>', 'input size; fashion-mnist 28×28 images are zero-padded to it', '32')
    .option('--width <multiplier>', 'width multiplier', '0.25')
    .option('--stem <name>', STEM_HELP)
    .option('--batch <n>', 'images in the minibatch', '64')
    .option('--seed <n>', 'seed of the weights (and of generated data)', '1')
    .option('--json', 'print one JSON document: {"network","operators","scores":{name: value}}')
    .action(async (flags: ScoreFlags) => {
      const network = parseNetwork(flags.network);
      if ((flags.variant === undefined) === (flags.operators === undefined))
        throw new UsageError('--variant', 'give either --variant or --operators (one of them)');
      const dataset = oneOf('--dataset', flags.dataset, SCORE_DATASETS, 'data set');
      if (flags.data !== undefined && flags.dataDir !== undefined) throw new UsageError('--data', 'give --data or --data-dir, not both');
      const path =
        flags.data !== undefined
          ? { value: flags.data, flag: '--data' }
          : flags.dataDir !== undefined
            ? { value: flags.dataDir, flag: '--data-dir' }
            : undefined;
      if (path && !FILE_DATASETS.includes(dataset))
        throw new UsageError(path.flag, `not used with --dataset ${dataset} (only with ${FILE_DATASETS.join(', ')})`);
      if (path?.flag === '--data-dir' && dataset === 'folder')
        throw new UsageError('--data-dir', 'a folder data set is given with --data (a directory or .tar/.tar.gz)');
      if (!path && dataset === 'folder')
        throw new UsageError('--data', 'needed with --dataset folder: a directory or .tar/.tar.gz of train/<class>/* and test/<class>/*');
      const input = parsePositiveInt('--input', flags.input);
      const width = parsePositiveNumber('--width', flags.width);
      if (width > 4) throw new UsageError('--width', `expected at most 4, got "${flags.width}"`);
      const batch = parsePositiveInt('--batch', flags.batch);
      if (batch < 2)
        throw new UsageError('--batch', `expected at least 2 images (jacob_cov and naswot compare samples), got "${flags.batch}"`);
      if (!/^\s*\d+\s*$/.test(flags.seed) || Number(flags.seed) === 0)
        throw new UsageError('--seed', `expected a positive integer (tfjs reads seed 0 as unseeded), got "${flags.seed}"`);
      const seed = Number(flags.seed);
      const { quietTfjs, scoreSpec, validateProxies, PROXIES } = await import('@fuselab/nas/proxies');
      quietTfjs();
      // The backend training uses (tfjs-node where installed, else wasm with fuselab's kernels):
      // without it tfjs falls back to its JavaScript cpu backend, on which one score of a
      // CIFAR-style MobileNetV2 took minutes.
      const backend = await (await import('../../train/training.js')).ensureBackend();
      const proxies = parseList('--proxies', flags.proxies, PROXIES, 'proxy');
      try {
        validateProxies(proxies, dataset !== 'noise');
      } catch (error) {
        asUsage(error);
      }
      // The data first: a file data set says how many classes the network's head has.
      const data = await loadBatch(dataset, { ...(path ? { path } : {}), input, batch, seed });
      let spec: NetworkSpec;
      try {
        const shape = {
          network,
          width,
          inputSize: input,
          numClasses: data.numClasses,
          stem: flags.stem !== undefined ? parseStem(flags.stem) : defaultStem(input),
        };
        spec =
          flags.variant !== undefined
            ? buildNetwork({ ...shape, variant: parseVariant(flags.variant) })
            : buildNetwork({ ...shape, operators: parseOperators(flags.operators!) });
      } catch (error) {
        if (error instanceof InvalidSpecError)
          throw new UsageError(
            `--${flags.variant !== undefined ? 'variant' : /input|too small/i.test(error.message) ? 'input' : 'operators'}`,
            error.problem,
          );
        throw error;
      }
      const scores = await scoreSpec(spec, data, proxies, seed, { backend: backend.tfBackend }).catch(asUsage);
      // The contract's keys exactly; the backend goes to the text output only.
      const summary = { network, operators: spec.operators, scores };
      if (flags.json) printJson(summary);
      else
        printText(
          [
            `${network} (${flags.variant ?? 'custom operators'}, width ${width}, ${input}×${input}, ${dataset} batch ${batch}, seed ${seed}, ${backend.name} backend)`,
            ...Object.entries(scores).map(([name, value]) => `  ${name.padEnd(10)} ${value}`),
          ].join('\n'),
        );
    });
}
